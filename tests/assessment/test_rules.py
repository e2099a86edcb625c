"""The suggestion rules of ``assessment.rules`` at their edges, and one test that all
items for 40 branches are computed with a bounded number of queries (set-based)."""

import datetime
from decimal import Decimal

import pytest

from assessment.models import RubricItem
from assessment.rules import RULES, Context, compute
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    Member,
    MemberStatus,
    PartyGroup,
    Position,
    Standing,
    add_years,
)
from ledgers.models import (
    Activity,
    ActivityRoom,
    ActivityType,
    Applicant,
    Appraisal,
    AppraisalResult,
    DevelopmentPlan,
    DevStage,
    DevStep,
    DuesBase,
    DuesPayment,
    DuesRateRule,
    FundingCategory,
    FundingEntry,
    FundingYear,
    MemberRecord,
    Photo,
    Plan,
    PlanKind,
    RecordKind,
    RoomCheck,
    RoomItem,
    Screening,
    ServiceSystem,
    StudyPlan,
)
from tests.factories import MemberFactory, MemberFlowFactory, make_branch, make_committee, make_term, org_tree

pytestmark = pytest.mark.django_db

D = Decimal
START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
TODAY = datetime.date(2026, 3, 1)
MONTHS = [datetime.date(2025, m, 1) for m in range(1, 13)]


def run(key, *branches, start=START, end=END, today=TODAY):
    item = RubricItem.objects.get(section__version__code="2016", rule=key)
    ctx = Context(start, end, [b.pk for b in branches], today=today)
    return RULES[key].fn(ctx, item)


def one(key, branch, **kw):
    return run(key, branch, **kw)[branch.pk]


def members(branch, n, **kw):
    """``n`` members in one insert (no history needed here)."""
    return Member.objects.bulk_create(MemberFactory.build_batch(n, branch=branch, **kw))


def activity(branch, held_on=datetime.date(2025, 5, 10), **kw):
    data = {
        "type": ActivityType.COMMITTEE,
        "place": "党员活动室",
        "topic": "学习",
        "content": "会议传达学习上级文件精神，讨论本月支部工作安排并形成决议。",
        "quorum_met": True,
        "photo_count": 1,
    }
    data.update(kw)
    return Activity.objects.create(branch=branch, held_on=held_on, **data)


def photo_for(branch, owner):
    return Photo.objects.create(
        branch=branch, owner=owner, original="x.jpg", display="x.jpg", thumb="x.jpg", width=1, height=1,
        phash=0, band0=0, band1=0, band2=0, band3=0, sha256="0" * 64,
    )  # fmt: skip


def applicant(branch, stage=DevStage.ACTIVIST, **kw):
    data = {
        "name": "申请人",
        "gender": "M",
        "birth_date": datetime.date(1995, 1, 1),
        "education": "bachelor",
        "occupation": "worker",
        "id_number": "320412199501010011",
    }
    data.update(kw)
    return Applicant.objects.create(branch=branch, stage=stage, **data)


def step(a, code, done_on=datetime.date(2025, 6, 1), **kw):
    return DevStep.objects.create(applicant=a, code=code, done_on=done_on, **kw)


# ---------------------------------------------------------------- 组织设置合理


def elect(branch, people, positions, **kw):
    return make_term(branch, seats=list(zip(positions, people, strict=False)), **kw)


THREE = [Position.SECRETARY, Position.ORGANIZATION, Position.PROPAGANDA]


def test_committee_size_seven_vs_six_full_members(branch, other_branch):
    seven = members(branch, 7)
    six = members(other_branch, 6) + members(other_branch, 1, status=MemberStatus.PROBATIONARY, full_member_on=None)
    elect(branch, seven, THREE)
    elect(other_branch, six, THREE)
    got = run("committee_size", branch, other_branch)
    assert got[branch.pk].score == D("2")
    assert got[other_branch.pk].score == D("1")  # 6 full members: 书记 (and 副书记) only
    assert "正式党员6名" in got[other_branch.pk].reason


def test_committee_size_small_branch_secretary_only_and_no_term(branch, other_branch):
    elect(branch, members(branch, 6), [Position.SECRETARY, Position.DEPUTY])
    members(other_branch, 3)
    assert one("committee_size", branch).score == D("2")
    assert one("committee_size", other_branch).score == D("0")


def test_committee_size_vacant_secretary_and_too_small_committee(branch, other_branch):
    people = members(branch, 8)
    term = elect(branch, people, THREE)
    CommitteeSeat.objects.filter(term=term, position=Position.SECRETARY).update(
        holder=None, vacated_on=datetime.date(2025, 6, 1)
    )
    assert one("committee_size", branch).score == D("1")  # size fits, 书记 vacant
    elect(other_branch, members(other_branch, 8), [Position.SECRETARY])
    assert one("committee_size", other_branch).score == D("1")  # 8 full members, only a 书记


def test_party_groups_small_branch_needs_none(branch, other_branch):
    members(branch, 9)
    members(other_branch, 10)
    got = run("party_groups", branch, other_branch)
    assert got[branch.pk].score == D("2") and "可不划分党小组" in got[branch.pk].reason
    assert got[other_branch.pk].score == D("0")


