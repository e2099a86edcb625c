"""民主评议党员 (pk is the branch unless named otherwise)."""

from django.urls import path

from ledgers.appraisal import disposal_views, views

urlpatterns = [
    path("branch/<int:pk>/appraisal/", views.appraisal_page, name="appraisal_page"),
    path("branch/<int:pk>/appraisal/<int:year>/edit/", views.appraisal_edit, name="appraisal_edit"),
    path("appraisal/<int:pk>/publish/", views.appraisal_publish, name="appraisal_publish"),
    path("appraisal/result/<int:pk>/disposal/", disposal_views.disposal_page, name="disposal_page"),
    path("appraisal/disposal/<int:pk>/close/", disposal_views.disposal_close, name="disposal_close"),
    path("review/disposals/", disposal_views.disposal_inbox, name="disposal_inbox"),
]
