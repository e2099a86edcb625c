from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("todo/appraisal_page/<int:pk>/", not_yet, name="appraisal_page"),
    path("todo/plans_page/<int:pk>/", not_yet, name="plans_page"),
    path("todo/service_page/<int:pk>/", not_yet, name="service_page"),
]
