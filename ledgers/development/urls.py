from django.urls import path

from ledgers.development import views

urlpatterns = [
    path("branch/<int:pk>/development/", views.dev_list, name="dev_list"),
    path("branch/<int:pk>/development/new/", views.dev_applicant_new, name="dev_applicant_new"),
    path("branch/<int:pk>/development/plan/", views.dev_plan, name="dev_plan"),
    path("development/plan/<int:pk>/approve/", views.dev_plan_approve, name="dev_plan_approve"),
    path("development/applicant/<int:pk>/", views.dev_applicant, name="dev_applicant"),
    path("development/applicant/<int:pk>/edit/", views.dev_applicant_edit, name="dev_applicant_edit"),
    path("development/applicant/<int:pk>/step/<int:code>/", views.dev_step, name="dev_step"),
    path("development/applicant/<int:pk>/step/<int:code>/correct/", views.dev_step_correct, name="dev_step_correct"),
    path("development/applicant/<int:pk>/step/<int:code>/withdraw/", views.dev_step_withdraw, name="dev_step_withdraw"),
    path("development/applicant/<int:pk>/examination/new/", views.dev_examination_new, name="dev_examination_new"),
    path("development/examination/<int:pk>/withdraw/", views.dev_examination_withdraw, name="dev_examination_withdraw"),
    path("development/applicant/<int:pk>/stop/", views.dev_stop, name="dev_stop"),
    path("development/material/<int:pk>/", views.dev_material, name="dev_material"),
]
