"""民主评议党员 (seed §二(二)4): the appraisal meeting, the tallies of the
anonymous ballot, grades and their publication.

Writes take keyword-only arguments and an explicit ``actor`` whose right is checked again
here; each is one transaction and writes history (``bulk_*_with_history`` for the grid)."""

import datetime
from dataclasses import dataclass
from fractions import Fraction

from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from branches.permissions import Action, require, require_active_branch
from ledgers.activities.services import roster_on
from ledgers.appraisal.selectors import appraisal_members
from ledgers.models import (
    Activity,
    ActivityType,
    Appraisal,
    AppraisalResult,
    Grade,
    NoticeCategory,
    PublicNotice,
)
from wujin_branch.errors import DomainError
from wujin_branch.services import check_version, check_year, clean, clean_text, today

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
        "self_notes": clean_text(self_notes, "个人自评情况", field="self_notes"),
        "mutual_notes": clean_text(mutual_notes, "党员互评情况", field="mutual_notes"),
        "synthesis": clean_text(synthesis, "综合分析", required=False),
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
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)
    check_year(year)
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
    clean(a, exclude=["branch", "meeting"])
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
    require(actor, Action.EDIT, appraisal.branch)
    a = Appraisal.objects.select_for_update(of=("self",)).select_related("branch").get(pk=appraisal.pk)
    check_version(a, version)
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
    clean(a, exclude=["branch", "meeting"])
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
    require(actor, Action.EDIT, appraisal.branch)
    a = Appraisal.objects.select_for_update(of=("self",)).select_related("branch", "meeting").get(pk=appraisal.pk)
    check_version(a, version)
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
    require(actor, Action.EDIT, appraisal.branch)
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
    clean(notice, exclude=["branch", "created_by"])
    notice._history_user = actor
    notice.save()
    a.published_on = posted_on
    a._history_user = actor
    a.save(update_fields=["published_on"])
    return notice
