"""Every branch-facing page fits a phone (390×844): nothing scrolls sideways (issue 14)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment
from branches.models import Role
from ledgers.activities import services
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee, without_vetoes
from tests.ledgers.test_activities import base_data
from tests.review.test_workflow import make_period, open_all

pytestmark = pytest.mark.e2e

def test_branch_pages_do_not_scroll_sideways_on_a_phone(phone, district):
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部", founded_on=datetime.date(1998, 7, 1))
    for name in ("张建国", "王秀英", "李卫东"):
        MemberFactory(branch=branch, name=name)
    sec = grant(UserFactory(username="secretary_dj"), branch, Role.SECRETARY)
    du = grant(UserFactory(), district, Role.DISTRICT)
    period = make_period(du)
    without_vetoes(branch, period.year)
    open_all(du, period)
    a = Assessment.objects.get(period=period, branch=branch)
    act = services.activity_create(actor=sec, branch=branch, data=base_data(), attendance={})
    phone.goto(reverse("login"))
    phone.get_by_label("用户名").fill("secretary_dj")
    phone.get_by_label("密码").fill("pass-1234-word")
    with phone.expect_navigation():
        phone.get_by_role("button", name="登录").click()
    year = timezone.localdate().year
    urls = [reverse("branch_detail", args=[branch.pk]), reverse("activity_list", args=[branch.pk]),
            reverse("branch_calendar", args=[branch.pk]), reverse("assessment_self", args=[a.pk]),
            reverse("assessment_view", args=[a.pk]), reverse("activity_detail", args=[act.pk]),
            reverse("activity_new", args=[branch.pk]) + "?type=committee",
            reverse("life_ledger", args=[branch.pk, year]),
            reverse("dues_month", args=[branch.pk]), reverse("branch_assessment", args=[branch.pk])]
    bad = []
    for u in urls:
        response = phone.goto(u)
        assert response.ok and "/login/" not in phone.url, (u, response.status, phone.url)
        w = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if w[0] > w[1]:
            bad.append((u, w))
    assert bad == [], f"pages wider than the phone (scrollWidth, innerWidth): {bad}"


def test_duty_report_actions_are_on_screen_on_a_phone(phone, district):
    """书记述职 list on a phone: the 生成述职材料 button of every row is in view, not behind a
    sideways scroll of the table."""
    for name in ("湖塘镇党委", "武进国家高新区党工委", "南夏墅街道党工委"):
        make_committee(name)
    grant(UserFactory(username="district_dr"), district, Role.DISTRICT)
    phone.goto(reverse("login"))
    phone.get_by_label("用户名").fill("district_dr")
    phone.get_by_label("密码").fill("pass-1234-word")
    with phone.expect_navigation():
        phone.get_by_role("button", name="登录").click()
    assert phone.goto(reverse("duty_report_list")).ok
    buttons = phone.get_by_role("button", name="生成述职材料")
    assert buttons.count() == 3
    off = phone.evaluate(
        "Array.from(document.querySelectorAll('form button')).filter(b => b.getBoundingClientRect().right"
        " > window.innerWidth).map(b => b.innerText)"
    )
    assert off == []
