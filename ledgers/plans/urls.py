"""Branch plans and personal study plans."""

from django.urls import path

from ledgers.plans import note_views, views

urlpatterns = [
    path("branch/<int:pk>/plans/", views.plans_page, name="plans_page"),
    path("branch/<int:pk>/plans/<int:year>/<str:kind>/", views.plan_edit, name="plan_edit"),
    path("plan/<int:pk>/file/", views.plan_file, name="plan_file"),
    path("branch/<int:pk>/study-plans/", views.study_plans_page, name="study_plans"),
    path("study-plan/<int:pk>/file/", views.study_plan_file, name="study_plan_file"),
    path("member/<int:pk>/study-notes/", note_views.study_notes_page, name="study_notes"),
]