def test_party_groups_grouping_and_leaders(branch):
    people = members(branch, 10)
    g = PartyGroup.objects.create(branch=branch, name="第一党小组", leader=people[0])
    Member.objects.filter(pk__in=[m.pk for m in people[:9]]).update(party_group=g)
    assert one("party_groups", branch).score == D("1")  # one member not in a group
    Member.objects.filter(pk=people[9].pk).update(party_group=g)
    assert one("party_groups", branch).score == D("2")
    PartyGroup.objects.filter(pk=g.pk).update(leader=None)
    assert one("party_groups", branch).score == D("1")


def test_committee_duties_all_some_none(branch, other_branch):
    term = elect(branch, members(branch, 8), THREE)
    assert one("committee_duties", branch).score == D("0")
    CommitteeSeat.objects.filter(term=term, position=Position.SECRETARY).update(duties="主持全面工作")
    assert one("committee_duties", branch).score == D("1.5")
    CommitteeSeat.objects.filter(term=term).update(duties="分管党员教育")
    assert one("committee_duties", branch).score == D("3")
    assert one("committee_duties", other_branch).score == D("0")  # no committee


def test_elections_vacancy_90_vs_91_days(branch, other_branch):
    for b, days in ((branch, 90), (other_branch, 91)):
        term = elect(b, members(b, 8), THREE, elected_on=datetime.date(2024, 1, 10))
        CommitteeSeat.objects.filter(term=term, position=Position.PROPAGANDA).update(
            holder=None, vacated_on=END - datetime.timedelta(days=days)
        )
    got = run("elections", branch, other_branch)
    assert got[branch.pk].score == D("3")
    assert got[other_branch.pk].score == D("1.5") and "91天" in got[other_branch.pk].reason


def test_elections_overdue_postponed_and_due_on_the_last_day(branch):
    term = elect(branch, members(branch, 8), THREE, elected_on=datetime.date(2022, 12, 30), term_years=3)
    assert term.due_on == datetime.date(2025, 12, 30)
    assert one("elections", branch).score == D("1.5")  # overdue by one day at the window's end
    CommitteeTerm.objects.filter(pk=term.pk).update(due_on=END)
    assert one("elections", branch).score == D("3")  # due on the last day: not overdue
    CommitteeTerm.objects.filter(pk=term.pk).update(due_on=datetime.date(2025, 3, 1), postponed_until=END)
    assert one("elections", branch).score == D("3")  # approved postponement counts


def test_elections_late_reelection_in_window_and_no_term(branch, other_branch):
    people = members(branch, 8)
    old = make_term(branch, elected_on=datetime.date(2022, 3, 1), term_years=3)
    CommitteeTerm.objects.filter(pk=old.pk).update(ended_on=datetime.date(2025, 3, 10))
    elect(branch, people, THREE, elected_on=datetime.date(2025, 3, 10))
    got = one("elections", branch)
    assert got.score == D("1.5") and "逾期9天" in got.reason
    assert one("elections", other_branch).score == D("0")


# ---------------------------------------------------------------- 发展党员


def test_development_structure_no_one_developed_is_manual(branch):
    step(applicant(branch), 3)
    assert one("development_structure", branch).score is None


def test_development_structure_against_plan_targets(branch):
    young = applicant(branch, DevStage.PROBATIONARY, name="甲", id_number="1", birth_date=datetime.date(1995, 1, 1))
    # 35 on the approval day: not under 35
    old = applicant(branch, DevStage.PROBATIONARY, name="乙", id_number="2", birth_date=datetime.date(1990, 6, 1),
                    education="high")  # fmt: skip
    step(young, 17, datetime.date(2025, 6, 1))
    step(old, 17, datetime.date(2025, 6, 1))
    got = one("development_structure", branch)
    assert got.score is None and "未录入" in got.reason
    plan = DevelopmentPlan.objects.create(branch=branch, year=2025, planned_count=2, target_young_pct=50)
    assert one("development_structure", branch).score == D("3")  # 1 of 2 = 50 % ≥ 50 %
    DevelopmentPlan.objects.filter(pk=plan.pk).update(target_young_pct=51)
    assert one("development_structure", branch).score == D("0")
    DevelopmentPlan.objects.filter(pk=plan.pk).update(target_young_pct=50, target_college_pct=60)
    assert one("development_structure", branch).score == D("1.5")  # college 50 % < 60 %


def test_activist_plan(branch):
    got = one("activist_plan", branch)
    assert got.score == D("1.5")  # no plan; no activists: cultivation not deducted
    a1 = applicant(branch, name="甲", id_number="1")
    a2 = applicant(branch, DevStage.CANDIDATE, name="乙", id_number="2")
    assert one("activist_plan", branch).score == D("0")
    step(a1, 5), step(a1, 6), step(a2, 5)
    assert one("activist_plan", branch).score == D("0.5")  # 1.5 × 1/2 = 0.75 → 0.5
    Plan.objects.create(branch=branch, year=2025, kind=PlanKind.ACTIVIST, text="计划")
    step(a2, 6)
    assert one("activist_plan", branch).score == D("3")


