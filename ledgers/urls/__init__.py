"""URL modules per subject, so each area can be worked on without touching the others."""

from django.urls import include, path

urlpatterns = [
    path("", include("ledgers.urls.activities")),
    path("", include("ledgers.urls.dues")),
    path("", include("ledgers.urls.development")),
    path("", include("ledgers.urls.members_support")),
    path("", include("ledgers.urls.branch_support")),
    path("", include("ledgers.urls.records")),
    path("", include("ledgers.urls.ledgers2")),
]
