"""党建工作经费."""

from django.urls import path

from ledgers.funding import views

urlpatterns = [
    path("branch/<int:pk>/funding/", views.funding_page, name="funding_page"),
    path("branch/<int:pk>/funding/<int:year>/edit/", views.funding_year_edit, name="funding_year_edit"),
    path("branch/<int:pk>/funding/<int:year>/entries/new/", views.funding_entry_new, name="funding_entry_new"),
    path("funding-entry/<int:pk>/edit/", views.funding_entry_edit, name="funding_entry_edit"),
    path("funding-entry/<int:pk>/delete/", views.funding_entry_delete, name="funding_entry_delete"),
    path("funding-entry/<int:pk>/receipt/", views.funding_receipt, name="funding_receipt"),
]