def test_activist_plan_development_plan_counts(branch):
    DevelopmentPlan.objects.create(branch=branch, year=2025, planned_count=1)
    assert one("activist_plan", branch).score == D("3")
    DevelopmentPlan.objects.filter(branch=branch).update(year=2024)
    assert one("activist_plan", branch).score == D("1.5")


def test_development_procedure_breaks(branch, other_branch):
    a = applicant(branch)
    assert one("development_procedure", branch).score is None
    step(a, 1, datetime.date(2024, 12, 1))  # outside the window
    assert one("development_procedure", branch).score is None
    s2 = step(a, 2)
    assert one("development_procedure", branch).score == D("3")
    DevStep.objects.filter(pk=s2.pk).update(rule_breaks="谈话超过一个月", exception_reason="本人出差")
    assert one("development_procedure", branch).score == D("1.5")
    step(a, 3, rule_breaks="顺序不符")
    assert one("development_procedure", branch).score == D("0")


def test_development_procedure_missing_material(branch):
    a = applicant(branch, DevStage.FULL)
    step(a, 15, datetime.date(2025, 2, 1))
    step(a, 17, datetime.date(2025, 3, 1), material="development/2025/x.pdf")
    step(a, 23, datetime.date(2025, 4, 1))
    got = one("development_procedure", branch)
    assert got.score == D("2") and "未上传的2个" in got.reason


# ---------------------------------------------------------------- 党员教育


def test_study_plans_90_vs_89_percent(branch, other_branch):
    for b, n in ((branch, 90), (other_branch, 89)):
        people = members(b, 100)
        StudyPlan.objects.bulk_create([StudyPlan(member=m, year=2025) for m in people[:n]])
        Plan.objects.create(branch=b, year=2025, kind=PlanKind.EDUCATION)
    got = run("study_plans", branch, other_branch)
    assert got[branch.pk].score == D("2")  # no study notes recorded: the third point needs them
    assert got[other_branch.pk].score == D("1") and "89%" in got[other_branch.pk].reason


def test_study_plans_wrong_year_and_no_plan(branch):
    people = members(branch, 2)
    StudyPlan.objects.bulk_create([StudyPlan(member=m, year=2024) for m in people])
    assert one("study_plans", branch).score == D("0")


def test_online_education_zero_one_two(branch):
    activity(branch, form="offline")
    activity(branch, form="online", held_on=datetime.date(2024, 12, 31))  # outside the window
    assert one("online_education", branch).score == D("0")
    activity(branch, form="online")
    assert one("online_education", branch).score == D("1.5")
    activity(branch, form="mixed", type=ActivityType.LECTURE)
    got = one("online_education", branch)
    assert got.score == D("3") and len(got.evidence) == 3


# ---------------------------------------------------------------- 党员管理


def test_member_management(branch):
    members(branch, 3)
    assert one("member_management", branch).score == D("3")
    lost = members(branch, 1, is_lost=True)[0]
    members(branch, 1, is_kongua=True, kongua_handling="已动员转出")
    assert one("member_management", branch).score == D("2")
    MemberFlowFactory(member=members(branch, 1)[0], counterpart="")  # 流出, the other side not recorded
    assert one("member_management", branch).score == D("1")
    Member.objects.filter(pk=lost.pk).update(lost_handling="多方查找，已公告")
    members(branch, 1, is_lost=True, standing=Standing.TRANSFERRED_OUT, left_on=datetime.date(2024, 5, 1))
    assert one("member_management", branch).score == D("2")  # the one who left is not counted


def test_screening_by_branch_or_any_ancestor(branch, other_branch, committee):
    s = Screening.objects.create(
        organization=committee, held_on=datetime.date(2025, 4, 1), scope="全体党员", findings="无"
    )
    got = run("screening", branch, other_branch)
    assert got[branch.pk].score == D("3") and committee.name in got[branch.pk].reason
    assert got[other_branch.pk].score == D("0")
    Screening.objects.filter(pk=s.pk).update(held_on=datetime.date(2024, 12, 31))
    assert one("screening", branch).score == D("0")
    Screening.objects.create(organization=org_tree(), held_on=END, scope="全区", findings="无")
    assert one("screening", other_branch).score == D("3")


def _bases(people, year=2025, fen=500):
    rule = DuesRateRule.objects.first()
    DuesBase.objects.bulk_create(
        [
            DuesBase(
                member=m,
                year=year,
                group="employed",
                computed_monthly_fen=fen,
                rule=rule,
                rule_text="-",
                monthly_fen=fen,
                verified_on=datetime.date(year, 1, 5),
            )  # fmt: skip
            for m in people
        ]
    )


def _pay(people, months=MONTHS, skip=()):
    DuesPayment.objects.bulk_create(
        [
            DuesPayment(member=m, month=mo, amount_fen=500, paid_on=mo)
            for m in people
            for mo in months
            if (m.pk, mo) not in skip
        ]
    )


