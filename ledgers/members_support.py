"""民主评议党员, annual plans and personal study plans, 联系服务群众: services and selectors.

Writes follow ``branches.services``: keyword-only arguments, an explicit ``actor`` whose
right is checked again here (views check too), validation before the first write, one
transaction, ``_history_user`` on every saved row and ``bulk_*_with_history`` for grids,
so the history shows who changed what. Broken rules raise ``DomainError`` in Chinese.

Reads that build pages are the selectors at the end of each section; each runs a fixed
number of queries whatever the number of members or rows.
"""

import datetime
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from branches.errors import DomainError, StaleEditError
from branches.models import Member, OrgKind, Standing
from branches.permissions import Action, can
from branches.selectors import branches_visible_to

from .models import (
    Activity,
    ActivityType,
    Appraisal,
    AppraisalResult,
    Escalation,
    EscalationStatus,
    Grade,
    NoticeCategory,
    Plan,
    PlanKind,
    PublicNotice,
    ServiceKind,
    ServiceSystem,
    StudyPlan,
)
from .services import check_attachment, roster_on

MIN_YEAR = 2000


def today():
    return timezone.localdate()


def _require(actor, action, branch):
    if actor is None or not can(actor, action, branch):
        raise DomainError("您没有权限执行此操作。")


def _require_active_branch(branch):
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部录入。")


def _check_year(year, *, allow_next=False):
    last = today().year + (1 if allow_next else 0)
    if not isinstance(year, int) or not MIN_YEAR <= year <= last:
        raise DomainError(f"年度应在 {MIN_YEAR}—{last} 之间。", field="year")


def _clean(obj, exclude=None):
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as e:
        msgs = []
        for name, errs in e.message_dict.items():
            label = obj._meta.get_field(name).verbose_name if name != "__all__" else ""
            msgs.append(f"{label}：{'；'.join(errs)}" if label else "；".join(errs))
        raise DomainError("；".join(msgs)) from e


def _text(value, label, *, required=True, max_length=None, field=None):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", field=field)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label}不能超过 {max_length} 字。", field=field)
    return value


def _check_version(obj, version):
    if version is not None and int(version) != obj.version:
        raise StaleEditError()
    obj.version += 1


# ================================================================ 民主评议党员

# The suggested grade from the anonymous ballot (好 / 一般 / 差). Shares are of the
# *ballots*: the members present at the linked 民主评议党员 meeting, or without a linked
# meeting the branch roster on the appraisal day; a ballot that leaves a member unmarked
# counts as a ballot, not as a vote. The rules are tried in this order:
#   1. 差 more than ``unqualified_poor_above`` of the ballots          → 不合格
#   2. 差 at least ``basic_poor_at_least`` of the ballots              → 基本合格
#   3. 好 at least ``excellent_good_at_least`` and 差 at most
#      ``excellent_poor_at_most`` (a number of votes)                  → 优秀
#   4. otherwise                                                       → 合格
# This is only a suggestion: the branch decides each member's grade (it defaults to the
# suggestion), and a grade that differs from the suggestion must carry the reasoning.
# Change the thresholds here; the appraisal page prints the rule in force from this dict.
GRADE_RULE = {
    "unqualified_poor_above": Fraction(1, 2),
    "basic_poor_at_least": Fraction(1, 3),
    "excellent_good_at_least": Fraction(9, 10),
    "excellent_poor_at_most": 0,
}

# A year's appraisal is normally held at the year's end, but may fall into the first
# months of the next year (年度民主评议 held in January): up to this month of year + 1.
APPRAISAL_LATE_UNTIL_MONTH = 3

REASONING_MAX = 300


def _share(fr: Fraction) -> str:
    if 100 % fr.denominator == 0:
        return f"{fr.numerator * (100 // fr.denominator)}%"
    return f"{fr.numerator}/{fr.denominator}"


