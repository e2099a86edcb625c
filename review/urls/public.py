from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("gongshi/", not_yet, name="public_notices"),
    path("gongshi/<int:pk>/", not_yet, name="public_notice_detail"),
]