def test_dues_base_95_vs_94_percent(branch, other_branch):
    for b, n in ((branch, 19), (other_branch, 18)):
        people = members(b, 20)
        _bases(people[:n])
        _pay(people)
    got = run("dues", branch, other_branch)
    assert got[branch.pk].score == D("3")
    assert got[other_branch.pk].score == D("1.5")


def test_dues_paid_share_90_percent(branch, other_branch):
    for b, missed in ((branch, 12), (other_branch, 13)):
        people = members(b, 10)
        _bases(people)
        # misses spread so that nobody has a long run: members 0..6 miss January and March
        skip = [(m.pk, mo) for m in people[:7] for mo in (MONTHS[0], MONTHS[2])][:missed]
        _pay(people, skip=set(skip))
    got = run("dues", branch, other_branch)
    assert got[branch.pk].score == D("3")  # 108 of 120 = 90 %
    assert got[other_branch.pk].score == D("1.5") and "107人·月" in got[other_branch.pk].reason


def test_dues_six_months_run_at_the_end(branch, other_branch):
    for b, run_months in ((branch, 5), (other_branch, 6)):
        people = members(b, 30)
        _bases(people)
        _pay(people, skip={(people[0].pk, mo) for mo in MONTHS[12 - run_months :]})
    got = run("dues", branch, other_branch)
    assert got[branch.pk].score == D("3")
    assert got[other_branch.pk].score == D("1.5") and "连续6个月以上未交的1名" in got[other_branch.pk].reason


def test_dues_waiver_and_no_records(branch, other_branch):
    people = members(branch, 2)
    _bases(people[:1])
    _bases(people[1:], fen=0)  # waived: no months expected
    _pay(people[:1])
    assert one("dues", branch).score == D("3")
    members(other_branch, 2)
    got = one("dues", other_branch)
    assert got.score == D("0") and "没有本支部的党费交纳记录" in got.reason


def test_dues_joined_in_the_window_and_ongoing_window(branch):
    people = members(branch, 9)
    late = members(branch, 1, joined_on=datetime.date(2025, 11, 15), status=MemberStatus.PROBATIONARY)[0]
    _bases(people + [late])
    _pay(people)
    _pay([late], months=MONTHS[10:])
    assert one("dues", branch).score == D("3")
    # on 2025-08-10 only January to July are complete months
    got = one("dues", branch, today=datetime.date(2025, 8, 10))
    assert got.score == D("3") and "应交63人·月" in got.reason


def test_dues_owed_from_the_dues_start_month(branch, other_branch):
    """Item 13 reads the 党费起算月 like the dues pages: a member with a join date years back,
    entered in October, owes October to December only (it was 1.5 points: six months in a row
    unpaid from the branch's first recorded payment); a transfer from another branch in the
    district owes from the month after, as on the dues pages."""
    from branches.models import MemberTransfer, TransferDirection

    people = members(branch, 9)
    (newcomer,) = members(branch, 1, dues_from=datetime.date(2025, 10, 1))
    (mover,) = members(branch, 1)
    MemberTransfer.objects.create(member=mover, direction=TransferDirection.INTERNAL, from_branch=other_branch,
                                  to_branch=branch, occurred_on=datetime.date(2025, 4, 20))  # fmt: skip
    _bases(people + [newcomer, mover])
    _pay(people)
    _pay([newcomer], months=MONTHS[9:])
    _pay([mover], months=MONTHS[4:])
    got = one("dues", branch)
    assert got.score == D("3") and f"应交{9 * 12 + 3 + 8}人·月、已交{9 * 12 + 3 + 8}人·月" in got.reason


def _appraisal(branch, people, held_on=datetime.date(2025, 12, 20), year=2025):
    a = Appraisal.objects.create(branch=branch, year=year, held_on=held_on, self_notes="自评", mutual_notes="互评")
    AppraisalResult.objects.bulk_create(
        [
            AppraisalResult(
                appraisal=a, member=m, good=5, average=0, poor=0, suggested_grade="qualified", grade="qualified"
            )  # fmt: skip
            for m in people
        ]
    )
    return a


def test_appraisal_90_vs_89_percent(branch, other_branch):
    for b, n in ((branch, 90), (other_branch, 89)):
        people = members(b, 100)
        _appraisal(b, people[:n])
    got = run("appraisal", branch, other_branch)
    assert got[branch.pk].score == D("3")
    assert got[other_branch.pk].score == D("1.5")


