"""List pages of the review and the assessment admin: fixed query counts, roles, 404s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from review.models import Objection, ObjectionStatus, Publication, PublicationEntry
from tests.review.test_workflow import make_period, open_all
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db


def _objections(period, n):
    from assessment.models import Assessment

    a = Assessment.objects.filter(period=period).first()
    pub = Publication.objects.create(period=period, title="公示", starts_on=period.window_end,
                                     ends_on=period.window_end)  # fmt: skip
    entry = PublicationEntry.objects.create(publication=pub, assessment=a, total=90)
    Objection.objects.bulk_create(
        Objection(entry=entry, contact="138", text="异议内容说明足够长", status=ObjectionStatus.PENDING)
        for _ in range(n)
    )


def _constant(client, url, grow, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_objection_list_constant_queries(client, district_user, branch, other_branch, django_assert_max_num_queries):
    period = make_period(district_user)
    open_all(district_user, period)
    _objections(period, 2)
    client.force_login(district_user)
    _constant(client, reverse("objection_list"), lambda: _objections(period, 20), django_assert_max_num_queries)


def test_notices_and_periods_constant_queries(client, district_user, branch, django_assert_max_num_queries):
    client.force_login(district_user)
    Notice.objects.create(user=district_user, title="一条通知")
    more = lambda: Notice.objects.bulk_create(Notice(user=district_user, title=f"通知{i}") for i in range(25))  # noqa: E731
    _constant(client, reverse("my_notices"), more, django_assert_max_num_queries)
    make_period(district_user)
    _constant(client, reverse("period_list"), lambda: [make_period(district_user, year=2020 + i) for i in range(4)],
              django_assert_max_num_queries)  # fmt: skip


def test_notices_are_only_ones_own(client, district_user, secretary):
    Notice.objects.create(user=district_user, title="区委组织部的通知")
    client.force_login(secretary)
    assert "区委组织部的通知" not in client.get(reverse("my_notices")).content.decode()
    assert client.get(reverse("objection_list")).status_code == 404
    assert client.get(reverse("period_list")).status_code == 404
