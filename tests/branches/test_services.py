import datetime

import pytest

from branches import committees, selectors
from branches import services as branches
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    Member,
    MemberStatus,
    MemberTransfer,
    Organization,
    OrgChange,
    OrgKind,
    OrgStatus,
    PartyGroup,
    Position,
    Standing,
)
from tests.factories import MemberFactory, make_branch, make_term
from wujin_branch.errors import DomainError, StaleEditError

pytestmark = pytest.mark.django_db


def full_members(branch, n):
    return [MemberFactory(branch=branch) for _ in range(n)]


def test_name_pinyin_and_id_check_digit():
    assert branches.name_pinyin("张三") == ("zhang san", "zs")
    assert branches.name_pinyin("吕洞宾")[1] == "ldb"
    assert branches.validate_id_number("11010519491231002X")
    assert not branches.validate_id_number("110105194912310021")
    assert not branches.validate_id_number("12345")


def test_org_tree_subtree_is_one_prefix_query(district, committee, branch, other_branch, district_user):
    general = branches.org_create(
        actor=district_user,
        parent=committee,
        kind=OrgKind.GENERAL_BRANCH,
        name="机关党总支",
        founded_on=datetime.date(2010, 1, 1),
    )
    nested = branches.org_create(
        actor=district_user,
        parent=general,
        kind=OrgKind.BRANCH,
        name="第一支部",
        founded_on=datetime.date(2010, 1, 1),
        branch_type="organ",
    )
    committee.refresh_from_db()
    under = Organization.objects.filter(path__startswith=committee.path, kind=OrgKind.BRANCH)
    assert set(under) == {branch, nested}
    assert OrgChange.objects.filter(organization=nested, kind="founded").exists()


def test_org_create_refuses_wrong_child_kind(committee, branch, district_user):
    with pytest.raises(DomainError, match="不能设立"):
        branches.org_create(
            actor=district_user, parent=branch, kind=OrgKind.BRANCH, name="x", founded_on=datetime.date(2020, 1, 1)
        )


def test_reviewer_cannot_create_outside_own_committee(other_committee, reviewer):
    with pytest.raises(DomainError, match="没有权限"):
        branches.org_create(
            actor=reviewer,
            parent=other_committee,
            kind=OrgKind.BRANCH,
            name="x",
            founded_on=datetime.date(2020, 1, 1),
            branch_type="village",
        )


def test_committee_at_most_seven_and_eighth_refused(branch, secretary):
    people = full_members(branch, 9)
    positions = [
        Position.SECRETARY,
        Position.DEPUTY,
        Position.ORGANIZATION,
        Position.PROPAGANDA,
        Position.DISCIPLINE,
        Position.OTHER,
        Position.OTHER,
    ]
    term = committees.term_elect(
        actor=secretary,
        branch=branch,
        elected_on=datetime.date(2024, 3, 1),
        term_years=3,
        seats=[(p, m, "") for p, m in zip(positions, people, strict=False)],
    )
    assert term.seats.count() == 7
    assert term.due_on == datetime.date(2027, 3, 1)
    with pytest.raises(DomainError, match="最多 7 人"):
        committees.seat_add(
            actor=secretary, term=term, position=Position.OTHER, member=people[7], since=datetime.date(2024, 6, 1)
        )


def test_small_branch_has_secretary_only(branch, secretary):
    people = full_members(branch, 6)
    with pytest.raises(DomainError, match="不足7人"):
        committees.term_elect(
            actor=secretary,
            branch=branch,
            elected_on=datetime.date(2024, 3, 1),
            term_years=3,
            seats=[(Position.SECRETARY, people[0], ""), (Position.ORGANIZATION, people[1], "")],
        )
    term = committees.term_elect(
        actor=secretary,
        branch=branch,
        elected_on=datetime.date(2024, 3, 1),
        term_years=3,
        seats=[(Position.SECRETARY, people[0], ""), (Position.DEPUTY, people[1], "")],
    )
    assert term.seats.count() == 2


def test_probationary_member_cannot_be_elected(branch, secretary):
    p = MemberFactory(branch=branch, status=MemberStatus.PROBATIONARY, full_member_on=None)
    with pytest.raises(DomainError, match="预备党员"):
        committees.term_elect(
            actor=secretary,
            branch=branch,
            elected_on=datetime.date(2024, 3, 1),
            term_years=3,
            seats=[(Position.SECRETARY, p, "")],
        )