def grade_rule_text(rule=None) -> list[str]:
    """The rule in force, in words, for the appraisal page."""
    r = rule or GRADE_RULE
    poor_max = r["excellent_poor_at_most"]
    poor_txt = "且无“差”票" if poor_max == 0 else f"且“差”票不超过 {poor_max} 张"
    return [
        f"“差”票超过参加评议人数的 {_share(r['unqualified_poor_above'])}：建议“不合格”",
        f"“差”票达到参加评议人数的 {_share(r['basic_poor_at_least'])}：建议“基本合格”",
        f"“好”票达到参加评议人数的 {_share(r['excellent_good_at_least'])}{poor_txt}：建议“优秀”",
        "其余：建议“合格”",
    ]


def suggest_grade(*, good: int, average: int, poor: int, ballots: int, rule=None) -> str:
    """The grade the tallies suggest under ``GRADE_RULE`` (see above). Exact fractions,
    so 2 of 6 ballots is exactly 1/3 and a threshold is never missed by rounding."""
    r = rule or GRADE_RULE
    if ballots <= 0:
        raise ValueError("ballots must be positive")
    if Fraction(poor, ballots) > r["unqualified_poor_above"]:
        return Grade.UNQUALIFIED
    if Fraction(poor, ballots) >= r["basic_poor_at_least"]:
        return Grade.BASIC
    if Fraction(good, ballots) >= r["excellent_good_at_least"] and poor <= r["excellent_poor_at_most"]:
        return Grade.EXCELLENT
    return Grade.QUALIFIED


def appraisal_window(year) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year + 1, APPRAISAL_LATE_UNTIL_MONTH + 1, 1) - datetime.timedelta(
        days=1
    )


def appraisal_meetings(branch, year):
    """民主评议党员 meeting records the year's appraisal may link to."""
    start, end = appraisal_window(year)
    return Activity.objects.filter(
        branch=branch, type=ActivityType.APPRAISAL, held_on__gte=start, held_on__lte=end
    ).order_by("-held_on", "-id")


def appraisal_ballots(appraisal) -> int:
    """How many ballots there were: the members present at the linked meeting, else the
    roster on the appraisal day. No member's tallies may add up to more than this."""
    if appraisal.meeting_id:
        return appraisal.meeting.present_count
    return roster_on(appraisal.branch, appraisal.held_on).count()


class AppraisalGridError(DomainError):
    """Some rows of the tally grid are wrong; ``rows`` maps member id → message."""

    def __init__(self, rows: dict):
        self.rows = rows
        super().__init__(f"有 {len(rows)} 名党员的评议结果有误，请按提示修改后再保存（本次未保存任何内容）。")


@dataclass(frozen=True)
class TallyInput:
    good: int
    average: int
    poor: int
    grade: str = ""  # empty: take the suggestion
    reasoning: str = ""


def _appraisal_fields(branch, year, *, held_on, meeting, self_notes, mutual_notes, synthesis):
    start, end = appraisal_window(year)
    if held_on is None:
        raise DomainError("请填写评议日期。", field="held_on")
    if held_on > today():
        raise DomainError("评议日期不能晚于今天。", field="held_on")
    if not start <= held_on <= end:
        raise DomainError(
            f"{year}年度民主评议的日期应在 {start:%Y年%m月%d日} 至 {end:%Y年%m月%d日} 之间。", field="held_on"
        )
    if meeting is not None:
        if meeting.branch_id != branch.pk or meeting.type != ActivityType.APPRAISAL:
            raise DomainError("所选会议记录不是本支部的民主评议党员会议。", field="meeting")
        if not start <= meeting.held_on <= end:
            raise DomainError("所选会议记录不在本年度评议期间内。", field="meeting")
    return {
        "held_on": held_on,
        "meeting": meeting,
        "self_notes": _text(self_notes, "个人自评情况", field="self_notes"),
        "mutual_notes": _text(mutual_notes, "党员互评情况", field="mutual_notes"),
        "synthesis": _text(synthesis, "综合分析", required=False),
    }


