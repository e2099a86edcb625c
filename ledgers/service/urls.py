"""联系服务群众 system, year-end review and 问题上报."""

from django.urls import path

from ledgers.service import views

urlpatterns = [
    path("branch/<int:pk>/service/", views.service_page, name="service_page"),
    path("branch/<int:pk>/service/<int:year>/system/", views.service_system_edit, name="service_system_edit"),
    path("branch/<int:pk>/service/<int:year>/review/", views.service_review, name="service_review"),
    path("branch/<int:pk>/escalations/new/", views.escalation_new, name="escalation_new"),
    path("escalations/", views.escalation_inbox, name="escalation_inbox"),
    path("escalation/<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("escalation/<int:pk>/reply/", views.escalation_reply, name="escalation_reply"),
]
