"""积极分子考察: the half-yearly examination of an 入党积极分子 (between steps 3 and 7),
and when the next one is due."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery

from branches.permissions import Action, require
from ledgers.development.steps import examination_months, fmt_day, full_clean, months_after
from ledgers.models import ActivistExamination, Applicant, DevStage, DevStep
from wujin_branch.errors import DomainError
from wujin_branch.services import today

EXAMINATION_STEP = 6  # 第6步“培养教育考察”: its date counts as an examination too


def examination_record(
    *, actor, applicant: Applicant, examined_on: datetime.date, examined_by: str, content: str
) -> ActivistExamination:
    """Record one half-yearly examination of an 入党积极分子 (between steps 3 and 7)."""
    require(actor, Action.EDIT, applicant.branch)
    examined_by = (examined_by or "").strip()
    content = (content or "").strip()
    if not examined_by:
        raise DomainError("请填写考察人。", field="examined_by")
    if not content:
        raise DomainError("请填写考察情况。", field="content")
    if examined_on > today():
        raise DomainError("考察日期不能晚于今天（考察后再记录）。", field="examined_on")
    with transaction.atomic():
        a = Applicant.objects.select_for_update(of=("self",)).select_related("branch").get(pk=applicant.pk)
        if not a.branch.is_active:
            raise DomainError("该支部已撤销或撤并，不能再记录。")
        if a.stage == DevStage.STOPPED:
            raise DomainError("已终止培养，不能再记录考察。")
        dates = dict(a.steps.filter(code__in=[3, 7]).values_list("code", "done_on"))
        if 3 not in dates:
            raise DomainError("尚未确定为入党积极分子（第3步），不能记录积极分子考察。")
        if examined_on < dates[3]:
            raise DomainError(f"考察日期不能早于确定为入党积极分子的日期（{fmt_day(dates[3])}）。", field="examined_on")
        if 7 in dates and examined_on > dates[7]:
            raise DomainError(
                f"考察日期不能晚于确定为发展对象的日期（{fmt_day(dates[7])}），此后的考察请记入发展对象阶段的步骤。",
                field="examined_on",
            )
        if a.examinations.filter(examined_on=examined_on).exists():
            raise DomainError(f"{fmt_day(examined_on)} 已有一条考察记录。", field="examined_on")
        exam = ActivistExamination(
            applicant=a, examined_on=examined_on, examined_by=examined_by, content=content, recorded_by=actor
        )
        full_clean(exam)
        exam._history_user = actor
        exam.save()
    return exam


def examination_withdraw(*, actor, examination: ActivistExamination, reason: str) -> None:
    """Remove an examination recorded by mistake (wrong person, wrong date). The row, who
    removed it, when and why stay in its history and are listed on the person's page."""
    require(actor, Action.EDIT, examination.applicant.branch)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写撤销理由。", field="reason")
    with transaction.atomic():
        Applicant.objects.select_for_update(of=("self",)).get(pk=examination.applicant_id)
        exam = ActivistExamination.objects.filter(pk=examination.pk).first()
        if exam is None:
            raise DomainError("该考察记录已被撤销。")
        exam._history_user = actor
        exam._change_reason = reason[:100]
        exam.delete()


def examination_due_on(activist_on: datetime.date, examined: list) -> datetime.date:
    """When the next examination is due: 6 months after the last one, or after becoming an activist."""
    return months_after(max(examined, default=activist_on), examination_months())


@dataclass
class ExaminationDue:
    applicant: Applicant
    activist_on: datetime.date
    last_examined_on: datetime.date | None
    due_on: datetime.date
    on: datetime.date

    @property
    def overdue(self) -> bool:
        return self.on > self.due_on

    @property
    def overdue_days(self) -> int:
        return max(0, (self.on - self.due_on).days)


def examination_row(applicant, activist_on, examined, on) -> ExaminationDue:
    examined = [d for d in examined if d and d >= activist_on]
    return ExaminationDue(
        applicant=applicant,
        activist_on=activist_on,
        last_examined_on=max(examined, default=None),
        due_on=examination_due_on(activist_on, examined),
        on=on,
    )


def examination_status(branch, *, on: datetime.date | None = None) -> list[ExaminationDue]:
    """Every 入党积极分子 of the branch with the day the next examination is due, soonest first (one query).

    The clock starts on step 3 (确定为入党积极分子) and restarts with each examination
    (an ``ActivistExamination`` or step 6). Due on the same day 6 months later; overdue after it.
    """
    on = on or today()
    steps = DevStep.objects.filter(applicant=OuterRef("pk")).order_by()
    last_exam = ActivistExamination.objects.filter(applicant=OuterRef("pk")).order_by("-examined_on")
    people = (
        Applicant.objects.filter(branch=branch, stage=DevStage.ACTIVIST)
        .annotate(
            activist_on=Subquery(steps.filter(code=3).values("done_on")[:1]),
            step6_on=Subquery(steps.filter(code=EXAMINATION_STEP).values("done_on")[:1]),
            last_exam_on=Subquery(last_exam.values("examined_on")[:1]),
        )
        .only("id", "name", "stage", "branch_id")
        .order_by("id")
    )
    rows = []
    for a in people:
        if a.activist_on is None:
            continue
        rows.append(examination_row(a, a.activist_on, [a.step6_on, a.last_exam_on], on))
    rows.sort(key=lambda r: (r.due_on, r.applicant.pk))
    return rows


def overdue_examination_count(branch, *, on: datetime.date | None = None) -> int:
    """入党积极分子 of the branch whose half-yearly examination is overdue (for the branch home; one query)."""
    return sum(1 for r in examination_status(branch, on=on) if r.overdue)
