"""流动党员 follow-ups (issue #17): 党费 is paid where the 组织关系 is, so a 区外流入 member at
branch B owes B nothing (no arrears, no reminder, not in the dues item's roster), while B — the
流入 side that 主管 their 组织生活 — keeps them on its 民主评议 roster; the meeting form says
who is 流入 / 区外流入 / 流出（在外）."""

import datetime

import pytest
from django.urls import reverse

from branches import flow_services as flows
from ledgers import dues
from ledgers.models import ActivityType
from tests.assessment import test_rules as rules
from tests.factories import MemberFactory, MemberFlowFactory, make_branch

pytestmark = pytest.mark.django_db
TODAY = dues.today()
THIS_MONTH = dues.month_start(TODAY)
LAST_MONTH = dues.add_months(THIS_MONTH, -1)
OUTSIDE = "中共上海市某区某村党支部"


def from_outside(branch, **kw):
    """A member kept on ``branch`` whose relation is outside the district (an open 区外流入 flow)."""
    m = MemberFactory(branch=branch, **kw)
    MemberFlowFactory(member=m, direction="in", counterpart=OUTSIDE, started_on=datetime.date(2024, 3, 1))
    return m


def test_dues_of_a_member_from_outside_are_not_expected_here(branch):
    year_ago = dues.add_months(THIS_MONTH, -12)
    own = MemberFactory(branch=branch, dues_from=year_ago)
    guest = from_outside(branch, dues_from=year_ago)
    arrears = dues.dues_arrears_for(branch, TODAY)
    flagged = {r.member for r in arrears.flagged}
    assert own in flagged and guest not in flagged  # nothing paid by either: only the own member is in arrears
    assert guest not in {r.member for r in arrears.rows}
    row = next(r for r in dues.dues_month_grid(branch, LAST_MONTH)["rows"] if r.member == guest)
    assert not row.expected and "党费在组织关系所在党组织交纳" in row.note


def test_the_dues_item_leaves_members_from_outside_out(branch):
    people = rules.members(branch, 10)
    rules._bases(people)
    rules._pay(people)
    (guest,) = rules.members(branch, 1)
    MemberFlowFactory(member=guest, direction="in", counterpart=OUTSIDE, started_on=datetime.date(2024, 3, 1))
    got = rules.one("dues", branch)
    assert got.score == rules.D("3"), got.reason  # no base, no payment at B for the guest, and no penalty
    assert "已核定10/10名" in got.reason


def test_the_appraisal_roster_keeps_members_from_outside(branch):
    """流入地主管: B organizes their 组织生活, 民主评议 included (the result goes to the branch of
    the relation), so B's roster for the item counts them: 9 of 10 graded, not 9 of 9."""
    people = rules.members(branch, 9)
    (guest,) = rules.members(branch, 1)
    MemberFlowFactory(member=guest, direction="in", counterpart=OUTSIDE, started_on=datetime.date(2024, 3, 1))
    rules._appraisal(branch, people)
    got = rules.one("appraisal", branch)
    assert "当时在册党员10名中9名" in got.reason and got.score == rules.D("3")


def test_the_meeting_form_says_who_flows_in_and_out(client, committee, branch, secretary):
    other = make_branch(committee, name="北街社区党支部")
    away = MemberFactory(branch=branch, name="孙在外")
    flows.member_flow_start(actor=secretary, member=away, direction="out", in_branch=other,
                            started_on=TODAY - datetime.timedelta(days=30))  # fmt: skip
    guest = MemberFactory(branch=other, name="李流入")
    MemberFlowFactory(member=guest, in_branch=branch, counterpart="", started_on=TODAY - datetime.timedelta(days=30))
    from_outside(branch, name="周区外")
    client.force_login(secretary)
    page = client.get(reverse("activity_new", args=[branch.pk]), {"type": ActivityType.CONGRESS}).content.decode()
    where = "组织关系在北街社区党支部，在原支部计入法定人数"
    assert "李流入" in page and f'<span class="badge info" title="{where}">流入</span>' in page
    assert "不计入法定人数" in page
    assert "周区外" in page and f"区外流入</span> <span class=\"muted\">组织关系在{OUTSIDE}</span>" in page
    assert "孙在外" in page and "流出（在外）</span> <span class=\"muted\">流入北街社区党支部</span>" in page


def test_the_member_ledger_shows_no_dues_owed_by_a_member_from_outside(branch, secretary):
    from ledgers.books import members as ledger_members

    year = TODAY.year
    guest = from_outside(branch, dues_from=datetime.date(year, 1, 1), joined_on=datetime.date(2000, 1, 1))
    ledger = ledger_members.member_ledger(branch, year, user=secretary)
    row = next(r for r in ledger.dues.rows if r.member.pk == guest.pk)
    assert row.note == dues.DUES_ELSEWHERE_NOTE
    assert {c.state for c in row.cells} == {"exempt"}
