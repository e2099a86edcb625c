"""A score page posted without the version it was opened at is refused like a stale edit
(issue 11, point 3): before, a POST without ``version`` overwrote whatever was saved since."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import Assessment, ItemScore
from assessment.models import AssessmentStatus as S
from assessment.services import self_scores_save
from review import services
from tests.factories import without_vetoes
from tests.review.test_workflow import full_rows, make_period, open_all, to_declared, to_submitted

pytestmark = pytest.mark.django_db
STALE = "已被他人修改"


@pytest.fixture
def world(district_user, branch):
    period = make_period(district_user)
    without_vetoes(branch, period.year)  # vetoes are judged again at each decision
    open_all(district_user, period)
    a = Assessment.objects.get(period=period, branch=branch)
    return {"a": a}


def _post(client, user, url, prefix, a, value, **extra):
    client.force_login(user)
    data = {f"{prefix}_score_{s.item_id}": value for s in ItemScore.objects.filter(assessment=a)}
    data.update(extra)
    return client.post(url, data)


def test_self_scores_without_version(client, world, secretary):
    a = world["a"]
    a = self_scores_save(actor=secretary, assessment=a, version=a.version, rows=full_rows(a))
    url = reverse("assessment_self", args=[a.pk])
    for extra in ({}, {"version": ""}, {"version": "abc"}):
        r = _post(client, secretary, url, "self", a, "0", **extra)
        assert r.status_code == 200 and STALE in r.content.decode(), extra
    a.refresh_from_db()
    assert a.self_total == Decimal("100") and not ItemScore.objects.filter(assessment=a, self_score=0).exists()
    r = _post(client, secretary, url, "self", a, "0", version=a.version)  # the page's own version still saves
    assert r.status_code == 302 and not ItemScore.objects.filter(assessment=a).exclude(self_score=0).exists()


def test_committee_scores_without_version(client, world, secretary, reviewer):
    a = to_submitted(world["a"], secretary)
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=full_rows(a))
    r = _post(client, reviewer, reverse("committee_score", args=[a.pk]), "committee", a, "0")
    assert r.status_code == 200 and STALE in r.content.decode()
    a.refresh_from_db()
    assert a.committee_total == Decimal("100") and a.status == S.COMMITTEE_REVIEWED


def test_district_scores_without_version(client, world, secretary, reviewer, district_user, committee):
    a = to_declared(world["a"], secretary, reviewer, committee)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    r = _post(client, district_user, reverse("district_score", args=[a.pk]), "district", a, "0")
    assert r.status_code == 200 and STALE in r.content.decode()
    a.refresh_from_db()
    assert a.district_total == Decimal("100")
