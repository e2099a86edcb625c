"""党建工作经费, 阵地 and 党务公开. ``funding_page``, ``room_page`` and ``notice_list`` take the branch pk."""

from django.urls import path

from ledgers import branch_support_views as views

urlpatterns = [
    path("branch/<int:pk>/funding/", views.funding_page, name="funding_page"),
    path("branch/<int:pk>/funding/<int:year>/edit/", views.funding_year_edit, name="funding_year_edit"),
    path("branch/<int:pk>/funding/<int:year>/entries/new/", views.funding_entry_new, name="funding_entry_new"),
    path("funding-entry/<int:pk>/edit/", views.funding_entry_edit, name="funding_entry_edit"),
    path("funding-entry/<int:pk>/delete/", views.funding_entry_delete, name="funding_entry_delete"),
    path("funding-entry/<int:pk>/receipt/", views.funding_receipt, name="funding_receipt"),
    path("branch/<int:pk>/room/", views.room_page, name="room_page"),
    path("branch/<int:pk>/room/edit/", views.room_edit, name="room_edit"),
    path("branch/<int:pk>/room/check/<slug:item>/", views.room_check_edit, name="room_check_edit"),
    path("branch/<int:pk>/notices/", views.notice_list, name="notice_list"),
    path("branch/<int:pk>/notices/new/", views.notice_new, name="notice_new"),
    path("notice/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notice/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notice/<int:pk>/delete/", views.notice_delete, name="notice_delete"),
]