def test_new_election_ends_previous_term(branch, secretary):
    a, b = full_members(branch, 2)
    t1 = committees.term_elect(
        actor=secretary,
        branch=branch,
        elected_on=datetime.date(2021, 3, 1),
        term_years=3,
        seats=[(Position.SECRETARY, a, "")],
    )
    committees.term_elect(
        actor=secretary,
        branch=branch,
        elected_on=datetime.date(2024, 3, 1),
        term_years=3,
        seats=[(Position.SECRETARY, b, "")],
    )
    t1.refresh_from_db()
    assert t1.ended_on == datetime.date(2024, 3, 1)
    assert CommitteeTerm.objects.filter(branch=branch, ended_on__isnull=True).count() == 1


def test_vacant_secretary_alert_and_by_election(branch, secretary):
    a, b = full_members(branch, 2)
    term = make_term(
        branch, elected_on=datetime.date.today() - datetime.timedelta(days=30), seats=[(Position.SECRETARY, a)]
    )
    seat = term.seats.get()
    committees.seat_vacate(actor=secretary, seat=seat, vacated_on=datetime.date.today())
    alerts = selectors.term_alerts(selectors.current_term(branch))
    assert alerts[0].level == "danger" and "书记缺职" in alerts[0].message
    committees.seat_fill(actor=secretary, seat=seat, member=b, since=datetime.date.today())
    seat.refresh_from_db()
    assert seat.holder == b and seat.by_election
    assert not any("书记缺职" in a.message for a in selectors.term_alerts(selectors.current_term(branch)))
    # every change to the seat is in the history
    assert seat.history.count() == 3


def test_term_alerts_overdue_and_due_soon(branch):
    today = datetime.date.today()
    a = MemberFactory(branch=branch)
    term = make_term(
        branch,
        elected_on=today.replace(year=today.year - 3) - datetime.timedelta(days=2),
        seats=[(Position.SECRETARY, a)],
    )
    assert any("逾期未换届" in x.message for x in selectors.term_alerts(selectors.current_term(branch)))
    term.ended_on = today
    term.save()
    make_term(
        branch,
        elected_on=today.replace(year=today.year - 3) + datetime.timedelta(days=60),
        seats=[(Position.SECRETARY, a)],
    )
    assert any(
        "届满" in x.message and x.level == "warning" for x in selectors.term_alerts(selectors.current_term(branch))
    )


def test_postponement_needs_approver_and_at_most_a_year(branch, secretary, reviewer):
    a = MemberFactory(branch=branch)
    term = make_term(branch, elected_on=datetime.date(2023, 1, 1), term_years=3, seats=[(Position.SECRETARY, a)])
    with pytest.raises(DomainError, match="没有权限"):
        committees.term_postpone(actor=secretary, term=term, until=datetime.date(2026, 6, 1), reason="疫情")
    with pytest.raises(DomainError, match="不超过一年"):
        committees.term_postpone(actor=reviewer, term=term, until=datetime.date(2027, 3, 1), reason="疫情")
    committees.term_postpone(actor=reviewer, term=term, until=datetime.date(2026, 12, 31), reason="整合调整")
    term.refresh_from_db()
    assert term.effective_due_on == datetime.date(2026, 12, 31)
    assert term.postponement_approved_by == reviewer


def test_member_rules(branch, secretary):
    base = dict(
        name="王小明",
        gender="M",
        ethnicity="汉族",
        birth_date=datetime.date(1990, 1, 1),
        education="bachelor",
        occupation="worker",
        id_number="11010519491231002X",
        phone="",
        joined_on=datetime.date(2015, 7, 1),
        full_member_on=datetime.date(2016, 7, 1),
        status=MemberStatus.FULL,
    )
    with pytest.raises(DomainError, match="身份证号"):
        branches.member_create(actor=secretary, branch=branch, **{**base, "id_number": "110105194912310021"})
    with pytest.raises(DomainError, match="十八周岁"):
        branches.member_create(actor=secretary, branch=branch, **{**base, "joined_on": datetime.date(2005, 1, 1)})
    with pytest.raises(DomainError, match="转正日期"):
        branches.member_create(actor=secretary, branch=branch, **{**base, "status": MemberStatus.PROBATIONARY})
    m = branches.member_create(actor=secretary, branch=branch, **base)
    assert m.name_pinyin == "wang xiao ming" and m.name_initials == "wxm"
    assert m.id_number_masked == "1101**********002X"
    with pytest.raises(DomainError, match="已登记在册"):
        branches.member_create(actor=secretary, branch=branch, **{**base, "name": "重复"})