def _check_existing_tallies(appraisal):
    ballots = appraisal_ballots(appraisal)
    over = [r for r in appraisal.results.select_related("member") if r.good + r.average + r.poor > ballots]
    if over:
        names = "、".join(r.member.name for r in over[:5])
        raise DomainError(
            f"按新的参加评议人数（{ballots} 人），{names} 等 {len(over)} 人的票数合计超出，请先修改评议结果。",
            field="meeting",
        )


@transaction.atomic
def appraisal_create(
    *, actor, branch, year: int, held_on, meeting=None, self_notes: str, mutual_notes: str, synthesis: str = ""
) -> Appraisal:
    _require(actor, Action.EDIT, branch)
    _require_active_branch(branch)
    _check_year(year)
    fields = _appraisal_fields(
        branch,
        year,
        held_on=held_on,
        meeting=meeting,
        self_notes=self_notes,
        mutual_notes=mutual_notes,
        synthesis=synthesis,
    )
    if Appraisal.objects.filter(branch=branch, year=year).exists():
        raise DomainError(f"{year}年度的民主评议已录入，请在原记录上修改。")
    a = Appraisal(branch=branch, year=year, **fields)
    _clean(a, exclude=["branch", "meeting"])
    a._history_user = actor
    try:
        with transaction.atomic():
            a.save()
    except IntegrityError as e:  # someone else created it a moment ago
        raise DomainError(f"{year}年度的民主评议已录入，请刷新页面后在原记录上修改。") from e
    return a


@transaction.atomic
def appraisal_update(
    *, actor, appraisal, version, held_on, meeting=None, self_notes: str, mutual_notes: str, synthesis: str = ""
) -> Appraisal:
    """Notes, date and meeting. After publication the notes can still be completed; a
    changed meeting is refused if the saved tallies would exceed its ballots."""
    _require(actor, Action.EDIT, appraisal.branch)
    a = Appraisal.objects.select_for_update(of=("self",)).select_related("branch").get(pk=appraisal.pk)
    _check_version(a, version)
    fields = _appraisal_fields(
        a.branch,
        a.year,
        held_on=held_on,
        meeting=meeting,
        self_notes=self_notes,
        mutual_notes=mutual_notes,
        synthesis=synthesis,
    )
    if a.published_on and (fields["held_on"] != a.held_on or (meeting.pk if meeting else None) != a.meeting_id):
        raise DomainError("评议结果已在党务公开栏公布，不能再修改评议日期或会议记录。")
    for k, v in fields.items():
        setattr(a, k, v)
    _check_existing_tallies(a)
    _clean(a, exclude=["branch", "meeting"])
    a._history_user = actor
    a.save()
    return a


