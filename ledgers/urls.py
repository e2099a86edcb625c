"""One URL module per subject, each beside its views."""

from django.urls import include, path

SUBJECTS = ["activities", "dues", "development", "appraisal", "plans", "service", "funding", "venue", "disclosure",
            "member_records", "books", "life"]  # fmt: skip

urlpatterns = [path("", include(f"ledgers.{s}.urls")) for s in SUBJECTS]