def test_stale_edit_is_refused(branch, secretary):
    m = MemberFactory(branch=branch)
    branches.member_update(actor=secretary, member=m, version=1, phone="13800000000")
    with pytest.raises(StaleEditError):
        branches.member_update(actor=secretary, member=m, version=1, phone="13900000000")
    m.refresh_from_db()
    assert m.phone == "13800000000" and m.version == 2


def test_pre_1949_is_derived():
    m = Member(joined_on=datetime.date(1949, 9, 30))
    assert m.is_pre_1949
    m.joined_on = datetime.date(1949, 10, 1)
    assert not m.is_pre_1949


def test_transfer_out_and_internal(branch, other_branch, secretary):
    a, b = full_members(branch, 2)
    term = make_term(branch, seats=[(Position.SECRETARY, a)])
    branches.member_transfer(
        actor=secretary, member=a, direction="out", occurred_on=datetime.date(2025, 1, 1), counterpart="上海某党支部"
    )
    a.refresh_from_db()
    assert a.standing == Standing.TRANSFERRED_OUT
    assert term.seats.get().holder is None  # the post falls vacant
    branches.member_transfer(
        actor=secretary, member=b, direction="internal", occurred_on=datetime.date(2025, 1, 1), to_branch=other_branch
    )
    b.refresh_from_db()
    assert b.branch == other_branch and b.standing == Standing.ACTIVE
    assert MemberTransfer.objects.filter(member=b, from_branch=branch, to_branch=other_branch).exists()


def test_merge_moves_members_and_keeps_branch(committee, branch, district_user):
    target = make_branch(committee, name="合并后支部")
    people = full_members(branch, 3)
    g = PartyGroup.objects.create(branch=branch, name="一组")
    Member.objects.filter(pk=people[0].pk).update(party_group=g)
    moved = branches.org_merge(
        actor=district_user, org=branch, into=target, occurred_on=datetime.date(2025, 5, 1), reason="村村合并"
    )
    assert moved == 3
    branch.refresh_from_db()
    assert branch.status == OrgStatus.MERGED and branch.merged_into == target
    assert Member.objects.filter(branch=target).count() == 3
    assert not PartyGroup.objects.get(pk=g.pk).is_active
    # bulk moves still write history rows
    assert Member.history.filter(id=people[0].pk, branch_id=target.pk).exists()
    assert Organization.objects.filter(pk=branch.pk).exists()


def test_dissolve_requires_receiver_when_members_remain(committee, branch, district_user):
    MemberFactory(branch=branch)
    with pytest.raises(DomainError, match="在册党员"):
        branches.org_dissolve(actor=district_user, org=branch, occurred_on=datetime.date(2025, 5, 1), reason="企业破产")
    target = make_branch(committee, name="接收支部")
    assert (
        branches.org_dissolve(
            actor=district_user,
            org=branch,
            occurred_on=datetime.date(2025, 5, 1),
            reason="企业破产",
            transfer_to=target,
        )
        == 1
    )
    branch.refresh_from_db()
    assert branch.status == OrgStatus.DISSOLVED


def test_dissolve_committee_with_active_children_refused(committee, branch, district_user):
    with pytest.raises(DomainError, match="下级组织"):
        branches.org_dissolve(actor=district_user, org=committee, occurred_on=datetime.date(2025, 5, 1), reason="x")


def test_move_branch_to_other_committee(branch, other_committee, district_user, reviewer):
    branches.org_move(
        actor=district_user,
        org=branch,
        new_parent=other_committee,
        occurred_on=datetime.date(2025, 1, 1),
        reason="区划调整",
    )
    branch.refresh_from_db()
    other_committee.refresh_from_db()
    assert branch.path.startswith(other_committee.path)
    # the old committee's reviewer no longer sees it
    reviewer._scopes_cache = None
    assert not selectors.branches_visible_to(reviewer).filter(pk=branch.pk).exists()


