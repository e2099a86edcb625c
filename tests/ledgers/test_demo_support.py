"""Demo data for the member and support ledgers and for the review (``seed_support``,
``seed_review``), on a small district written by the demo builder (no activity records:
those are another step's and slow)."""

import random

import pytest
from django.utils import timezone

from assessment.models import Assessment, Period
from assessment.models import AssessmentStatus as S
from branches.demo import DEMO_BRANCH, CommitteeSpec, DemoBuilder, flush_demo_data
from branches.demo import branch_spec as _b
from branches.models import BranchType, CommitteeKind, Member, MemberStatus, RegionalKind
from ledgers import dues
from ledgers.demo.support import seed_support
from ledgers.models import (
    Applicant,
    Appraisal,
    DevStage,
    DevStep,
    DuesBase,
    DuesPayment,
    FundingEntry,
    FundingYear,
    Photo,
    PublicNotice,
    RoomCheck,
)
from review.demo.review import seed_review
from review.models import DutyReport, Objection, ObjectionStatus, Publication, Rectification, RewardSubsidy
from wujin_branch.models import Job, Notice

pytestmark = pytest.mark.django_db

T = BranchType


def tiny_plan():
    """Three committees, ten branches: every kind of funding standard, one tiny enterprise."""
    return [
        CommitteeSpec("湖塘镇党委", CommitteeKind.TOWN, [
            _b(DEMO_BRANCH, T.VILLAGE, 16, demo=True),
            _b("花园社区党支部", T.COMMUNITY, 9),
            _b("湖塘镇机关第一党支部", T.ORGAN, 8),
            _b("常州市宏达纺织有限公司党支部", T.PRIVATE_ENTERPRISE, 7),
        ]),
        CommitteeSpec("武进国家高新区党工委", CommitteeKind.DEV_ZONE, [
            _b("常州天宇光伏科技有限公司党支部", T.PRIVATE_ENTERPRISE, 4),
            _b("高新区社会组织联合党支部", T.SOCIAL_ORG, 6),
            _b("高新区创新产业园联合党支部", T.REGIONAL, 7, regional_kind=RegionalKind.PARK),
        ]),
        CommitteeSpec("区教育局党委", CommitteeKind.BUREAU, [
            _b("区教育局机关党支部", T.ORGAN, 8),
            _b("武进区湖塘实验中学党支部", T.INSTITUTION, 9),
            _b("区教育系统退休教师党支部", T.OTHER, 10),
        ]),
    ]  # fmt: skip


def seed_world(seed=1):
    builder = DemoBuilder(seed=seed)
    builder.run(tiny_plan())
    today = timezone.localdate()
    support = seed_support(actor=builder.actor, rng=random.Random(f"support:{seed}"), today=today)
    review = seed_review(actor=builder.actor, rng=random.Random(f"review:{seed}"), today=today)
    return builder, support, review


def fingerprint():
    """What the data looks like, without ids or times of day."""
    last = Period.objects.order_by("year").first()
    return {
        "applicants": sorted(Applicant.objects.values_list("name", "stage", "branch__name")),
        "steps": sorted(DevStep.objects.values_list("applicant__name", "code", "done_on", "exception_reason")),
        "bases": sorted(DuesBase.objects.values_list("member__id_number", "year", "monthly_fen", "reduced")),
        "payments": (DuesPayment.objects.count(), sorted(DuesPayment.objects.values_list("member__id_number",
                                                                                         "month", "paid_on"))),
        "funding": sorted(FundingEntry.objects.values_list("funding__branch__name", "category", "amount_fen",
                                                           "occurred_on")),
        "notices": sorted(PublicNotice.objects.values_list("branch__name", "title", "posted_on")),
        "assessments": sorted(
            Assessment.objects.filter(period=last).values_list(
                "branch__name", "status", "self_total", "committee_total", "district_total"
            )
        ),
        "photos": Photo.objects.count(),
    }  # fmt: skip


