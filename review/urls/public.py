from django.urls import path

from review import public_status, public_views

urlpatterns = [
    path("gongshi/", public_views.public_notices, name="public_notices"),
    path("gongshi/<int:pk>/", public_views.public_notice_detail, name="public_notice_detail"),
    path("gongshi/objection/status/", public_status.public_objection_status, name="public_objection_status"),
]
