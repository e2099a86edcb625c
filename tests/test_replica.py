"""The read replica (``DATABASE_REPLICA_URL``): dashboards, the results workbook and the bulk
export's sheets read from it, access checks and every write stay on the primary.

Here ``replica`` is Django's test mirror of ``default``: the same test database through a
second connection, so the queries each connection ran can be told apart. Data must be
committed for the second connection to see it (``transaction=True``).
"""

from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment
from assessment.models import AssessmentStatus as S
from branches.models import Member
from tests.factories import make_branch
from tests.review.test_dashboards import make_period
from wujin_branch.replica import REPLICA, ReplicaRouter, use_replica

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture
def period(committee, branch):
    p = make_period()
    Assessment.objects.create(period=p, branch=branch, status=S.CONFIRMED, self_total=Decimal("95"),
                              district_total=Decimal("91"))  # fmt: skip
    Assessment.objects.create(period=p, branch=make_branch(committee, name="南街村党支部"), status=S.SUBMITTED,
                              self_total=Decimal("80"))  # fmt: skip
    return p


def _pages(client, committee, period):
    for url in (
        reverse("district_dashboard") + f"?period={period.pk}",
        reverse("committee_dashboard", args=[committee.pk]) + f"?period={period.pk}",
        reverse("results_xlsx") + f"?period={period.pk}",
    ):
        yield url, client.get(url)


def test_without_a_replica_everything_reads_the_primary(client, district_user, committee, period):
    client.force_login(district_user)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        for url, r in _pages(client, committee, period):
            assert r.status_code == 200, url
    assert len(on_replica) == 0


def test_dashboards_and_workbook_read_the_replica(client, settings, district_user, committee, period):
    settings.DATABASE_REPLICA_READS = True
    client.force_login(district_user)
    for url, _ in _pages(client, committee, period):
        with CaptureQueriesContext(connections["default"]) as on_primary:
            with CaptureQueriesContext(connections[REPLICA]) as on_replica:
                r = client.get(url)
        assert r.status_code == 200, url
        assert len(on_replica) > 0, url
        # The primary answers the session, the user and the access check, not the aggregates.
        assert not any("assessment_assessment" in q["sql"] for q in on_primary.captured_queries), url
    body = client.get(reverse("committee_dashboard", args=[committee.pk]) + f"?period={period.pk}")
    assert "南街村党支部" in body.content.decode()


def test_access_is_checked_on_the_primary(client, settings, reviewer, other_committee, period):
    """Another committee's dashboard is still a 404 with the replica on."""
    settings.DATABASE_REPLICA_READS = True
    client.force_login(reviewer)
    url = reverse("committee_dashboard", args=[other_committee.pk]) + f"?period={period.pk}"
    assert client.get(url).status_code == 404
    assert client.get(reverse("district_dashboard")).status_code == 404


def test_writes_and_reads_in_a_transaction_stay_on_the_primary(settings, branch):
    settings.DATABASE_REPLICA_READS = True
    router = ReplicaRouter()
    with use_replica():
        assert router.db_for_read(Member) == REPLICA
        assert router.db_for_write(Member) == "default"
        with transaction.atomic():
            assert router.db_for_read(Member) is None  # read your own writes
    assert router.db_for_read(Member) is None  # only where asked for
    assert router.allow_migrate(REPLICA, "branches") is False
    assert router.allow_migrate("default", "branches") is True