def test_roster_of_follows_transfers_like_roster_on(branch, other_branch):
    """The rules' roster is ``ledgers.activities.services.roster_on`` for every branch at once."""
    from assessment.rules.reads import roster_of
    from branches.models import MemberTransfer, TransferDirection
    from ledgers.activities.services import roster_on

    stay, mover = members(branch, 2, joined_on=datetime.date(2000, 1, 1))
    (incomer,) = members(other_branch, 1, joined_on=datetime.date(2000, 1, 1))
    moved = datetime.date(2025, 7, 1)
    Member.objects.filter(pk=mover.pk).update(branch=other_branch)  # moved on after the window's middle
    MemberTransfer.objects.create(member=mover, direction=TransferDirection.INTERNAL, occurred_on=moved,
                                  from_branch=branch, to_branch=other_branch)  # fmt: skip
    Member.objects.filter(pk=incomer.pk).update(branch=branch)  # came over the same day
    MemberTransfer.objects.create(member=incomer, direction=TransferDirection.INTERNAL, occurred_on=moved,
                                  from_branch=other_branch, to_branch=branch)  # fmt: skip
    ctx = Context(START, END, [branch.pk, other_branch.pk], today=TODAY)
    for day in (datetime.date(2025, 3, 1), moved, END):
        for b in (branch, other_branch):
            assert {m.id for m in roster_of(ctx, b.pk, day)} == set(roster_on(b, day).values_list("pk", flat=True))
    assert {m.id for m in roster_of(ctx, branch.pk, datetime.date(2025, 3, 1))} == {stay.pk, mover.pk}
    assert {m.id for m in roster_of(ctx, branch.pk, END)} == {stay.pk, incomer.pk}


def test_appraisal_none_and_roster_on_the_day(branch):
    assert one("appraisal", branch).score == D("0")
    people = members(branch, 9)
    members(branch, 1, joined_on=datetime.date(2025, 12, 25))  # joined after the appraisal
    _appraisal(branch, people)
    assert one("appraisal", branch).score == D("3")


def test_appraisal_held_in_the_window_counts_whatever_year_it_is_for(branch):
    """Branches appraise the past year in the first quarter: the 2025 appraisal held on
    2026-02-19 is the 2026 window's appraisal, not the 2025 window's."""
    people = members(branch, 10)
    _appraisal(branch, people, held_on=datetime.date(2026, 2, 19), year=2025)
    window_2026 = {"start": datetime.date(2026, 1, 1), "end": datetime.date(2026, 12, 31),
                   "today": datetime.date(2026, 12, 2)}  # fmt: skip
    got = one("appraisal", branch, **window_2026)
    assert got.score == D("3")
    assert got.reason.startswith("2026年2月19日召开的2025年度民主评议党员，当时在册党员10名中10名")
    got = one("appraisal", branch, today=datetime.date(2026, 3, 1))  # the 2025 window
    assert got.score == D("0") and "考核期内（2025年1月1日至2025年12月31日）召开的民主评议" in got.reason
    # a second one in the same window (the 2026 appraisal held in December) covering fewer
    # members does not replace the better one; the roster is the one of each meeting's day
    _appraisal(branch, people[:5], held_on=datetime.date(2026, 11, 28), year=2026)
    got = one("appraisal", branch, **window_2026)
    assert got.score == D("3") and got.reason.startswith("2026年2月19日")
    # not yet held on the day the suggestion is computed: it does not count
    got = one("appraisal", branch, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31),
              today=datetime.date(2026, 2, 1))  # fmt: skip
    assert got.score == D("0")


# ---------------------------------------------------------------- 联系服务群众


def test_service_system(branch, other_branch):
    s = ServiceSystem.objects.create(branch=branch, year=2025, kind="volunteer", goal="年度目标")
    for m in range(1, 12):
        activity(branch, datetime.date(2025, m, 15), type=ActivityType.SERVICE)
    activity(branch, datetime.date(2025, 12, 15), type=ActivityType.SERVICE, photo_count=0)
    got = run("service_system", branch, other_branch)
    assert got[branch.pk].score == D("5.5")  # 2 + 4×11/12 = 3.67 → 3.5 + 0
    assert got[other_branch.pk].score == D("0")
    Activity.objects.filter(branch=branch, held_on__month=12).update(photo_count=2)
    ServiceSystem.objects.filter(pk=s.pk).update(year_end_review="完成目标")
    assert one("service_system", branch).score == D("8")


# ---------------------------------------------------------------- 阵地


def test_room_and_facilities(branch):
    assert one("room", branch).score == D("0")
    assert one("room_facilities", branch).score == D("0")
    room = ActivityRoom.objects.create(branch=branch, kind="own", address="村委会二楼")
    assert one("room", branch).score == D("3")
    items = list(RoomItem.values)
    for i, code in enumerate(items):
        c = RoomCheck.objects.create(room=room, item=code, present=True, checked_on=datetime.date(2025, 3, 1))
        if i < len(items) - 1:
            photo_for(branch, c)
    got = one("room_facilities", branch)
    assert got.score == D("2.5") and "缺照片" in got.reason  # 3 × 8/9 = 2.67 → 2.5
    photo_for(branch, RoomCheck.objects.get(room=room, item=items[-1]))
    assert one("room_facilities", branch).score == D("3")
    RoomCheck.objects.filter(room=room, item__in=items[3:]).update(present=False)
    assert one("room_facilities", branch).score == D("1")  # 3 × 3/9


# ---------------------------------------------------------------- 经费


def _funding(branch, **kw):
    data = {"has_special_fund": True, "standard_fen": 100000, "standard_basis": "集体收入", "budget_fen": 100000}
    data.update(kw)
    return FundingYear.objects.create(branch=branch, year=2025, **data)


