"""合格支部名录 and the 评先评优 check: who sees what, the confirmation date, a person by name."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment
from assessment.models import AssessmentStatus as S
from branches.models import Position
from review.models import ReviewEvent
from tests.factories import MemberFactory, make_branch, make_term
from tests.review.test_dashboards import make_period

pytestmark = pytest.mark.django_db


def confirmed(period, branch, total="91.5", on=datetime.datetime(2018, 3, 20, 10, 0)):
    a = Assessment.objects.create(period=period, branch=branch, status=S.CONFIRMED, self_total=Decimal("95"),
                                  district_total=Decimal(total))  # fmt: skip
    ReviewEvent.objects.create(assessment=a, code="review.district.confirmed", stage="confirmation",
                               from_status=S.PUBLISHED, to_status=S.CONFIRMED,
                               at=timezone.make_aware(on))  # fmt: skip
    return a


@pytest.fixture
def world(committee, other_committee, branch, other_branch):
    period = make_period()
    confirmed(period, branch)
    confirmed(period, other_branch, total="88")
    failing = make_branch(committee, name="北街村党支部")
    Assessment.objects.create(period=period, branch=failing, status=S.NOT_PASSED, district_total=Decimal("80"))
    return period


def test_register_lists_confirmed_branches_with_date_and_score(client, world, district_user):
    client.force_login(district_user)
    body = client.get(reverse("qualified_register")).content.decode()
    assert "东街村党支部" in body and "西庄村党支部" in body
    assert "北街村党支部" not in body  # not passed: not on the register
    assert "2018-03-20" in body and "91.5" in body
    body = client.get(reverse("qualified_register"), {"q": "西庄"}).content.decode()
    assert "西庄村党支部" in body and "东街村党支部" not in body


def test_reviewer_sees_their_committee_only_and_secretaries_nothing(client, world, reviewer, secretary):
    client.force_login(reviewer)
    body = client.get(reverse("qualified_register")).content.decode()
    assert "东街村党支部" in body and "西庄村党支部" not in body
    body = client.get(reverse("honour_check"), {"q": "西庄"}).content.decode()
    assert "西庄村党支部" not in body and "没有找到" in body
    client.force_login(secretary)
    assert client.get(reverse("qualified_register")).status_code == 404
    assert client.get(reverse("honour_check"), {"q": "东街"}).status_code == 404
    client.logout()
    assert client.get(reverse("qualified_register")).status_code == 302


def test_honour_check_by_branch_and_by_secretary_name(client, world, district_user, branch, committee):
    secretary = MemberFactory(branch=branch, name="王建国")
    make_term(branch, seats=[(Position.SECRETARY, secretary)])
    MemberFactory(branch=make_branch(committee, name="北庄村党支部"), name="王建国")
    client.force_login(district_user)
    body = client.get(reverse("honour_check"), {"q": "王建国"}).content.decode()
    assert "东街村党支部现任书记" in body
    assert "北庄村党支部党员" in body
    assert body.count("badge ok") == 1 and "2018年3月20日确认" in body
    assert "北庄村党支部尚未被确认为规范化建设合格支部" in body
    body = client.get(reverse("honour_check"), {"q": "北街"}).content.decode()
    assert "北街村党支部尚未被确认" in body  # not passed


def test_register_queries_do_not_grow_with_rows(client, world, district_user, committee):
    client.force_login(district_user)
    url = reverse("qualified_register")
    client.get(url)  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(12):
        confirmed(world, make_branch(committee, name=f"新桥第{i}党支部"))
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert "新桥第11党支部" in body
    assert len(many) == len(few)
