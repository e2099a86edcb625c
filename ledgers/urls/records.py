from django.urls import path

from ledgers import records_views as v

urlpatterns = [
    path("member/<int:pk>/records/", v.member_records, name="member_records"),
    path("branch/<int:pk>/care/", v.care_page, name="care_list"),
    path("org/<int:pk>/screenings/", v.screening_list, name="screening_list"),
    path("org/<int:pk>/statistics/", v.statistics, name="statistics"),
]
