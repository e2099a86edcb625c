"""流动党员 (one record, two branches: 流入地主管、流出地协管) — who sees and changes what,
counting once, 流入/流出 apart, the transfer closing a flow, B recording A's member at its
meetings, and the rubric rule reading the records."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import flow_services as flows
from branches import selectors, services
from branches.models import MemberFlow, Role
from ledgers.activities import services as ledger_services
from ledgers.member_records.selectors import yearly_statistics
from ledgers.models import ActivityType, Attendance
from tests.factories import MemberFactory, MemberFlowFactory, UserFactory, grant, make_branch, touch
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def inflow_branch(committee):
    """B: a second branch under the same committee, where A's member works now."""
    return make_branch(committee, name="南街社区党支部")


@pytest.fixture
def inflow_secretary(inflow_branch):
    return grant(UserFactory(username="inflow_secretary"), inflow_branch, Role.SECRETARY)


def start(actor, member, **kw):
    kw.setdefault("direction", "out")
    kw.setdefault("started_on", TODAY - datetime.timedelta(days=30))
    return flows.member_flow_start(actor=actor, member=member, **kw)


# ---------------------------------------------------------------- services


def test_one_record_links_both_branches_and_each_sees_its_side(
    client, secretary, inflow_secretary, branch, inflow_branch
):
    m = MemberFactory(branch=branch, name="钱流动")
    f = start(secretary, m, in_branch=inflow_branch, note="在南街务工")
    assert (f.out_side, f.in_side) == (branch.name, inflow_branch.name)
    assert f.history.count() == 1 and f.history.first().history_user == secretary

    out_rows, in_rows = selectors.branch_flows(branch)
    assert out_rows == [f] and in_rows == []
    out_rows, in_rows = selectors.branch_flows(inflow_branch)
    assert out_rows == [] and in_rows == [f]

    client.force_login(secretary)
    page = client.get(reverse("branch_detail", args=[branch.pk])).content.decode()
    assert "钱流动" in page and "协管" in page and '<span class="badge info">流出</span>' in page
    client.force_login(inflow_secretary)
    page = client.get(reverse("branch_detail", args=[inflow_branch.pk])).content.decode()
    assert "钱流动" in page and "主管" in page and '<span class="badge info">流入</span>' in page


def test_start_refuses_what_does_not_make_sense(secretary, branch, inflow_branch, other_branch):
    m = MemberFactory(branch=branch)
    with pytest.raises(DomainError, match="区外流入地党组织"):
        start(secretary, m)  # no other side
    with pytest.raises(DomainError, match="不能是本支部"):
        start(secretary, m, in_branch=branch)
    with pytest.raises(DomainError, match="组织关系所在"):
        start(secretary, m, direction="in")
    with pytest.raises(DomainError, match="晚于今天"):
        start(secretary, m, counterpart="中共某党支部", started_on=TODAY + datetime.timedelta(days=1))
    start(secretary, m, counterpart="中共上海市某党支部")
    with pytest.raises(DomainError, match="未结束的流动登记"):
        start(secretary, m, in_branch=inflow_branch)
    foreign = MemberFactory(branch=other_branch)
    with pytest.raises(DomainError, match="没有权限"):
        start(secretary, foreign, counterpart="中共某党支部")


def test_either_district_branch_ends_the_flow_a_third_may_not(
    secretary, inflow_secretary, other_secretary, branch, inflow_branch
):
    f = start(secretary, MemberFactory(branch=branch), in_branch=inflow_branch)
    with pytest.raises(DomainError, match="没有权限"):
        flows.member_flow_end(actor=other_secretary, flow=f, ended_on=TODAY)
    with pytest.raises(DomainError, match="早于开始日期"):
        flows.member_flow_end(actor=inflow_secretary, flow=f, ended_on=f.started_on - datetime.timedelta(days=1))
    flows.member_flow_end(actor=inflow_secretary, flow=f, ended_on=TODAY, note="已返回")
    f.refresh_from_db()
    assert f.ended_on == TODAY and "已返回" in f.note
    assert selectors.branch_flows(inflow_branch) == ([], [])
    with pytest.raises(DomainError, match="已经结束"):
        flows.member_flow_end(actor=secretary, flow=f, ended_on=TODAY)


