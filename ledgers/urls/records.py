from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("todo/member_records/<int:pk>/", not_yet, name="member_records"),
    path("todo/statistics/<int:pk>/", not_yet, name="statistics"),
]