@transaction.atomic
def appraisal_results_save(*, actor, appraisal, version, rows: dict) -> dict:
    """Save the tally grid in one go: ``rows`` maps member id → ``TallyInput`` or ``None``
    (a blank row: no result, an existing one is removed). Members not in ``rows`` are left
    as they are. Every row is checked before anything is written; wrong rows raise
    ``AppraisalGridError`` with a message per member. Returns counts of created, updated
    and removed results."""
    _require(actor, Action.EDIT, appraisal.branch)
    a = Appraisal.objects.select_for_update(of=("self",)).select_related("branch", "meeting").get(pk=appraisal.pk)
    _check_version(a, version)
    if a.published_on:
        raise DomainError(f"评议结果已于 {a.published_on:%Y年%m月%d日} 在党务公开栏公布，不能再修改。")
    allowed = {m.pk: m for m in appraisal_members(a)}
    unknown = set(rows) - set(allowed)
    if unknown:
        raise DomainError("评议表中有不属于本次评议的党员，请刷新页面后重新填写。")
    ballots = appraisal_ballots(a)
    if ballots <= 0 and any(v is not None for v in rows.values()):
        raise DomainError(
            "参加评议人数为 0：关联的会议记录没有到会人员。"
            if a.meeting_id
            else "评议日期时支部名册上没有党员，无法录入票数。"
        )
    errors = {}
    cleaned = {}
    for member_id, row in rows.items():
        if row is None:
            cleaned[member_id] = None
            continue
        name = allowed[member_id].name
        counts = (row.good, row.average, row.poor)
        if any(not isinstance(n, int) or n < 0 for n in counts):
            errors[member_id] = f"{name}：票数应为不小于 0 的整数。"
            continue
        total = sum(counts)
        if total > ballots:
            errors[member_id] = f"{name}：票数合计 {total} 张，超过参加评议人数 {ballots} 人。"
            continue
        if row.grade and row.grade not in Grade.values:
            errors[member_id] = f"{name}：评定等次无效。"
            continue
        suggested = suggest_grade(good=row.good, average=row.average, poor=row.poor, ballots=ballots)
        grade = row.grade or suggested
        reasoning = (row.reasoning or "").strip()
        if grade != suggested and not reasoning:
            errors[member_id] = (
                f"{name}：评定等次“{Grade(grade).label}”与按票数建议的“{Grade(suggested).label}”不同，"
                "请填写评定理由（支部委员会/党员大会的意见）。"
            )
            continue
        if len(reasoning) > REASONING_MAX:
            errors[member_id] = f"{name}：评定理由不能超过 {REASONING_MAX} 字。"
            continue
        cleaned[member_id] = (row.good, row.average, row.poor, suggested, grade, reasoning)
    if errors:
        raise AppraisalGridError(errors)

    existing = {r.member_id: r for r in a.results.all()}
    to_create, to_update, to_delete = [], [], []
    for member_id, values in cleaned.items():
        old = existing.get(member_id)
        if values is None:
            if old is not None:
                to_delete.append(old)
            continue
        good, average, poor, suggested, grade, reasoning = values
        if old is None:
            to_create.append(
                AppraisalResult(
                    appraisal=a,
                    member_id=member_id,
                    good=good,
                    average=average,
                    poor=poor,
                    suggested_grade=suggested,
                    grade=grade,
                    reasoning=reasoning,
                )
            )
        elif (old.good, old.average, old.poor, old.suggested_grade, old.grade, old.reasoning) != values:
            old.good, old.average, old.poor = good, average, poor
            old.suggested_grade, old.grade, old.reasoning = suggested, grade, reasoning
            to_update.append(old)
    if to_create:
        bulk_create_with_history(to_create, AppraisalResult, default_user=actor)
    if to_update:
        bulk_update_with_history(
            to_update,
            AppraisalResult,
            ["good", "average", "poor", "suggested_grade", "grade", "reasoning"],
            default_user=actor,
        )
    for r in to_delete:  # one by one, so each removal is in the history with its author
        r._history_user = actor
        r.delete()
    a._history_user = actor
    a.save(update_fields=["version"])
    return {"created": len(to_create), "updated": len(to_update), "removed": len(to_delete)}


def _notice_content(appraisal, results) -> str:
    """Names and grades only: the tallies are never posted."""
    by_grade = {g: [] for g in Grade.values}
    for r in results:
        by_grade[r.grade].append(r.member.name)
    a = appraisal
    lines = [f"{a.branch.name}于{a.held_on:%Y年%m月%d日}开展{a.year}年度民主评议党员，评定结果如下："]
    for g in Grade:
        names = by_grade[g.value]
        lines.append(f"{g.label}（{len(names)}人）：{'、'.join(names) if names else '无'}")
    return "\n".join(lines)


