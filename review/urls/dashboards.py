from django.urls import path

from review import dashboard_views as views

urlpatterns = [
    path("review/district/", views.district_dashboard, name="district_dashboard"),
    path("review/committee/<int:pk>/", views.committee_dashboard, name="committee_dashboard"),
    path("review/district/results.xlsx", views.results_xlsx, name="results_xlsx"),
]