def test_a_transfer_closes_the_flow_it_settles(secretary, branch, inflow_branch, other_branch):
    to_b = MemberFactory(branch=branch)
    start(secretary, to_b, in_branch=inflow_branch)
    services.member_transfer(
        actor=secretary, member=to_b, direction="internal", occurred_on=TODAY, to_branch=inflow_branch
    )
    assert not MemberFlow.objects.open().filter(member=to_b).exists()  # the relation followed the member
    elsewhere = MemberFactory(branch=branch)
    start(secretary, elsewhere, in_branch=inflow_branch)
    services.member_transfer(actor=secretary, member=elsewhere, direction="internal", occurred_on=TODAY,
                             to_branch=other_branch)  # fmt: skip
    assert MemberFlow.objects.open().filter(member=elsewhere).exists()  # still working in B
    away = MemberFactory(branch=branch)
    start(secretary, away, counterpart="中共上海市某党支部")
    services.member_transfer(actor=secretary, member=away, direction="out", occurred_on=TODAY, counterpart="上海")
    assert not MemberFlow.objects.open().filter(member=away).exists()


# ---------------------------------------------------------------- counting


def test_counted_once_where_the_relation_is_and_flows_shown_apart(
    client, secretary, inflow_secretary, district, committee, branch, inflow_branch
):
    MemberFactory.create_batch(2, branch=branch)
    MemberFactory(branch=inflow_branch)
    start(secretary, MemberFactory(branch=branch), in_branch=inflow_branch)  # A → B inside the district
    start(secretary, MemberFactory(branch=branch), counterpart="中共上海市某党支部")  # A → outside
    start(inflow_secretary, MemberFactory(branch=inflow_branch), direction="in",
          counterpart="中共安徽省某村党支部")  # relation outside, kept in B  # fmt: skip

    a, b = selectors.branch_page(branch)["counts"], selectors.branch_page(inflow_branch)["counts"]
    assert (a["total"], a["flow_out"], a["flow_in"], a["from_outside"]) == (4, 2, 0, 0)
    assert (b["total"], b["flow_out"], b["flow_in"], b["from_outside"]) == (1, 0, 2, 1)

    stats = yearly_statistics(district, TODAY.year)
    rows = {label: n for _, label, n in stats.rows}
    assert stats.total == 5  # 4 in A, 1 in B; the one from outside is not the district's
    assert rows["流动党员（流出至区内其他支部）"] == 1 and rows["流动党员（流出至区外）"] == 1
    assert rows["从区内其他组织流入（在原支部统计）"] == 0  # both branches are inside the district
    assert rows["从区外流入（组织关系在区外）"] == 1
    b_stats = {label: n for _, label, n in yearly_statistics(inflow_branch, TODAY.year).rows}
    assert b_stats["从区内其他组织流入（在原支部统计）"] == 1
    assert yearly_statistics(inflow_branch, TODAY.year).total == 1

    district_user = grant(UserFactory(username="d"), district, Role.DISTRICT)
    (c,) = selectors.tree_children(district_user, district)
    assert c.org == committee and c.members == 5
    client.force_login(district_user)
    page = client.get(reverse("statistics", args=[district.pk])).content.decode()
    assert "流入（不计入党员总数）" in page and "从区外流入（组织关系在区外）" in page


def test_branch_page_flows_cost_the_same_for_2_and_n(client, secretary, branch, inflow_branch):
    def add(n):
        for _ in range(n):
            MemberFlowFactory(member=MemberFactory(branch=branch), in_branch=inflow_branch)
            MemberFlowFactory(member=MemberFactory(branch=inflow_branch), direction="out", in_branch=branch)

    client.force_login(secretary)
    url = reverse("branch_detail", args=[branch.pk])
    add(1)
    client.get(url)  # warm-up: the menu's cached counts
    touch(branch)  # the page itself rendered afresh, as after add(6)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(6)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("流动结束") == 14
    assert len(many) == len(few)


# ---------------------------------------------------------------- pages and scope