@transaction.atomic
def appraisal_publish(*, actor, appraisal, posted_on=None) -> PublicNotice:
    """在党务公开栏公布: sets ``published_on`` and posts the grades (names and grades only)."""
    _require(actor, Action.EDIT, appraisal.branch)
    a = Appraisal.objects.select_for_update(of=("self",)).select_related("branch").get(pk=appraisal.pk)
    if a.published_on:
        raise DomainError(f"评议结果已于 {a.published_on:%Y年%m月%d日} 公布。")
    posted_on = posted_on or today()
    if posted_on > today():
        raise DomainError("公布日期不能晚于今天。", field="posted_on")
    if posted_on < a.held_on:
        raise DomainError("公布日期不能早于评议日期。", field="posted_on")
    results = list(a.results.select_related("member").order_by("member__name_pinyin", "member_id"))
    if not results:
        raise DomainError("尚未录入评议结果，不能公布。")
    notice = PublicNotice(
        branch=a.branch,
        category=NoticeCategory.APPRAISAL,
        title=f"{a.year}年度民主评议党员结果",
        posted_on=posted_on,
        content=_notice_content(a, results),
        created_by=actor,
    )
    _clean(notice, exclude=["branch", "created_by"])
    notice._history_user = actor
    notice.save()
    a.published_on = posted_on
    a._history_user = actor
    a.save(update_fields=["published_on"])
    return notice


# ---------------------------------------------------------------- appraisal reads


def appraisal_for(branch, year) -> Appraisal | None:
    return Appraisal.objects.select_related("meeting", "branch").filter(branch=branch, year=year).first()


def appraisal_members(appraisal):
    """Who the grid lists: the roster on the appraisal day, plus anyone already graded."""
    roster = roster_on(appraisal.branch, appraisal.held_on).values("pk")
    return (
        Member.objects.filter(Q(pk__in=roster) | Q(appraisal_results__appraisal=appraisal))
        .distinct()
        .order_by("name_pinyin", "id")
    )


@dataclass
class GridRow:
    member: Member
    result: AppraisalResult | None
    good: str = ""
    average: str = ""
    poor: str = ""
    grade: str = ""  # the select's value: empty = follow the suggestion
    reasoning: str = ""
    error: str = ""


def appraisal_grid(appraisal, *, posted: dict | None = None, errors: dict | None = None) -> list[GridRow]:
    """The grid rows, in two queries: saved values, or what was just typed after an error."""
    results = {r.member_id: r for r in appraisal.results.all()}
    rows = []
    for m in appraisal_members(appraisal):
        r = results.get(m.pk)
        row = GridRow(member=m, result=r)
        if posted is not None and m.pk in posted:
            row.good, row.average, row.poor, row.grade, row.reasoning = posted[m.pk]
        elif r is not None:
            row.good, row.average, row.poor = str(r.good), str(r.average), str(r.poor)
            row.grade = "" if r.grade == r.suggested_grade else r.grade
            row.reasoning = r.reasoning
        row.error = (errors or {}).get(m.pk, "")
        rows.append(row)
    return rows


def grade_summary(rows: list[GridRow]) -> list[tuple[str, int]]:
    counts = {g: 0 for g in Grade.values}
    for row in rows:
        if row.result is not None:
            counts[row.result.grade] += 1
    return [(g.label, counts[g.value]) for g in Grade]


# ================================================================ plans

PLAN_FILE_EXTENSIONS = (".pdf", ".doc", ".docx")


def check_plan_file(upload):
    """PDF or Word only, then the shared checks (size, signature matching the extension)."""
    name = getattr(upload, "name", "") or "文件"
    if not name.lower().endswith(PLAN_FILE_EXTENSIONS):
        raise DomainError(f"文件“{name}”格式不支持（仅支持 PDF、Word）。", field="file")
    try:
        return check_attachment(upload)
    except DomainError as e:
        raise DomainError(e.message, field="file") from e


