"""Member records, care list, screenings, statistics."""

from django.urls import path

from ledgers.member_records import views as member_records_views

urlpatterns = [
    path("member/<int:pk>/records/", member_records_views.member_records, name="member_records"),
    path("branch/<int:pk>/care/", member_records_views.care_page, name="care_list"),
    path("org/<int:pk>/screenings/", member_records_views.screening_list, name="screening_list"),
    path("org/<int:pk>/statistics/", member_records_views.statistics, name="statistics"),
]
