"""The secretary's home (branch page) read fast: what the shortcuts compute equals what the
general reads give, and the page's query count is fixed."""

import datetime

import pytest
from django.urls import reverse, set_script_prefix

from branches import selectors
from branches.models import MemberStatus, Position
from ledgers.activities.selectors import due_now, home_records
from ledgers.models import Activity, ActivityType
from tests.factories import MemberFactory, MemberFlowFactory, PartyGroupFactory, make_branch, make_term, touch
from wujin_branch.render import url_pattern

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_branch(branch, other_branch):
    """Members of every kind the counts tell apart, a 流入 from outside and one from a branch."""
    group = PartyGroupFactory(branch=branch, name="第一党小组")
    people = [
        MemberFactory(branch=branch, party_group=group),
        MemberFactory(branch=branch, status=MemberStatus.PROBATIONARY, full_member_on=None),
        MemberFactory(branch=branch, is_kongua=True, is_hardship=True),
        MemberFactory(branch=branch, is_lost=True, joined_on=datetime.date(1948, 5, 1)),
    ]
    outside = MemberFactory(branch=branch)
    MemberFlowFactory(member=outside, direction="in", counterpart="区外某党支部")
    MemberFlowFactory(member=people[0])  # 流出, still counted here
    inflow = MemberFactory(branch=other_branch)
    MemberFlowFactory(member=inflow, in_branch=branch)
    make_term(branch, seats=[(Position.SECRETARY, people[0])])
    return branch


def test_counts_from_roster_equal_the_aggregate(mixed_branch):
    general = selectors.branch_page(mixed_branch)["counts"]
    from_roster = selectors.branch_page(mixed_branch, roster=selectors.roster_page(mixed_branch))["counts"]
    assert from_roster == general
    assert general["total"] == 4 and general["from_outside"] == 1 and general["pre1949"] == 1


def test_counts_fall_back_to_the_aggregate_when_the_roster_is_cut(mixed_branch, monkeypatch):
    monkeypatch.setattr(selectors, "ROSTER_PAGE", 2)
    roster = selectors.roster_page(mixed_branch)
    assert len(roster) == 2
    assert selectors.branch_page(mixed_branch, roster=roster)["counts"]["total"] == 4


def test_home_records_give_the_same_due_list_and_the_returned_records(branch, secretary):
    today = datetime.date.today()
    last_year = today.replace(year=today.year - 1, day=1)
    old = Activity.objects.create(branch=branch, type=ActivityType.COMMITTEE, held_on=last_year, topic="去年的支委会",
                                  returned=True, created_by=secretary)  # fmt: skip
    Activity.objects.create(branch=branch, type=ActivityType.CONGRESS, held_on=today, topic="本季度党员大会",
                            created_by=secretary)  # fmt: skip
    records, returned = home_records(branch, today.year)
    assert due_now(branch, today=today, records=records) == due_now(branch, today=today)
    assert [r.pk for r in returned] == [old.pk] and returned[0].get_type_display() == "支委会"
    assert len(records) == 1


def test_url_for_equals_reverse():
    assert url_pattern("member_detail").format(12) == reverse("member_detail", args=[12])
    assert url_pattern("life_ledger", 2).format(3, 2024) == reverse("life_ledger", args=[3, 2024])
    assert url_pattern("member_list", 0) == reverse("member_list")
    set_script_prefix("/sub/")
    try:
        assert url_pattern("member_detail").format(5) == "/sub" + reverse("member_detail", args=[5])[4:] == reverse(
            "member_detail", args=[5]
        )
    finally:
        set_script_prefix("/")


def test_secretary_home_query_count(client, secretary, mixed_branch, django_assert_num_queries):
    """The secretary's home in a fixed number of queries: seventeen when rendered afresh (with
    the session, the user, their roles and the branch's version token; 21 before the page was
    made lighter), five while the branch's data is unchanged."""
    client.force_login(secretary)
    url = reverse("branch_detail", args=[mixed_branch.pk])
    assert client.get(url).status_code == 200  # warm: the menu's badge cache
    touch(mixed_branch)
    with django_assert_num_queries(17):
        html = client.get(url).content.decode()
    assert "第一党小组" in html and "区外流入" in html
    with django_assert_num_queries(5):
        assert "第一党小组" in client.get(url).content.decode()
    other = make_branch(name="另一个支部")
    assert client.get(reverse("branch_detail", args=[other.pk])).status_code == 404
