"""党务公开."""

from django.urls import path

from ledgers.disclosure import views

urlpatterns = [
    path("branch/<int:pk>/notices/", views.notice_list, name="notice_list"),
    path("branch/<int:pk>/notices/new/", views.notice_new, name="notice_new"),
    path("notice/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notice/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notice/<int:pk>/delete/", views.notice_delete, name="notice_delete"),
]
