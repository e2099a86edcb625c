from decimal import Decimal

from django.db.models import Count, Prefetch, Sum

from assessment.models import Assessment, Period, RubricItem, RubricSection, RubricVersion
from branches.permissions import Action
from branches.selectors import get_for_user


def get_assessment_for_user(user, pk, action=Action.VIEW):
    return get_for_user(
        Assessment.objects.select_related("period__rubric", "branch"), pk, user, action, missing="未找到该考核表"
    )


def current_assessment(branch):
    """The branch's assessment in the most recent open period, if any."""
    return (
        Assessment.objects.filter(branch=branch, period__status__in=["open", "closed"])
        .select_related("period")
        .order_by("-period__year", "-period__created_at")
        .first()
    )


def assessment_sheet(assessment):
    """What the pages show of one assessment's sheet (the same ``Sheet`` the PDF prints)."""
    from assessment.sheets import score_sheet

    sheet = score_sheet(assessment)
    return {"sheet": sheet, "sections": sheet.sections, "totals": sheet.totals, "vetoes": sheet.all_vetoes,
            "active_vetoes": sheet.vetoes}  # fmt: skip


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


def versions():
    return RubricVersion.objects.annotate(n_periods=Count("periods")).order_by("-created_at")
