"""民主评议党员 (pk is the branch unless named otherwise)."""

from django.urls import path

from ledgers.appraisal import views

urlpatterns = [
    path("branch/<int:pk>/appraisal/", views.appraisal_page, name="appraisal_page"),
    path("branch/<int:pk>/appraisal/<int:year>/edit/", views.appraisal_edit, name="appraisal_edit"),
    path("appraisal/<int:pk>/publish/", views.appraisal_publish, name="appraisal_publish"),
]