@transaction.atomic
def plan_save(*, actor, branch, year: int, kind: str, text: str, upload=None, remove_file: bool = False) -> Plan:
    """The branch's plan of one kind for a year: created the first time, changed after
    (one per kind and year). Text and/or an uploaded PDF/Word file."""
    _require(actor, Action.EDIT, branch)
    _require_active_branch(branch)
    _check_year(year, allow_next=True)
    if kind not in PlanKind.values:
        raise DomainError("计划类别无效。")
    text = (text or "").strip()
    if upload is not None:
        check_plan_file(upload)
    plan = Plan.objects.select_for_update().filter(branch=branch, year=year, kind=kind).first()
    if plan is None:
        plan = Plan(branch=branch, year=year, kind=kind, created_by=actor)
    keeps_file = bool(plan.file) and not remove_file
    if not text and upload is None and not keeps_file:
        raise DomainError("请填写计划内容或上传计划文件。", field="text")
    plan.text = text
    if upload is not None:
        plan.file.save(upload.name, upload, save=False)
    elif remove_file:
        plan.file = ""  # the stored file is kept: the history still points at it
    plan._history_user = actor
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as e:
        raise DomainError("该计划刚被他人录入，请刷新页面后再修改。") from e
    return plan


@dataclass
class PlanSlot:
    kind: str
    label: str
    plan: Plan | None


def plans_checklist(branch, year) -> list[PlanSlot]:
    """One slot per plan kind, filled or not (one query)."""
    plans = {p.kind: p for p in Plan.objects.filter(branch=branch, year=year).select_related("created_by")}
    return [PlanSlot(k.value, k.label, plans.get(k.value)) for k in PlanKind]


# ---------------------------------------------------------------- personal study plans


@transaction.atomic
def study_plans_save(*, actor, branch, year: int, rows: dict, files: dict | None = None) -> dict:
    """The yes/no grid in one go: ``rows`` maps member id → (has_plan, keeps_notes);
    ``files`` member id → an uploaded plan (PDF/Word; an upload counts as having a plan).
    Members not on the branch's roster are refused; a member with nothing ticked and no
    saved row gets no row. Returns counts of created and updated rows."""
    _require(actor, Action.EDIT, branch)
    _require_active_branch(branch)
    _check_year(year, allow_next=True)
    files = {k: v for k, v in (files or {}).items() if v is not None}
    members = {
        m.pk: m for m in Member.objects.filter(branch=branch, standing=Standing.ACTIVE, pk__in=set(rows) | set(files))
    }
    if set(rows) - set(members) or set(files) - set(members):
        raise DomainError("表中有不在本支部名册上的党员，请刷新页面后重新填写。")
    for member_id, upload in files.items():
        try:
            check_plan_file(upload)
        except DomainError as e:
            raise DomainError(f"{members[member_id].name}：{e.message}") from e
    saved = StudyPlan.objects.select_for_update().filter(member_id__in=list(members), year=year)
    existing = {s.member_id: s for s in saved}
    to_create, to_update = [], []
    for member_id in set(rows) | set(files):
        has_plan, keeps_notes = rows.get(member_id, (False, False))
        upload = files.get(member_id)
        has_plan = bool(has_plan) or upload is not None
        keeps_notes = bool(keeps_notes)
        sp = existing.get(member_id)
        if sp is None:
            if not (has_plan or keeps_notes):
                continue
            sp = StudyPlan(member_id=member_id, year=year, has_plan=has_plan, keeps_notes=keeps_notes)
            to_create.append(sp)
        elif (sp.has_plan, sp.keeps_notes) != (has_plan, keeps_notes) or upload is not None:
            sp.has_plan, sp.keeps_notes = has_plan, keeps_notes
            to_update.append(sp)
        if upload is not None:
            sp.file.save(upload.name, upload, save=False)
    if to_create:
        bulk_create_with_history(to_create, StudyPlan, default_user=actor)
    if to_update:
        bulk_update_with_history(to_update, StudyPlan, ["has_plan", "keeps_notes", "file"], default_user=actor)
    return {"created": len(to_create), "updated": len(to_update)}


