"""Page reads of 发展党员: the getters (another organization's file is a 404), the
branch's pipeline, one person's 25-step timeline, and what is due next."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from branches.models import Member, MemberStatus, Standing
from branches.permissions import Action
from branches.selectors import get_for_user
from ledgers.development.examinations import examination_row
from ledgers.development.rules import active_rules
from ledgers.development.steps import (
    IN_PROGRESS,
    LAST_CODE,
    STAGE_STEPS,
    STAGES,
    STEP,
    STEPS,
    STOP_CODE,
    Step,
    fmt_day,
)
from ledgers.models import ActivistExamination, Applicant, DevRule, DevStage, DevStep
from wujin_branch.services import today


def get_applicant_for_user(user, pk, action=Action.VIEW) -> Applicant:
    return get_for_user(
        Applicant.objects.select_related("branch", "member"), pk, user, action, missing="未找到该发展对象档案"
    )


def get_step_for_user(user, pk, action=Action.VIEW) -> DevStep:
    return get_for_user(
        DevStep.objects.select_related("applicant__branch"),
        pk,
        user,
        action,
        branch="applicant.branch",
        missing="未找到该材料",
    )


@dataclass
class Due:
    text: str
    day: datetime.date
    level: str  # danger | warning | info | ok
    rule: DevRule | None = None


DUE_TEXTS = {
    # rule code → what the pipeline says while the target step is pending; {date} is the computed day
    "talk_within_month": "应于 {date} 前派人谈话",
    "activist_one_year": "培养满一年 {date}，可确定为发展对象",
    "review_valid_one_year": "政审结论有效至 {date}，支部大会应在此前讨论",
    "approval_normal_3_months": "上级党委一般应于 {date} 前审批",
    "approval_max_6_months": "上级党委审批最迟不超过 {date}",
    "probation_one_year": "预备期满 {date}，可讨论转正",
    "full_approval_3_months": "转正一般应于 {date} 前审批",
}


def dues_for(dates: dict[int, datetime.date], rules, *, on: datetime.date) -> list[Due]:
    """Dates that matter next: rules whose start step is done and whose target step is not."""
    out = []
    for r in rules:
        if r.from_step not in dates or r.to_step in dates:
            continue
        start = dates[r.from_step]
        target = STEP.get(r.to_step)
        name = target.name if target else f"第{r.to_step}步"
        if r.max_days is not None:
            day = start + datetime.timedelta(days=r.max_days)
            text = DUE_TEXTS.get(r.code, "第{to}步“{name}”应于 {date} 前完成")
            if day < on:
                level, text = "danger", text + f"（已逾期 {(on - day).days} 天）"
            elif (day - on).days <= 30:
                level, text = "warning", text + f"（还剩 {(day - on).days} 天）"
            else:
                level = "info"
        elif r.min_days is not None:
            day = start + datetime.timedelta(days=r.min_days)
            text = DUE_TEXTS.get(r.code, "{date} 起可进行第{to}步“{name}”")
            level = "ok" if day <= on else "info"
        else:
            continue
        out.append(Due(text.format(date=fmt_day(day), to=r.to_step, name=name), day, level, r))
    rank = {"danger": 0, "warning": 1, "info": 2, "ok": 3}
    out.sort(key=lambda d: (rank[d.level], d.day))
    return out


def next_code(dates) -> int | None:
    return next((s.code for s in STEPS if s.code not in dates), None)


@dataclass
class PipelineRow:
    applicant: Applicant
    applied_on: datetime.date | None
    done: int
    next_step: Step | None
    dues: list
    n_breaks: int

    @property
    def due(self):
        return self.dues[0] if self.dues else None


def steps_prefetch():
    return Prefetch(
        "steps", queryset=DevStep.objects.only("id", "applicant_id", "code", "done_on", "rule_breaks").order_by("code")
    )


def stage_counts(branch) -> dict:
    return Applicant.objects.filter(branch=branch).aggregate(
        **{s.value: Count("id", filter=Q(stage=s.value)) for s in DevStage}
    )


def pipeline(branch, *, stage: str | None = None, on: datetime.date | None = None) -> dict:
    """The branch's development pipeline in four queries: counts, people, their steps, the rules.

    Without ``stage``: everyone in progress, grouped by stage. With it: that stage only
    (also 正式党员 and 终止培养).
    """
    on = on or today()
    stages = [stage] if stage in DevStage.values else IN_PROGRESS
    people = list(
        Applicant.objects.filter(branch=branch, stage__in=stages).prefetch_related(steps_prefetch()).order_by("id")
    )
    rules = active_rules()
    grouped = defaultdict(list)
    for a in people:
        steps = list(a.steps.all())
        dates = {s.code: s.done_on for s in steps}
        finished = a.stage == DevStage.STOPPED or (a.stage == DevStage.FULL and LAST_CODE in dates)
        nxt = None if finished else next_code(dates)
        grouped[a.stage].append(
            PipelineRow(
                applicant=a,
                applied_on=dates.get(1),
                done=sum(1 for c in dates if c != STOP_CODE),
                next_step=STEP.get(nxt) if nxt else None,
                dues=[] if finished else dues_for(dates, rules, on=on),
                n_breaks=sum(1 for s in steps if s.rule_breaks),
            )
        )
    for rows in grouped.values():
        rows.sort(key=lambda r: (r.applied_on or datetime.date.max, r.applicant.pk))
    return {
        "counts": stage_counts(branch),
        "groups": [(DevStage(s), grouped.get(s, [])) for s in stages],
    }


@dataclass
class TimelineItem:
    step: Step
    row: DevStep | None

    @property
    def breaks(self):
        return self.row.rule_breaks.splitlines() if self.row and self.row.rule_breaks else []


def applicant_page(applicant: Applicant, *, on: datetime.date | None = None) -> dict:
    """The 25-step timeline of one person, grouped by stage, with what is due next and the
    activist examinations, including the ones withdrawn (four queries)."""
    on = on or today()
    rows = list(applicant.steps.select_related("recorded_by").order_by("code"))
    by_code = {r.code: r for r in rows}
    dates = {r.code: r.done_on for r in rows}
    stopped = by_code.get(STOP_CODE)
    rules = active_rules()
    timeline = [(k, STAGES[k], [TimelineItem(STEP[c], by_code.get(c)) for c in STAGE_STEPS[k]]) for k in STAGES]
    finished = applicant.stage == DevStage.STOPPED or LAST_CODE in dates
    nxt = None if finished else next_code(dates)
    exams = list(applicant.examinations.select_related("recorded_by"))
    withdrawn = list(
        ActivistExamination.history.filter(applicant_id=applicant.pk, history_type="-")
        .select_related("history_user")
        .order_by("history_date")
    )
    exam_due = None
    if applicant.stage == DevStage.ACTIVIST and 3 in dates:
        exam_due = examination_row(applicant, dates[3], [e.examined_on for e in exams] + [dates.get(6)], on)
    return {
        "timeline": timeline,
        "stopped": stopped,
        "next_step": STEP.get(nxt) if nxt else None,
        "dues": [] if finished else dues_for(dates, rules, on=on),
        "n_breaks": sum(1 for r in rows if r.rule_breaks),
        "applied_on": dates.get(1),
        "rules": rules,
        "latest_step_id": max((r.pk for r in rows), default=None),
        "examinations": exams,
        "withdrawn_examinations": withdrawn,
        "exam_due": exam_due,
        "can_examine": 3 in dates and applicant.stage != DevStage.STOPPED,
    }


def full_members_on(branch, day) -> int:
    """有表决权的正式党员 on the branch's roster on ``day`` (a hint for 应到)."""
    return (
        Member.objects.filter(branch=branch, status=MemberStatus.FULL, full_member_on__lte=day)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
        .count()
    )
