"""党(工)委书记述职 (seed §四2): "规范化建设推进情况将纳入各单位党(工)委基层党建考核，并作为
党(工)委书记述职的重点内容".

For a committee and a year the platform makes the 述职 pack: its branches, the 合格率 against
the period's target, the rectifications (and how they ended), the vetoes, the 示范支部 and the
以奖代补 of the year — a PDF laid out by the kernel's renderer and kept through the Storage API
on the ``DutyReport`` row. District staff record the 述职评议 (好 / 较好 / 一般 / 差, comment,
date) against it; after that the pack is frozen. A committee's reviewers may make and download
their own pack and read the result; nobody else sees it.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from assessment.models import Assessment, Period, PeriodStatus, Veto
from assessment.models import AssessmentStatus as S
from assessment.sheets import veto_text
from branches.models import Organization, OrgChange, OrgChangeKind, OrgKind, OrgStatus, Role
from branches.permissions import has_role, is_district, require_district, user_scopes
from review.dashboards import period_target
from review.model_branch_models import ModelBranchNomination, NominationStatus
from review.models import Rectification
from review.result_models import DutyReport, ReportGrade, ResultEvent, RewardSubsidy, fen_to_yuan
from wujin_branch.errors import DomainError, StaleEditError
from wujin_branch.pdf import PdfRenderer
from wujin_branch.services import MIN_YEAR

COMMITTEE_DEPTH = 2
VIEW_ROLES = {Role.REVIEWER, Role.DISTRICT}


# ---------------------------------------------------------------- access


def committees_for(user):
    """The committees whose 述职 the user may see: all for district staff, else those where the
    user is a reviewer (of the committee itself)."""
    qs = Organization.objects.filter(depth=COMMITTEE_DEPTH, kind=OrgKind.COMMITTEE)
    if is_district(user):
        return qs
    ids = [s.org_id for s in user_scopes(user) if s.role == Role.REVIEWER and s.org_kind == OrgKind.COMMITTEE]
    return qs.filter(pk__in=ids)


def may_see(user, committee) -> bool:
    return committee.kind == OrgKind.COMMITTEE and has_role(user, VIEW_ROLES, committee)


def reports_visible_to(user):
    return DutyReport.objects.filter(committee__in=committees_for(user)).select_related(
        "committee", "period", "generated_by", "rated_by"
    )


def get_report_for_user(user, pk) -> DutyReport:
    """The report, or 404 whether it is missing or not the user's to see."""
    r = reports_visible_to(user).filter(pk=pk).first()
    if r is None:
        raise Http404("未找到该述职材料")
    return r


@dataclass
class CommitteeYear:
    committee: Organization
    report: DutyReport | None


def year_rows(user, year: int) -> list[CommitteeYear]:
    """Every committee the user may see with its report of ``year`` (two queries)."""
    committees = list(committees_for(user).filter(status=OrgStatus.ACTIVE).order_by("path"))
    reports = {r.committee_id: r for r in reports_visible_to(user).filter(year=year)}
    return [CommitteeYear(c, reports.get(c.pk)) for c in committees]


def grade_counts(rows) -> dict:
    out = {label: 0 for _, label in ReportGrade.choices}
    for row in rows:
        if row.report is not None and row.report.grade:
            out[row.report.get_grade_display()] += 1
    return out


# ---------------------------------------------------------------- the pack's content