def test_group_membership(branch, secretary, other_branch):
    a, b, c = full_members(branch, 3)
    outsider = MemberFactory(branch=other_branch)
    g = committees.group_save(actor=secretary, branch=branch, name="第一党小组", leader=a, members=[b])
    assert set(Member.objects.filter(party_group=g)) == {a, b}
    committees.group_save(actor=secretary, branch=branch, name="第一党小组", leader=a, members=[a, c], group=g)
    assert set(Member.objects.filter(party_group=g)) == {a, c}
    with pytest.raises(DomainError, match="不是本支部"):
        committees.group_save(actor=secretary, branch=branch, name="第二党小组", leader=None, members=[outsider])
    with pytest.raises(DomainError, match="同名"):
        committees.group_save(actor=secretary, branch=branch, name="第一党小组", leader=None, members=[])


def test_party_groups_listed_by_their_number(client, branch, secretary):
    """第一、第二、第三、第四 everywhere, not 第一、第三、第二、第四 (the characters' code points)."""
    from ledgers.activities.selectors import branch_calendar

    for name in ("第三党小组", "离退休党小组", "第一党小组", "第十二党小组", "第四党小组", "第二党小组"):
        committees.group_save(actor=secretary, branch=branch, name=name, leader=None, members=[])
    expected = ["第一党小组", "第二党小组", "第三党小组", "第四党小组", "第十二党小组", "离退休党小组"]
    assert list(PartyGroup.objects.filter(branch=branch).values_list("name", flat=True)) == expected
    assert [g.name for g in selectors.branch_page(branch)["groups"]] == expected
    calendar = [r.group.name for r in branch_calendar(branch, datetime.date.today().year) if r.group]
    assert calendar == expected
    client.force_login(secretary)
    html = client.get(f"/branch/{branch.pk}/").content.decode()
    assert [html.index(n) for n in expected] == sorted(html.index(n) for n in expected)
    g = PartyGroup.objects.get(branch=branch, name="第三党小组")
    committees.group_save(actor=secretary, branch=branch, name="第五党小组", leader=None, members=[], group=g)
    assert PartyGroup.objects.get(pk=g.pk).number == 5


@pytest.mark.parametrize(
    "name,number",
    [("第一党小组", 1), ("第十党小组", 10), ("第十二党小组", 12), ("第二十三党小组", 23), ("第3党小组", 3),
     ("第１２党小组", 12), ("机关第二党小组", 2), ("三组", 3), ("离退休党小组", None), ("党小组", None)],
)  # fmt: skip
def test_group_number_from_the_name(name, number):
    from branches.derived import group_number

    assert group_number(name) == number


def test_group_number_migration_fills_existing_rows(branch):
    import importlib

    from django.apps import apps

    rows = [PartyGroup.objects.create(branch=branch, name=n) for n in ("第二党小组", "第一党小组", "第三党小组")]
    assert {g.number for g in PartyGroup.objects.filter(branch=branch)} == {None}
    importlib.import_module("branches.migrations.0002_partygroup_number").backfill(apps, None)
    assert [g.name for g in PartyGroup.objects.filter(branch=branch)] == ["第一党小组", "第二党小组", "第三党小组"]
    assert PartyGroup.history.filter(id=rows[0].pk).get().number == 2


def test_visibility_by_role(district, committee, branch, other_branch, district_user, reviewer, secretary):
    assert set(selectors.branches_visible_to(district_user)) == {branch, other_branch}
    assert set(selectors.branches_visible_to(reviewer)) == {branch}
    assert set(selectors.branches_visible_to(secretary)) == {branch}
    assert selectors.orgs_visible_to(secretary).count() == 1


def test_tree_children_stats(district, committee, branch, other_branch, district_user):
    second = make_branch(committee, name="第二支部")
    full_members(second, 2)
    full_members(branch, 4)
    make_term(branch, elected_on=datetime.date(2015, 1, 1), seats=[])  # overdue and no secretary
    rows = {r.org.pk: r for r in selectors.tree_children(district_user, district)}
    assert rows[committee.pk].branches == 2
    assert rows[committee.pk].members == 6
    assert rows[committee.pk].secretary_vacant == 2
    assert rows[committee.pk].empty == 0
    assert rows[committee.pk].overdue == 1
    assert CommitteeSeat.objects.count() == 0
