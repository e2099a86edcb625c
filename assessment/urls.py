from django.urls import path

from assessment import views

urlpatterns = [
    path("assessment/rubric/", views.rubric_list, name="rubric_list"),
    path("assessment/rubric/<int:pk>/", views.rubric_detail, name="rubric_detail"),
    path("assessment/rubric/item/<int:pk>/edit/", views.rubric_item_edit, name="rubric_item_edit"),
    path("assessment/rules/", views.rules_table, name="rules_table"),
    path("assessment/periods/", views.period_list, name="period_list"),
    path("assessment/periods/<int:pk>/", views.period_detail, name="period_detail"),
    path("assessment/periods/<int:pk>/milestones/", views.period_milestones, name="period_milestones"),
    path("assessment/periods/<int:pk>/open/", views.period_open, name="period_open"),
    path("assessment/periods/<int:pk>/suggest/", views.period_suggest, name="period_suggest"),
    path("assessment/jobs/<int:pk>/", views.job_status, name="job_status"),
    path("assessment/jobs/<int:pk>/resume/", views.job_resume, name="job_resume"),
    path("branch/<int:pk>/assessment/", views.branch_assessment, name="branch_assessment"),
    path("assessment/<int:pk>/refresh/", views.assessment_refresh, name="assessment_refresh"),
    path("assessment/<int:pk>/veto/", views.veto_enter, name="veto_enter"),
    path("veto/<int:pk>/lift/", views.veto_lift, name="veto_lift"),
]
