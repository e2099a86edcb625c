"""民主评议党员, plans and personal study plans, 联系服务群众 (pk is the branch unless named otherwise)."""

from django.urls import path

from ledgers import members_support_views as v

urlpatterns = [
    path("branch/<int:pk>/appraisal/", v.appraisal_page, name="appraisal_page"),
    path("branch/<int:pk>/appraisal/<int:year>/edit/", v.appraisal_edit, name="appraisal_edit"),
    path("appraisal/<int:pk>/publish/", v.appraisal_publish, name="appraisal_publish"),
    path("branch/<int:pk>/plans/", v.plans_page, name="plans_page"),
    path("branch/<int:pk>/plans/<int:year>/<str:kind>/", v.plan_edit, name="plan_edit"),
    path("plan/<int:pk>/file/", v.plan_file, name="plan_file"),
    path("branch/<int:pk>/study-plans/", v.study_plans_page, name="study_plans"),
    path("study-plan/<int:pk>/file/", v.study_plan_file, name="study_plan_file"),
    path("branch/<int:pk>/service/", v.service_page, name="service_page"),
    path("branch/<int:pk>/service/<int:year>/system/", v.service_system_edit, name="service_system_edit"),
    path("branch/<int:pk>/service/<int:year>/review/", v.service_review, name="service_review"),
    path("branch/<int:pk>/escalations/new/", v.escalation_new, name="escalation_new"),
    path("escalations/", v.escalation_inbox, name="escalation_inbox"),
    path("escalation/<int:pk>/", v.escalation_detail, name="escalation_detail"),
    path("escalation/<int:pk>/reply/", v.escalation_reply, name="escalation_reply"),
]
