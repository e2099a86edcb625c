from django.urls import path

from ledgers import ledger_views, views

urlpatterns = [
    path("branch/<int:pk>/activities/", views.activity_list, name="activity_list"),
    path("branch/<int:pk>/activities/new/", views.activity_new, name="activity_new"),
    path("branch/<int:pk>/calendar/", views.calendar, name="branch_calendar"),
    path("branch/<int:pk>/ledger/<int:year>/", ledger_views.ledger_page, name="life_ledger"),
    path("branch/<int:pk>/ledger/<int:year>.pdf", ledger_views.ledger_pdf, name="life_ledger_pdf"),
    path("branch/<int:pk>/ledger/<int:year>.xlsx", ledger_views.ledger_xlsx, name="life_ledger_xlsx"),
    path("activity/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activity/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activity/<int:pk>/return/", views.activity_return, name="activity_return"),
    path("activity/<int:pk>/return/withdraw/", views.activity_return_withdraw, name="activity_return_withdraw"),
    path("photo/<int:pk>/<str:variant>/", views.photo_file, name="photo_file"),
    path("attachment/<int:pk>/", views.attachment_file, name="attachment_file"),
    path("flag/<int:pk>/explain/", views.flag_explain, name="flag_explain"),
]
