from django.urls import path

from review import register_views as views

urlpatterns = [
    path("review/register/", views.qualified_register, name="qualified_register"),
    path("review/register/check/", views.honour_check, name="honour_check"),
]