def test_support_and_review_demo_data():
    builder, support, review = seed_world()
    today = timezone.localdate()
    demo = next(b.org for b in builder.branches if b.spec.demo)

    # 学习笔记 recorded per member in the demo branch (issue #17): the study-notes point has something to read.
    from ledgers.models import StudyNote

    assert support["study_notes"] > 0
    assert set(StudyNote.objects.values_list("member__branch", flat=True)) == {demo.pk}

    # 党费: members in arrears, one with six or more consecutive unpaid months (the flag), a reduction.
    flagged, in_arrears = [], 0
    for b in builder.branches:
        if b.org.status != "active":
            continue
        arrears = dues.dues_arrears_for(b.org, today)
        in_arrears += len(arrears.rows)
        flagged += arrears.flagged
    assert flagged and all(r.run >= dues.ARREARS_FLAG_MONTHS for r in flagged)
    assert in_arrears > len(flagged)
    reduced = DuesBase.objects.filter(reduced=True).first()
    assert (
        reduced
        and reduced.branch_decision
        and reduced.upper_approval
        and reduced.monthly_fen < (reduced.computed_monthly_fen)
    )

    # 发展党员: every stage, one approved as 预备党员 this year (on the roster) and one made 正式党员
    # this year, a step that breaks a rule carrying its exception reason.
    assert {DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE, DevStage.PROBATIONARY, DevStage.FULL,
            DevStage.STOPPED} <= set(Applicant.objects.values_list("stage", flat=True))  # fmt: skip
    joined = DevStep.objects.filter(code=17, done_on__year=today.year).select_related("applicant__member").first()
    assert joined and joined.applicant.member.joined_on == joined.done_on
    assert DevStep.objects.filter(code=24, done_on__year=today.year).exists()
    assert Member.objects.filter(applicant__stage=DevStage.FULL, status=MemberStatus.FULL).exists()
    broken = DevStep.objects.exclude(rule_breaks="")
    assert broken.exists() and not broken.filter(exception_reason="").exists()

    # 经费: the one-vote veto for a branch without a special fund, an "other" expense, receipts.
    no_fund = FundingYear.objects.filter(year=today.year, has_special_fund=False).select_related("branch").get()
    assert no_fund.branch.name == support["no_fund_branch"] != DEMO_BRANCH
    assert FundingEntry.objects.filter(category="other_expense").exists()
    assert FundingEntry.objects.exclude(receipt="").count() > 20

    # 阵地 with some items missing and photos on present ones; appraisal published; notices.
    assert RoomCheck.objects.filter(present=False).exists()
    assert (
        not Photo.objects.filter(owner_id__in=RoomCheck.objects.filter(present=False).values("pk"))
        .filter(owner_type__model="roomcheck")
        .exists()
    )
    assert Appraisal.objects.filter(year=today.year - 1, published_on__isnull=False).count() >= 8

    # Review: last year's period in many states, confirmed ones among them; the demo branch confirmed
    # last year and self-assessing this year; the no-fund branch vetoed and in rectification.
    last, current = Period.objects.order_by("year")
    assert (last.year, current.year) == (today.year - 1, today.year)
    assert Job.objects.filter(kind="period_open").count() == 2
    states = set(Assessment.objects.filter(period=last).values_list("status", flat=True))
    assert len(states) >= 6 and S.CONFIRMED in states, states
    assert Assessment.objects.get(period=last, branch=demo).status == S.CONFIRMED
    assert set(Assessment.objects.filter(period=current).values_list("status", flat=True)) == {S.DRAFT}
    vetoed = Assessment.objects.get(period=last, branch=no_fund.branch)
    assert vetoed.status == S.RECTIFYING and vetoed.has_veto
    assert Rectification.objects.get(assessment=vetoed).tasks.count() >= 2
    # Results put to use: the rectifying branch marked 软弱涣散 (not dissolved), two 以奖代补, a rated 述职.
    weak = Rectification.objects.get(assessment=vetoed)
    assert weak.weak_marked_on and weak.status == "open" and vetoed.branch.status == "active"
    assert RewardSubsidy.objects.count() == review["rewards"] == 2
    assert DutyReport.objects.filter(grade="fairly_good").exclude(pack="").count() == review["duty_reports"] == 1
    for a in Assessment.objects.filter(period=last, status__in=[S.CONFIRMED, S.ACCEPTED, S.PUBLISHED]):
        assert a.district_total >= last.pass_line and not a.has_veto
    assert Assessment.objects.filter(period=last, status=S.NOT_PASSED, district_total__lt=last.pass_line).exists()

    # 公示 ended a few days ago, with one objection dismissed; events and notices dated in the past.
    pub = Publication.objects.get(period=last)
    assert pub.ends_on < today and (today - pub.ends_on).days <= 6
    objection = Objection.objects.get(entry__publication=pub)
    assert objection.status == ObjectionStatus.DISMISSED and objection.handled_by is not None
    submitted = Assessment.objects.filter(period=last, submitted_at__isnull=False)
    assert submitted.exists() and all(a.submitted_at.date().year == today.year for a in submitted)
    assert not Notice.objects.filter(created_at__gt=timezone.now()).exists()
    assert review["confirmed"] >= 1 and review["objections"] == 1

    # 党建品牌: one recognised (the commended 示范支部's) with two chosen photos, one waiting; one 观摩.
    from review.brand_models import BrandStatus, ExchangeEvent, PartyBrand
    from review.brands import brand_photos

    assert review["brands"] == 2 and review["exchanges"] == 1
    shown = PartyBrand.objects.get(status=BrandStatus.RECOGNISED)
    assert brand_photos(shown).count() == 2 and all(p.display.storage.exists(p.display.name) for p in
                                                    brand_photos(shown))  # fmt: skip
    waiting = PartyBrand.objects.get(status=BrandStatus.SUBMITTED)
    assert waiting.branch.path[:8] == shown.branch.path[:8]  # the same committee's reviewer has it to judge
    assert ExchangeEvent.objects.get().host == shown.branch

    # Determinism: the same seed on the same day gives the same data.
    first = fingerprint()
    flush_demo_data()
    # Periods, publications, jobs and notices do not hang off an organization (see the report).
    Notice.objects.all().delete()
    Publication.objects.all().delete()
    Period.objects.all().delete()
    Job.objects.all().delete()
    seed_world()
    assert fingerprint() == first
