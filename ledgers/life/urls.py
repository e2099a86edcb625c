"""组织生活会 filing (pk is the record unless named otherwise) and the upper 班子会 (pk: the 党委/党总支)."""

from django.urls import path

from ledgers.life import meeting_views, views

urlpatterns = [
    path("activity/<int:pk>/filing/", views.minutes_filing, name="minutes_filing"),
    path("activity/<int:pk>/filing/accept/", views.minutes_filing_accept, name="minutes_filing_accept"),
    path("activity/<int:pk>/filing/return/", views.minutes_filing_return, name="minutes_filing_return"),
    path("review/minutes-filings/", views.minutes_filing_inbox, name="minutes_filing_inbox"),
    path("org/<int:pk>/team-meetings/", views.team_meetings, name="team_meetings"),
    # 民主生活会 (branches.LifeMeeting) with its photos: served here, where photos live
    path("cadres/life-meetings/<int:pk>/", meeting_views.life_meeting_detail, name="life_meeting_detail"),
]