def study_plan_grid(branch, year) -> list[tuple[Member, StudyPlan | None]]:
    """Active members with their plan of the year (two queries)."""
    members = (
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .order_by("name_pinyin", "id")
        .prefetch_related(Prefetch("study_plans", queryset=StudyPlan.objects.filter(year=year), to_attr="of_year"))
    )
    return [(m, m.of_year[0] if m.of_year else None) for m in members]


def study_plan_counts(branch, year) -> dict:
    """Active members, with a plan, keeping notes (one query)."""
    return Member.objects.filter(branch=branch, standing=Standing.ACTIVE).aggregate(
        total=Count("id", distinct=True),
        with_plan=Count("id", filter=Q(study_plans__year=year, study_plans__has_plan=True), distinct=True),
        with_notes=Count("id", filter=Q(study_plans__year=year, study_plans__keeps_notes=True), distinct=True),
    )


# ================================================================ 联系服务群众

# 年终有考核: the year-end review can be entered from this day of the year on (and the
# form only shows from then), so a review is never typed before the year's work is done.
SERVICE_REVIEW_FROM = (12, 1)  # (month, day)


def service_review_opens(year) -> datetime.date:
    return datetime.date(year, *SERVICE_REVIEW_FROM)


@transaction.atomic
def service_system_save(*, actor, branch, year: int, kind: str, name: str = "", goal: str) -> ServiceSystem:
    """The branch's chosen service system for a year (年初有目标): created or changed."""
    _require(actor, Action.EDIT, branch)
    _require_active_branch(branch)
    _check_year(year, allow_next=True)
    if kind not in ServiceKind.values:
        raise DomainError("请选择服务制度。", field="kind")
    goal = _text(goal, "年度目标", field="goal")
    name = _text(name, "名称", required=False, max_length=100, field="name")
    s = ServiceSystem.objects.select_for_update().filter(branch=branch, year=year).first()
    if s is None:
        s = ServiceSystem(branch=branch, year=year)
    s.kind, s.name, s.goal = kind, name, goal
    _clean(s, exclude=["branch"])
    s._history_user = actor
    try:
        with transaction.atomic():
            s.save()
    except IntegrityError as e:
        raise DomainError("本年度的服务制度刚被他人录入，请刷新页面后再修改。") from e
    return s


@transaction.atomic
def service_review_save(*, actor, system, year_end_review: str, reviewed_on) -> ServiceSystem:
    """年终考核: from ``SERVICE_REVIEW_FROM`` of the year on, dated no later than today."""
    _require(actor, Action.EDIT, system.branch)
    s = ServiceSystem.objects.select_for_update(of=("self",)).select_related("branch").get(pk=system.pk)
    opens = service_review_opens(s.year)
    if today() < opens:
        raise DomainError(f"年终考核自 {opens:%Y年%m月%d日} 起填写。")
    if reviewed_on is None:
        raise DomainError("请填写考核日期。", field="reviewed_on")
    if reviewed_on < opens:
        raise DomainError(f"考核日期不能早于 {opens:%Y年%m月%d日}。", field="reviewed_on")
    if reviewed_on > today():
        raise DomainError("考核日期不能晚于今天。", field="reviewed_on")
    s.year_end_review = _text(year_end_review, "年终考核情况", field="year_end_review")
    s.reviewed_on = reviewed_on
    s._history_user = actor
    s.save()
    return s


@dataclass
class MonthCell:
    month: int
    state: str  # held | missing | current | future | na
    records: list = field(default_factory=list)

    @property
    def state_label(self):
        return {"held": "已开展", "missing": "未开展", "current": "本月待开展", "future": "未到", "na": "不适用"}[
            self.state
        ]


