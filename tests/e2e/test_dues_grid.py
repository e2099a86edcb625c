"""A secretary ticks last month's dues for the whole branch on a phone, and the one member
who did not pay shows up in the arrears list."""

import datetime
import re
import time

import pytest
from django.urls import reverse

from branches.models import Role
from ledgers import dues
from ledgers.models import DuesGroup, DuesPayment
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee
from tests.ledgers.test_dues import install_rate_table

pytestmark = pytest.mark.e2e

NAMES = ["张建国", "王秀英", "李卫东", "刘桂兰", "陈志强", "杨丽华", "赵永明", "黄春梅"]
UNPAID = "赵永明"


def _setup():
    install_rate_table()  # a data migration's rows; earlier browser tests truncate them
    committee = make_committee("湖塘镇党委")
    branch = make_branch(committee, name="东街村党支部", founded_on=datetime.date(1998, 7, 1))
    last_month = dues.add_months(dues.month_start(dues.today()), -1)
    # on the platform since last month: their 党费起算月
    people = [MemberFactory(branch=branch, name=n, dues_from=last_month) for n in NAMES]
    secretary = grant(UserFactory(username="secretary_dues"), branch, Role.SECRETARY)
    dues.dues_bases_save(
        actor=secretary,
        branch=branch,
        year=last_month.year,
        rows=[dues.BaseInput(m.pk, DuesGroup.EMPLOYED, declared_base_fen=450000) for m in people],
    )
    return branch, people, last_month


def _log_in(page, branch):
    log_in(page, "secretary_dues")
    page.wait_for_url(re.compile(re.escape(reverse("branch_detail", args=[branch.pk])) + r"$"))


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_secretary_ticks_the_month_on_a_phone_and_sees_arrears(phone):
    branch, people, last_month = _setup()
    page = phone
    started = time.perf_counter()
    _log_in(page, branch)

    page.get_by_role("link", name="党费收缴").first.click()
    page.get_by_role("heading", name=re.compile("党费收缴")).wait_for()
    page.get_by_role("link", name="‹ 上月").click()
    page.get_by_role("heading", name=f"党费收缴 · {dues.month_label(last_month)}").wait_for()
    assert _no_sideways_scroll(page), "grid scrolls sideways on a phone"

    # one member per row, a big checkbox each, the expected 45.00 yuan filled in
    boxes = page.locator(".dues-check input[type=checkbox]")
    assert boxes.count() == len(NAMES)
    box = boxes.first.bounding_box()
    assert box["width"] >= 28 and box["height"] >= 28, box
    assert page.get_by_label(f"{NAMES[0]} 金额（元）").input_value() == "45.00"

    for name in NAMES:
        if name != UNPAID:
            page.get_by_role("checkbox", name=f"{name} 已交").check()
    with page.expect_navigation():
        page.get_by_role("button", name="保存本月党费").click()

    page.get_by_text("新登记 7 人").wait_for()
    for name in NAMES:
        assert page.get_by_role("checkbox", name=f"{name} 已交").is_checked() is (name != UNPAID), name
    assert DuesPayment.objects.filter(month=last_month).count() == 7
    assert not DuesPayment.objects.filter(member__name=UNPAID).exists()
    assert _no_sideways_scroll(page)

    page.get_by_role("link", name="欠交提醒").click()
    page.get_by_role("heading", name="党费欠交提醒").wait_for()
    listed = page.locator("#arrears").inner_text()
    assert UNPAID in listed, listed
    assert all(n not in listed for n in NAMES if n != UNPAID), listed
    assert "欠交 1 个月" in listed
    assert _no_sideways_scroll(page)
    print(f"\n[e2e] dues grid on a phone: {time.perf_counter() - started:.1f} s")