def _entry(f, category, fen, receipt="receipts/2025/r.pdf"):
    return FundingEntry.objects.create(
        funding=f, category=category, amount_fen=fen, occurred_on=datetime.date(2025, 5, 1), description="-",
        receipt=receipt,
    )  # fmt: skip


def test_funding_provided(branch, other_branch):
    assert one("funding_provided", branch).score == D("0")
    f = _funding(branch)
    assert one("funding_provided", branch).score == D("3")
    FundingYear.objects.filter(pk=f.pk).update(budget_fen=99999)
    assert one("funding_provided", branch).score == D("1.5")
    FundingYear.objects.filter(pk=f.pk).update(standard_fen=0)
    assert one("funding_provided", branch).score == D("1.5")  # no standard entered
    FundingYear.objects.filter(pk=f.pk).update(has_special_fund=False)
    assert one("funding_provided", branch).score == D("0")


def test_funding_standard_computed_for_organs(committee):
    organ = make_branch(committee, branch_type="organ")
    members(organ, 2)
    f = _funding(organ, standard_fen=0, budget_fen=120000)
    got = one("funding_provided", organ)
    assert got.score == D("3") and "1200元" in got.reason
    FundingYear.objects.filter(pk=f.pk).update(budget_fen=119999)
    assert one("funding_provided", organ).score == D("1.5")


def test_funding_use(branch):
    f = _funding(branch)
    _entry(f, FundingCategory.ALLOCATION, 100000)
    assert one("funding_use", branch).score == D("0")  # no expenses
    _entry(f, FundingCategory.EDUCATION, 5000)
    assert one("funding_use", branch).score == D("3")
    other = _entry(f, FundingCategory.OTHER_EXPENSE, 5000)
    assert one("funding_use", branch).score == D("1.5")  # 50 %
    FundingEntry.objects.filter(pk=other.pk).update(amount_fen=5001)
    assert one("funding_use", branch).score == D("0")


def test_funding_account(branch, other_branch):
    f = _funding(branch, has_account=True, account_name="党建专户")
    assert one("funding_account", branch).score == D("1")  # no entries
    _entry(f, FundingCategory.ALLOCATION, 1000)
    e = _entry(f, FundingCategory.NEWSPAPERS, 1000)
    assert one("funding_account", branch).score == D("3")
    FundingEntry.objects.filter(pk=e.pk).update(receipt="")
    assert one("funding_account", branch).score == D("2")
    FundingEntry.objects.filter(pk=e.pk).update(amount_fen=1001, receipt="r.pdf")
    assert one("funding_account", branch).score == D("2")  # negative balance
    got = one("funding_account", other_branch)
    assert got.score == D("0") and "没有本支部" in got.reason


# ---------------------------------------------------------------- 台账


def test_member_ledger(branch):
    filled = {"work_unit": "东街村村委会 会计", "address": "湖塘镇东街村12号"}
    people = members(branch, 4, phone="13800000000", **filled)
    old = members(branch, 1, phone="13800000001", joined_on=datetime.date(1948, 5, 1), **filled)[0]
    people.append(old)
    MemberRecord.objects.bulk_create(
        [
            MemberRecord(member=m, kind=RecordKind.TRAINING, occurred_on=datetime.date(2025, 3, 1), title="培训")
            for m in people[:3]
        ]  # fmt: skip
    )
    MemberRecord.objects.create(member=old, kind=RecordKind.VISIT, occurred_on=datetime.date(2025, 9, 1), title="慰问")
    _pay(people[:1], months=MONTHS[:1])
    got = one("member_ledger", branch)
    assert got.score == D("5"), got.reason  # 3 of 5 trained ≥ 50 %; no development task
    Member.objects.filter(pk=people[0].pk).update(phone="")
    assert one("member_ledger", branch).score == D("4")
    MemberRecord.objects.filter(member=people[2], kind=RecordKind.TRAINING).delete()  # 2 of 5 = 40 %
    assert one("member_ledger", branch).score == D("3")
    DevelopmentPlan.objects.create(branch=branch, year=2025, planned_count=1)
    assert one("member_ledger", branch).score == D("2")
    MemberRecord.objects.filter(member=old, kind=RecordKind.VISIT).update(occurred_on=datetime.date(2024, 9, 1))
    assert one("member_ledger", branch).score == D("1")
    DuesPayment.objects.all().delete()
    assert one("member_ledger", branch).score == D("0")


def test_life_ledger(branch, other_branch):
    assert one("life_ledger", branch).score == D("0")
    activity(branch)
    activity(branch)
    activity(branch, photo_count=0)
    activity(branch, content="  ")
    got = one("life_ledger", branch)
    assert got.score == D("2.5")  # 5 × 2/4
    activity(branch, held_on=datetime.date(2025, 6, 1))
    activity(branch, held_on=datetime.date(2025, 7, 1))
    assert one("life_ledger", branch).score == D("3")  # 5 × 4/6 = 3.33
    Activity.objects.filter(branch=branch).update(photo_count=1, content="内容")
    got = one("life_ledger", branch)
    assert got.score == D("0") and "主题或会议记录过短6条" in got.reason  # minutes of no substance (issue #17)
    Activity.objects.filter(branch=branch).update(content="会议传达学习上级文件精神，讨论本月支部工作安排并形成决议。")
    assert one("life_ledger", branch).score == D("5")


