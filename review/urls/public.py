from django.urls import path

from review import public_status, public_views, showcase_views

urlpatterns = [
    path("gongshi/", public_views.public_notices, name="public_notices"),
    path("gongshi/<int:pk>/", public_views.public_notice_detail, name="public_notice_detail"),
    path("gongshi/objection/status/", public_status.public_objection_status, name="public_objection_status"),
    path("gongshi/showcase/", showcase_views.showcase_list, name="showcase_list"),
    path("gongshi/showcase/brand/<int:pk>/", showcase_views.showcase_brand, name="showcase_brand"),
    path("gongshi/showcase/model/<int:pk>/", showcase_views.showcase_model_branch, name="showcase_model_branch"),
    path("gongshi/showcase/photo/<int:pk>/", showcase_views.showcase_photo, name="showcase_photo"),
]
