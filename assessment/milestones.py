"""A period's stage milestones (阶段任务): names, due dates and what tracks each, as data.

A stage-1 period gets the seed's four (§三: by the end of 2016, plans made, 空壳 organizations
dissolved, 失联 and law-breaking members handled) when it is created; the district changes
the names and dates, or leaves a measure out, on the period's page. The dashboards count
each from the records (``review.stage_progress``)."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from assessment.models import Period, Stage, StageMeasure, StageMilestone
from branches.permissions import require_district
from wujin_branch.errors import DomainError

STAGE_ONE = [
    (StageMeasure.PLAN, "制定并报送实施方案"),
    (StageMeasure.SHELL, "完成“空壳”党组织清理撤销"),
    (StageMeasure.LOST, "完成“失联”党员处置"),
    (StageMeasure.SCREENING, "完成违法违纪党员排查处理"),
]
ORDER = {m: i for i, m in enumerate(StageMeasure.values)}


@dataclass(frozen=True)
class MilestoneRow:
    measure: str
    name: str
    due_on: datetime.date | None  # None: the measure is not tracked in this period


def stage_one_defaults(period: Period) -> list[MilestoneRow]:
    return [MilestoneRow(m, name, datetime.date(period.year, 12, 31)) for m, name in STAGE_ONE]


def milestones_of(period: Period) -> list[StageMilestone]:
    return list(StageMilestone.objects.filter(period=period))


@transaction.atomic
def milestones_save(*, actor, period: Period, rows: list[MilestoneRow]) -> list[StageMilestone]:
    """The period's milestones become ``rows`` (one per measure; a row without a date drops
    that measure). Field history is kept for every change."""
    require_district(actor)
    period = Period.objects.select_for_update().get(pk=period.pk)
    current = {m.measure: m for m in StageMilestone.objects.filter(period=period)}
    seen = set()
    for row in rows:
        if row.measure not in StageMeasure.values or row.measure in seen:
            raise DomainError("阶段任务的统计口径无效。")
        seen.add(row.measure)
        m = current.get(row.measure)
        if row.due_on is None:
            if m is not None:
                m._history_user = actor
                m.delete()
            continue
        name = (row.name or "").strip() or StageMeasure(row.measure).label
        if len(name) > 60:
            raise DomainError("阶段任务名称不能超过60个字。", field=f"name_{row.measure}")
        if row.due_on < period.window_start:
            raise DomainError("完成期限不能早于考核起始日期。", field=f"due_{row.measure}")
        if m is None:
            m = StageMilestone(period=period, measure=row.measure)
        elif (m.name, m.due_on) == (name, row.due_on):
            continue  # unchanged: no history row
        m.name, m.due_on, m.order = name, row.due_on, ORDER[row.measure]
        m.full_clean(exclude=["period"], validate_constraints=False)
        m._history_user = actor
        m.save()
    return milestones_of(period)


def defaults_for_new(*, actor, period: Period) -> None:
    """Called by ``period_create``: a stage-1 period starts with the seed's milestones."""
    if period.stage == Stage.ONE:
        milestones_save(actor=actor, period=period, rows=stage_one_defaults(period))