@pytest.mark.parametrize("n,plan,expected", [(0, False, "0"), (1, False, "1"), (2, True, "2"), (3, True, "3"),
                                             (5, False, "2"), (6, False, "4"), (6, True, "5")])  # fmt: skip
def test_service_ledger(branch, n, plan, expected):
    for i in range(n):
        activity(branch, datetime.date(2025, i + 1, 3), type=ActivityType.SERVICE)
    activity(branch, datetime.date(2025, 11, 3), type=ActivityType.SERVICE, photo_count=0)
    if plan:
        Plan.objects.create(branch=branch, year=2025, kind=PlanKind.SERVICE)
    assert one("service_ledger", branch).score == D(expected)


def test_member_rules_without_roster_are_manual(branch):
    members(branch, 2, standing=Standing.TRANSFERRED_OUT, left_on=datetime.date(2024, 6, 1))
    for key in ("party_groups", "member_management", "dues"):
        got = one(key, branch)
        assert got.score is None and "没有本支部考核期末的在册党员记录" in got.reason, key
    assert "没有本支部考核期末的在册党员记录" in one("study_plans", branch).reason


# ---------------------------------------------------------------- vetoes, judged on the day of deciding


def _vetoes(branch, today, grace=90):
    from assessment.rules import detect_vetoes

    found = detect_vetoes(Context(START, END, [branch.pk], today=today, vacancy_grace_days=grace)).get(branch.pk, {})
    return {key: [text for text, _ in hits] for key, hits in found.items()}


def test_secretary_vacancy_judged_on_the_day_and_long_ones_in_the_window(branch, secretary):
    from branches.committees import seat_fill, seat_vacate

    first, second = members(branch, 2)
    term = elect(branch, [first], [Position.SECRETARY], elected_on=datetime.date(2024, 1, 10))
    seat = term.seats.get()
    assert "secretary_vacant" not in _vetoes(branch, TODAY)
    # vacated after the window, still empty on the day of deciding: a veto (it was checked
    # at the window's end only)
    seat_vacate(actor=secretary, seat=seat, vacated_on=datetime.date(2026, 1, 15))
    assert _vetoes(branch, TODAY)["secretary_vacant"] == ["党支部书记自2026年1月15日出缺，至今未补选。"]
    assert "secretary_vacant" not in _vetoes(branch, datetime.date(2026, 1, 14))
    # filled 46 days later: within the by-election period, no veto
    seat_fill(actor=secretary, seat=CommitteeSeat.objects.get(pk=seat.pk), member=second,
              since=datetime.date(2026, 3, 2))  # fmt: skip
    assert "secretary_vacant" not in _vetoes(branch, datetime.date(2026, 3, 10))
    # a vacancy inside the window that lasted 122 days before the by-election: a veto, unless
    # the rubric version gives more time
    seat_vacate(actor=secretary, seat=CommitteeSeat.objects.get(pk=seat.pk), vacated_on=datetime.date(2026, 4, 1))
    seat_fill(actor=secretary, seat=CommitteeSeat.objects.get(pk=seat.pk), member=first,
              since=datetime.date(2026, 8, 1))  # fmt: skip
    from assessment.rules import detect_vetoes

    december = datetime.date(2026, 12, 1)
    window_2026 = Context(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), [branch.pk], today=december)

    assert detect_vetoes(window_2026)[branch.pk]["secretary_vacant"][0][0] == (
        "党支部书记于2026年4月1日至2026年8月1日缺职122天，超过补选期限90天。"
    )
    window_2026 = Context(window_2026.start, window_2026.end, [branch.pk], today=december, vacancy_grace_days=130)
    assert "secretary_vacant" not in detect_vetoes(window_2026).get(branch.pk, {})
    # judged for the 2025 window in January 2026, before those vacancies had grown long: none
    assert "secretary_vacant" not in _vetoes(branch, datetime.date(2026, 1, 10))


def test_sanctions_up_to_the_day_of_deciding(branch):
    from branches.models import Sanction, SanctionKind

    sec, member_ = members(branch, 2)
    elect(branch, [sec, member_], [Position.SECRETARY, Position.ORGANIZATION], elected_on=datetime.date(2024, 1, 10))
    Sanction.objects.create(member=sec, kind=SanctionKind.WARNING, imposed_on=datetime.date(2026, 2, 3), reason="x")
    Sanction.objects.create(member=member_, kind=SanctionKind.WARNING, imposed_on=datetime.date(2025, 5, 3), reason="x")
    assert "secretary_sanctioned" not in _vetoes(branch, datetime.date(2026, 1, 31))
    got = _vetoes(branch, datetime.date(2026, 2, 10))
    assert got["secretary_sanctioned"] == [f"书记{sec.name}于2026-02-03受警告处分。"]
    assert "committee_member_sanctioned" not in got  # a 委员 needs 严重警告 or above
    Sanction.objects.create(member=member_, kind=SanctionKind.SERIOUS_WARNING, imposed_on=datetime.date(2024, 3, 1),
                            effective_until=datetime.date(2024, 12, 31), reason="期满")  # fmt: skip
    assert "committee_member_sanctioned" not in _vetoes(branch, TODAY)  # its 影响期 ended before the window


