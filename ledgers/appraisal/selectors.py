"""Reads for 民主评议党员 pages: the year's appraisal, its members and the tally grid (fixed queries)."""

from dataclasses import dataclass

from django.db.models import Q

from branches.models import Member
from branches.permissions import Action
from branches.selectors import get_for_user
from ledgers.activities.services import roster_on
from ledgers.models import Appraisal, AppraisalResult, Grade

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


def get_appraisal_for_user(user, pk, action=Action.VIEW) -> Appraisal:
    return get_for_user(Appraisal.objects.select_related("branch", "meeting"), pk, user, action, missing="未找到该评议")
