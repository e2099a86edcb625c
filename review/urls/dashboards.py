from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("review/district/", not_yet, name="district_dashboard"),
    path("review/committee/<int:pk>/", not_yet, name="committee_dashboard"),
    path("review/district/results.xlsx", not_yet, name="results_xlsx"),
]
