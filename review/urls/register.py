from django.urls import path

from review import model_branch_views as mbv
from review import register_views as views

urlpatterns = [
    path("review/register/", views.qualified_register, name="qualified_register"),
    path("review/register/check/", views.honour_check, name="honour_check"),
    path("review/model-branches/", mbv.nomination_list, name="model_branch_list"),
    path("review/model-branches/new/", mbv.nominate, name="model_branch_nominate"),
    path("review/model-branches/<int:pk>/commend/", mbv.commend, name="model_branch_commend"),
    path("review/model-branches/<int:pk>/decline/", mbv.decline, name="model_branch_decline"),
]
