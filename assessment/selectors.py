from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Sum
from django.http import Http404

from assessment import scoring
from assessment.models import Assessment, ItemScore, Period, RubricItem, RubricSection, RubricVersion, Veto
from branches.permissions import Action, can
from wujin_branch.models import Job


def get_assessment_for_user(user, pk, action=Action.VIEW):
    a = Assessment.objects.select_related("period__rubric", "branch").filter(pk=pk).first()
    if a is None or not can(user, action, a.branch):
        raise Http404("未找到该考核表")
    return a


def current_assessment(branch):
    """The branch's assessment in the most recent open period, if any."""
    return (
        Assessment.objects.filter(branch=branch, period__status__in=["open", "closed"])
        .select_related("period")
        .order_by("-period__year", "-period__created_at")
        .first()
    )


@dataclass
class SheetSection:
    section: RubricSection
    rows: list  # (item, score)
    totals: dict  # column -> SectionTotal


def assessment_sheet(assessment):
    """Sections, items and scores of one assessment with totals per column (four queries)."""
    sections = list(
        RubricSection.objects.filter(version=assessment.period.rubric).prefetch_related(
            Prefetch("items", queryset=RubricItem.objects.order_by("order"))
        )
    )
    scores = {s.item_id: s for s in ItemScore.objects.filter(assessment=assessment)}
    columns = {c: scoring.totals(sections, scores, c) for c in scoring.COLUMNS}
    out = []
    for idx, s in enumerate(sections):
        out.append(
            SheetSection(
                section=s,
                rows=[(i, scores.get(i.pk)) for i in s.items.all()],
                totals={c: columns[c].sections[idx] for c in scoring.COLUMNS},
            )
        )
    vetoes = list(Veto.objects.filter(assessment=assessment).select_related("kind", "entered_by"))
    return {
        "sections": out,
        "totals": columns,
        "vetoes": vetoes,
        "active_vetoes": [v for v in vetoes if v.active],
    }


def rubric_overview(version):
    sections = list(
        RubricSection.objects.filter(version=version)
        .annotate(items_points=Sum("items__points"), n_items=Count("items"))
        .prefetch_related(Prefetch("items", queryset=RubricItem.objects.order_by("order")))
    )
    items_total = sum((s.items_points or Decimal("0") for s in sections), Decimal("0"))
    declared_total = sum((s.max_points for s in sections), Decimal("0"))
    mismatches = [s for s in sections if (s.items_points or 0) != s.max_points]
    return {
        "sections": sections,
        "items_total": items_total,
        "declared_total": declared_total,
        "mismatches": mismatches,
        "n_items": sum(s.n_items for s in sections),
    }


def periods_with_counts():
    return Period.objects.select_related("rubric").annotate(n=Count("assessments")).order_by("-year", "-created_at")


def period_status_counts(period, user=None):
    qs = Assessment.objects.filter(period=period)
    if user is not None:
        from branches.permissions import scope_q

        qs = qs.filter(scope_q(user, Action.VIEW, prefix="branch__"))
    return dict(qs.values_list("status").annotate(n=Count("id")).order_by())


def get_job(pk):
    return Job.objects.filter(pk=pk).first()


def versions():
    return RubricVersion.objects.annotate(n_periods=Count("periods")).order_by("-created_at")