def service_months(branch, year, *, on=None) -> list[MonthCell]:
    """月月有举措: the 12 months with the year's 联系服务群众 records (one query)."""
    on = on or today()
    records = Activity.objects.filter(branch=branch, type=ActivityType.SERVICE, held_on__year=year).only(
        "id", "held_on", "topic", "photo_count"
    )
    by_month = {m: [] for m in range(1, 13)}
    for r in records.order_by("held_on", "id"):
        by_month[r.held_on.month].append(r)
    cells = []
    for m in range(1, 13):
        start = datetime.date(year, m, 1)
        end = datetime.date(year + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1)
        if by_month[m]:
            state = "held"
        elif branch.founded_on and end < branch.founded_on:
            state = "na"
        elif start > on:
            state = "future"
        elif end >= on:
            state = "current"
        else:
            state = "missing"
        cells.append(MonthCell(m, state, by_month[m]))
    return cells


# ---------------------------------------------------------------- 问题上报


@transaction.atomic
def escalation_raise(*, actor, branch, title: str, description: str, raised_on) -> Escalation:
    """The branch passes up a problem of the masses it cannot solve itself."""
    _require(actor, Action.EDIT, branch)
    _require_active_branch(branch)
    if raised_on is None:
        raise DomainError("请填写反映日期。", field="raised_on")
    if raised_on > today():
        raise DomainError("反映日期不能晚于今天。", field="raised_on")
    e = Escalation(
        branch=branch,
        raised_on=raised_on,
        title=_text(title, "问题", max_length=200, field="title"),
        description=_text(description, "具体情况", field="description"),
        created_by=actor,
    )
    _clean(e, exclude=["branch", "created_by", "replied_by"])
    e._history_user = actor
    e.save()
    return e


REPLY_STATUSES = (EscalationStatus.REPLIED, EscalationStatus.RESOLVED)


@transaction.atomic
def escalation_reply(*, actor, escalation, reply: str, status: str) -> Escalation:
    """The upper committee answers (again, if need be): 已答复 or 已解决."""
    _require(actor, Action.APPROVE, escalation.branch)
    e = Escalation.objects.select_for_update(of=("self",)).select_related("branch").get(pk=escalation.pk)
    _require(actor, Action.APPROVE, e.branch)
    if status not in REPLY_STATUSES:
        raise DomainError("请选择处理状态（已答复或已解决）。", field="status")
    e.reply = _text(reply, "答复意见", field="reply")
    e.status = status
    e.replied_by = actor
    e.replied_on = today()
    e._history_user = actor
    e.save()
    return e


# ---------------------------------------------------------------- service reads


def escalations_of(branch):
    return Escalation.objects.filter(branch=branch).select_related("replied_by")


def escalation_inbox(user, *, status=EscalationStatus.OPEN):
    """Escalations of every branch the user may decide for (Action.APPROVE), oldest open
    first. One query, whatever the number of branches; ``status=None`` lists all."""
    qs = Escalation.objects.filter(branch__in=branches_visible_to(user, Action.APPROVE))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("branch", "replied_by").order_by("raised_on", "id")


def get_escalation_for_user(user, pk, action=Action.VIEW) -> Escalation:
    e = Escalation.objects.select_related("branch", "replied_by", "created_by").filter(pk=pk).first()
    if e is None or not can(user, action, e.branch):
        raise Http404("未找到该问题")
    return e


def get_plan_for_user(user, pk, action=Action.VIEW) -> Plan:
    p = Plan.objects.select_related("branch").filter(pk=pk).first()
    if p is None or not can(user, action, p.branch):
        raise Http404("未找到该计划")
    return p


def get_study_plan_for_user(user, pk, action=Action.VIEW) -> StudyPlan:
    s = StudyPlan.objects.select_related("member__branch").filter(pk=pk).first()
    if s is None or not can(user, action, s.member.branch):
        raise Http404("未找到该学习计划")
    return s


def get_appraisal_for_user(user, pk, action=Action.VIEW) -> Appraisal:
    a = Appraisal.objects.select_related("branch", "meeting").filter(pk=pk).first()
    if a is None or not can(user, action, a.branch):
        raise Http404("未找到该评议")
    return a