def test_rubric_copy_carries_the_vacancy_grace(district_user):
    from assessment import rubric_writes
    from assessment.models import RubricVersion

    base = RubricVersion.objects.get(code="2016")
    assert base.vacancy_grace_days == 90
    new = rubric_writes.rubric_copy(actor=district_user, source=base, code="2026", name="新版", vacancy_grace_days=60)
    assert new.vacancy_grace_days == 60


# ---------------------------------------------------------------- set-based


def _full_branch(parent, i):
    """A branch with some record of every kind the rules read."""
    b = make_branch(parent, name=f"测试党支部{i}", branch_type="organ" if i % 2 else "village")
    people = members(b, 8, phone="13900000000")
    g = PartyGroup.objects.create(branch=b, name="第一党小组", leader=people[0])
    Member.objects.filter(branch=b).update(party_group=g)
    term = CommitteeTerm.objects.create(
        branch=b, elected_on=datetime.date(2024, 1, 1), term_years=3, due_on=add_years(datetime.date(2024, 1, 1), 3)
    )
    CommitteeSeat.objects.bulk_create(
        [
            CommitteeSeat(term=term, position=p, holder=m, since=term.elected_on, duties="分工")
            for p, m in zip(THREE, people, strict=False)
        ]  # fmt: skip
    )
    Activity.objects.bulk_create(
        [
            Activity(
                branch=b,
                type=t,
                held_on=datetime.date(2025, m, 10),
                place="活动室",
                topic="主题",
                content="会议传达学习上级文件精神，讨论本月支部工作安排并形成决议。",
                form="online" if m == 3 else "offline",
                quorum_met=True,
                photo_count=1,
                party_group=g if t == ActivityType.GROUP else None,
            )  # fmt: skip
            for m in range(1, 13)
            for t in (ActivityType.COMMITTEE, ActivityType.GROUP, ActivityType.SERVICE)
        ]
    )
    Plan.objects.bulk_create([Plan(branch=b, year=2025, kind=k) for k in PlanKind.values])
    StudyPlan.objects.bulk_create([StudyPlan(member=m, year=2025) for m in people])
    DevelopmentPlan.objects.create(branch=b, year=2025, planned_count=1, target_young_pct=50)
    a = applicant(b, DevStage.PROBATIONARY, id_number=f"9{i}")
    DevStep.objects.bulk_create([DevStep(applicant=a, code=c, done_on=datetime.date(2025, 6, c)) for c in (5, 6, 17)])
    _bases(people)
    _pay(people)
    _appraisal(b, people)
    ServiceSystem.objects.create(branch=b, year=2025, kind="volunteer", goal="目标", year_end_review="考核")
    room = ActivityRoom.objects.create(branch=b, kind="own", address="地址")
    photo_for(b, RoomCheck.objects.create(room=room, item=RoomItem.SIGN, present=True, checked_on=START))
    f = _funding(b, has_account=True, account_name="专户")
    _entry(f, FundingCategory.ALLOCATION, 100000)
    _entry(f, FundingCategory.EDUCATION, 1000)
    MemberRecord.objects.create(member=people[0], kind=RecordKind.TRAINING, occurred_on=START, title="培训")
    return b


def test_all_items_for_40_branches_in_bounded_queries(django_assert_max_num_queries):
    parent = make_committee("测试镇党委")
    Screening.objects.create(organization=parent, held_on=datetime.date(2025, 6, 1), scope="全体", findings="无")
    branches = [_full_branch(parent, i) for i in range(40)]
    items = list(RubricItem.objects.filter(section__version__code="2016").select_related("section"))
    ids = [b.pk for b in branches]
    with django_assert_max_num_queries(60) as few:
        compute(Context(START, END, ids[:2], today=TODAY), items)
    with django_assert_max_num_queries(60) as many:
        suggestions, _ = compute(Context(START, END, ids, today=TODAY), items)
    assert len(many.captured_queries) == len(few.captured_queries)  # set-based: no query per branch
    for item in items:
        for bid in ids:
            s = suggestions[(bid, item.pk)]
            assert len(s.reason) <= 300
            if item.rule:
                assert s.reason.endswith("。") and s.reason.count("。") == 1, s.reason
                assert all(e["url"].startswith("/") for e in s.evidence)
    scored = {item.rule: suggestions[(ids[0], item.pk)].score for item in items}
    assert scored["committee_size"] == D("2") and scored["party_groups"] == D("2")
    assert scored["screening"] == D("3") and scored["dues"] == D("3") and scored["appraisal"] == D("3")
    assert scored["service_system"] == D("8") and scored["life_ledger"] == D("5") and scored["service_ledger"] == D("5")
    assert scored["development_structure"] == D("3") and scored["funding_account"] == D("3")
    assert scored["education_content"] is None  # no content category chosen: manual