def test_pages_role_by_object(client, secretary, inflow_secretary, other_secretary, reviewer, branch, inflow_branch):
    m = MemberFactory(branch=branch, name="钱流动")
    new_url = reverse("member_flow_start", args=[m.pk])
    data = {"direction": "out", "started_on": str(TODAY), "in_branch": "", "counterpart": "", "note": "外出"}
    client.force_login(secretary)
    r = client.post(new_url, data)
    assert r.status_code == 200 and "区外流入地党组织" in r.content.decode() and "外出" in r.content.decode()
    data.update(in_branch=inflow_branch.pk, form_token="4f1d8b3a6c2e4f0a9b7d5c3e1a2b4c6d")
    assert client.post(new_url, data).status_code == 302
    assert client.post(new_url, data).status_code == 302  # the double tap saves once
    f = MemberFlow.objects.get(member=m)

    for user in (inflow_secretary, other_secretary, reviewer):  # only the member's own branch registers
        client.force_login(user)
        assert client.get(new_url).status_code == 404
    client.force_login(inflow_secretary)  # 流入地主管: sees the member it manages, does not edit the roster
    assert client.get(reverse("member_detail", args=[m.pk])).status_code == 200
    assert client.get(reverse("member_edit", args=[m.pk])).status_code == 404
    assert client.get(reverse("flow_end", args=[f.pk])).status_code == 200
    assert reverse("flow_end", args=[f.pk]) in client.get(reverse("member_detail", args=[m.pk])).content.decode()
    client.force_login(other_secretary)  # a third branch: nothing, not even that it exists
    for url in (reverse("member_detail", args=[m.pk]), reverse("flow_end", args=[f.pk]),
                reverse("flow_end", args=[f.pk + 999])):  # fmt: skip
        assert client.get(url).status_code == 404
    client.force_login(reviewer)  # the committee sees both sides but does not end flows
    page = client.get(reverse("member_detail", args=[m.pk])).content.decode()
    assert "南街社区党支部" in page and reverse("flow_end", args=[f.pk]) not in page
    assert client.get(reverse("flow_end", args=[f.pk])).status_code == 404

    client.force_login(inflow_secretary)
    assert "data-confirm" in client.get(reverse("flow_end", args=[f.pk])).content.decode()
    r = client.post(reverse("flow_end", args=[f.pk]), {"ended_on": str(TODAY), "note": "返回"})
    assert r.status_code == 302 and r.url == reverse("branch_detail", args=[inflow_branch.pk])  # B's own page
    f.refresh_from_db()
    assert f.ended_on == TODAY
    assert client.get(reverse("member_detail", args=[m.pk])).status_code == 404  # no longer managed in B


def test_member_page_and_roster_show_the_flow(client, secretary, branch):
    m = MemberFactory(branch=branch, name="钱流动")
    MemberFlowFactory(member=m, counterpart="中共上海市某流动党员党支部", note="在上海务工")
    client.force_login(secretary)
    page = client.get(reverse("member_detail", args=[m.pk])).content.decode()
    assert "中共上海市某流动党员党支部" in page and "在上海务工" in page and "登记流动" not in page
    assert '<span class="badge info">流出</span>' in page
    listing = client.get(reverse("member_list") + f"?branch={branch.pk}&flag=flowing").content.decode()
    assert "钱流动" in listing


# ---------------------------------------------------------------- B records A's member at its meetings


def test_the_inflow_branch_records_the_member_at_its_meetings(secretary, inflow_secretary, branch, inflow_branch):
    own = MemberFactory(branch=inflow_branch)
    guest = MemberFactory(branch=branch, name="钱流动")
    start(secretary, guest, in_branch=inflow_branch, started_on=TODAY - datetime.timedelta(days=60))
    day = TODAY - datetime.timedelta(days=10)
    expected = dict(ledger_services.expected_attendees(branch=inflow_branch, type=ActivityType.CONGRESS, held_on=day))
    assert expected == {own: True, guest: False}  # 主管 here, in the quorum of A
    assert guest in dict(ledger_services.expected_attendees(branch=branch, type=ActivityType.CONGRESS, held_on=day))
    before = TODAY - datetime.timedelta(days=90)  # not yet flowing in
    assert guest not in dict(
        ledger_services.expected_attendees(branch=inflow_branch, type=ActivityType.CONGRESS, held_on=before)
    )
    from tests.ledgers.test_activities import base_data

    a = ledger_services.activity_create(
        actor=inflow_secretary, branch=inflow_branch, data=base_data(type=ActivityType.CONGRESS, held_on=day),
        attendance={guest.pk: ("present", "")}, photos=[], attachments=[],
    )  # fmt: skip
    row = Attendance.objects.get(activity=a, member=guest)
    assert row.status == "present" and not row.counts_for_quorum
    assert a.quorum_base == 1


# ---------------------------------------------------------------- the rubric rule


def test_member_management_reads_the_flow_records(branch, inflow_branch, secretary):
    from tests.assessment.test_rules import one

    MemberFactory.create_batch(2, branch=branch)
    MemberFactory(branch=inflow_branch)
    start(secretary, MemberFactory(branch=branch), in_branch=inflow_branch)  # registered: the district branch
    got = one("member_management", branch)
    assert "流动1名（未登记流入/流出地党组织0名）" in got.reason
    assert "流动0名" in one("member_management", inflow_branch).reason  # counted in A, not in B
    MemberFlowFactory(member=MemberFactory(branch=branch), counterpart="")  # migrated: other side unknown
    got = one("member_management", branch)
    assert "流动2名（未登记流入/流出地党组织1名）" in got.reason



def test_admin_lists_flows_and_life_meetings(client, branch, district):
    MemberFlowFactory(member=MemberFactory(branch=branch))
    client.force_login(grant(UserFactory(is_staff=True, is_superuser=True), district, Role.DISTRICT))
    for name in ("admin:branches_memberflow_changelist", "admin:branches_lifemeeting_changelist"):
        assert client.get(reverse(name)).status_code == 200
