"""实施方案 and stage progress. Included by the root URLconf BEFORE ledgers: ``branch/<pk>/plans/``
is the branch's annual plans for a branch (handed to ``ledgers.plans``) and the committee's
实施方案 for a 党(工)委."""

from django.urls import path

from review import stage_plan_views as views

urlpatterns = [
    path("branch/<int:pk>/plans/", views.plans_page, name="stage_plan_page"),
    path("branch/<int:pk>/stage-plan/<int:period>/submit/", views.stage_plan_submit, name="stage_plan_submit"),
    path("stage-plan/<int:pk>/accept/", views.stage_plan_accept, name="stage_plan_accept"),
    path("stage-plan/<int:pk>/return/", views.stage_plan_return, name="stage_plan_return"),
    path("stage-plan/<int:pk>/file/", views.stage_plan_file, name="stage_plan_file"),
]