def period_of(year: int) -> Period | None:
    """The year's assessment period whose figures go into the pack (the latest one started)."""
    return (
        Period.objects.filter(year=year)
        .exclude(status=PeriodStatus.DRAFT)
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass
class Pack:
    committee: Organization
    year: int
    period: Period | None
    branches: int = 0
    assessments: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    confirmed: int = 0
    target_label: str = ""
    target_rate: Decimal | None = None
    vetoes: list = field(default_factory=list)
    rectifications: list = field(default_factory=list)
    model_branches: list = field(default_factory=list)
    rewards: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.branches:
            return None
        return (Decimal(self.confirmed) * 100 / self.branches).quantize(Decimal("0.1"))

    @property
    def reached(self) -> bool | None:
        rate = self.pass_rate
        return None if rate is None or self.target_rate is None else rate >= self.target_rate

    @property
    def title(self) -> str:
        return f"{self.committee.name}{self.year}年度党(工)委书记述职材料（党支部规范化建设）"

    @property
    def reward_total(self) -> str:
        return fen_to_yuan(sum(r.amount_fen for r in self.rewards))

    def figures(self) -> dict:
        """The headline numbers kept on the row (the list page shows them without the PDF)."""
        return {
            "branches": self.branches, "confirmed": self.confirmed,
            "pass_rate": str(self.pass_rate) if self.pass_rate is not None else None,
            "target_rate": str(self.target_rate) if self.target_rate is not None else None,
            "vetoes": len(self.vetoes), "rectifications": len(self.rectifications),
            "model_branches": len(self.model_branches), "rewards": len(self.rewards),
        }  # fmt: skip


def duty_pack(committee, year: int) -> Pack:
    """What the committee's pack says for ``year``: a fixed number of queries."""
    period = period_of(year)
    under = Q(path__startswith=committee.path)
    pack = Pack(committee=committee, year=year, period=period)
    pack.branches = Organization.objects.filter(under, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).count()
    if period is not None:
        target = period_target(period)
        pack.target_label, pack.target_rate = target.label, target.rate
        assessments = Assessment.objects.filter(period=period, branch__path__startswith=committee.path)
        by_status = assessments.order_by().values_list("status").annotate(n=Count("id"))
        pack.counts = {S(k).label: n for k, n in by_status if k in S.values}
        pack.confirmed = assessments.filter(status=S.CONFIRMED, branch__status=OrgStatus.ACTIVE).count()
        pack.assessments = list(assessments.select_related("branch").order_by("branch__path"))
        pack.vetoes = [
            (v.assessment.branch.name, veto_text(v))
            for v in Veto.objects.filter(active=True, assessment__in=assessments)
            .select_related("kind", "assessment__branch")
            .order_by("assessment__branch__path", "kind__order", "id")
        ]
        pack.rectifications = list(
            Rectification.objects.filter(assessment__in=assessments)
            .select_related("assessment__branch", "outcome_change__merged_into")
            .order_by("assessment__branch__path", "started_at")
        )
    pack.model_branches = list(
        ModelBranchNomination.objects.filter(branch__path__startswith=committee.path, year=year,
                                             status=NominationStatus.COMMENDED)
        .select_related("branch").order_by("commended_on", "id")
    )  # fmt: skip
    pack.rewards = list(
        RewardSubsidy.objects.filter(organization__path__startswith=committee.path, decided_on__year=year)
        .select_related("organization").order_by("decided_on", "id")
    )  # fmt: skip
    pack.changes = list(
        OrgChange.objects.filter(organization__path__startswith=committee.path, occurred_on__year=year,
                                 kind__in=[OrgChangeKind.DISSOLVED, OrgChangeKind.MERGED])
        .select_related("organization", "merged_into").order_by("occurred_on", "id")
    )  # fmt: skip
    return pack


def pack_html(pack: Pack) -> str:
    from wujin_branch.fonts import font_family_css

    return render_to_string("review/duty_report_pdf.html", {"p": pack, "font_family": font_family_css()})


def pack_pdf(pack: Pack) -> bytes:
    return PdfRenderer(label="述职材料 PDF").pdf(pack_html(pack))


def pack_filename(report: DutyReport) -> str:
    return f"{report.committee.name}-{report.year}年度述职材料.pdf"


# ---------------------------------------------------------------- writes


def _check_year(year):
    this = timezone.localdate().year
    if not MIN_YEAR <= year <= this:
        raise DomainError(f"年度应在{MIN_YEAR}年至{this}年之间。")


def duty_report_generate(*, actor, committee: Organization, year: int) -> DutyReport:
    """Make (or make again, before it is rated) the committee's pack for ``year``."""
    if committee.kind != OrgKind.COMMITTEE or not has_role(actor, VIEW_ROLES, committee):
        raise DomainError("只有区委组织部工作人员或本单位党(工)委审核员可以生成述职材料。")
    _check_year(year)
    with transaction.atomic():
        try:
            with transaction.atomic():
                report, _ = DutyReport.objects.get_or_create(committee=committee, year=year)
        except IntegrityError:  # made by a second click at the same moment
            report = DutyReport.objects.get(committee=committee, year=year)
        report = DutyReport.objects.select_for_update().select_related("committee").get(pk=report.pk)
        if report.is_rated:
            raise DomainError("该述职已评议，述职材料不再重新生成。")
        pack = duty_pack(committee, year)
        content = pack_pdf(pack)
        old = report.pack.name if report.pack else ""
        report.pack.save(f"{committee.pk}-{year}.pdf", ContentFile(content), save=False)
        report.period, report.figures = pack.period, pack.figures()
        report.generated_by, report.generated_at = actor, timezone.now()
        report.version += 1
        report._history_user = actor
        report.full_clean(exclude=["committee", "period", "generated_by", "rated_by"], validate_constraints=False)
        report.save()
        ResultEvent.objects.create(code="results.duty_report.generated", organization=committee, report=report,
                                   actor=actor, details=report.figures)  # fmt: skip
        if old and old != report.pack.name:
            storage, name = report.pack.storage, old
            transaction.on_commit(lambda: storage.delete(name))
    return report


@transaction.atomic
def duty_report_rate(*, actor, report: DutyReport, grade: str, comment: str, rated_on: datetime.date,
                     version: int | None = None, _lock_row=True, _after_read=None) -> DutyReport:  # fmt: skip
    """述职评议: the district's grade, comment and date; recorded once. (``_lock_row`` and
    ``_after_read`` exist for the concurrency test and its control.)"""
    require_district(actor, "只有区委组织部工作人员可以评议述职。")
    qs = DutyReport.objects.select_related("committee")
    r = (qs.select_for_update(of=("self",)) if _lock_row else qs).get(pk=report.pk)
    if _after_read:
        _after_read()
    if version is not None and r.version != int(version):
        raise StaleEditError("该述职刚被其他人处理过，请刷新页面后再看。")
    if r.is_rated:
        raise DomainError(f"该述职已于{r.rated_on:%Y年%m月%d日}评议为“{r.get_grade_display()}”，不能再次评议。")
    if not r.pack:
        raise DomainError("请先生成述职材料，再评议。")
    if grade not in ReportGrade.values:
        raise DomainError("请选择评议等次。", field="grade")
    if rated_on is None or rated_on > timezone.localdate():
        raise DomainError("请填写评议日期（不能晚于今天）。", field="rated_on")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("请填写评议意见。", field="comment")
    r.grade, r.comment, r.rated_on = grade, comment[:4000], rated_on
    r.rated_by, r.rated_at, r.version = actor, timezone.now(), r.version + 1
    r._history_user = actor
    r.full_clean(exclude=["committee", "period", "generated_by", "rated_by"], validate_constraints=False)
    r.save()
    ResultEvent.objects.create(
        code="results.duty_report.rated", organization=r.committee, report=r, actor=actor, comment=r.comment,
        details={"grade": grade, "rated_on": rated_on.isoformat()},
    )  # fmt: skip
    return r
