"""Activity records, the calendar, photos, attachments, integrity flags and 退回补充."""

from django.urls import path

from ledgers.activities import branch_pages, views

urlpatterns = [
    path("org/shells/", branch_pages.shell_list, name="shell_list"),
    path("org/silent/", branch_pages.silent_list, name="silent_list"),
    path("branch/<int:pk>/", branch_pages.branch_detail, name="branch_detail"),
    path("branch/<int:pk>/activities/", views.activity_list, name="activity_list"),
    path("branch/<int:pk>/activities/new/", views.activity_new, name="activity_new"),
    path("branch/<int:pk>/calendar/", views.calendar, name="branch_calendar"),
    path("activity/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activity/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activity/<int:pk>/void/", views.activity_void, name="activity_void"),
    path("activity/<int:pk>/restore/", views.activity_restore, name="activity_restore"),
    path("activity/<int:pk>/return/", views.activity_return, name="activity_return"),
    path("activity/<int:pk>/return/withdraw/", views.activity_return_withdraw, name="activity_return_withdraw"),
    path("photo/<int:pk>/<str:variant>/", views.photo_file, name="photo_file"),
    path("attachment/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("flag/<int:pk>/explain/", views.flag_explain, name="flag_explain"),
]
