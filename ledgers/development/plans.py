"""The branch's yearly development plan (计划申报审批) and who was actually developed,
against the plan's structure targets."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F, IntegerField, Q
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear

from branches.models import Education, Occupation, Organization, OrgKind
from branches.permissions import Action, require
from ledgers.development.steps import full_clean
from ledgers.models import DevelopmentPlan, DevStep
from wujin_branch.errors import DomainError

COLLEGE_OR_ABOVE = [Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE]
FRONTLINE = [Occupation.WORKER, Occupation.FARMER]
YOUNG_AGE = 35


PLAN_FIELDS = ["planned_count", "target_young_pct", "target_college_pct", "target_frontline_pct", "text"]


def plan_save(*, actor, branch: Organization, year: int, **data) -> DevelopmentPlan:
    """Create or change the branch's plan for a year; a change after approval needs approval again."""
    require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部制定发展计划。")
    for k in ("target_young_pct", "target_college_pct", "target_frontline_pct"):
        v = data.get(k)
        if v is not None and not 0 <= v <= 100:
            raise DomainError("占比目标应在 0 到 100 之间。", field=k)
    with transaction.atomic():
        plan = DevelopmentPlan.objects.select_for_update().filter(branch=branch, year=year).first()
        plan = plan or DevelopmentPlan(branch=branch, year=year)
        changed = False
        for k in PLAN_FIELDS:
            if k in data:
                v = data[k] if data[k] is not None or k != "text" else ""
                changed |= getattr(plan, k) != v
                setattr(plan, k, v)
        if changed and plan.approved_by_upper:
            plan.approved_by_upper = False
        full_clean(plan)
        plan._history_user = actor
        plan.save()
    return plan


def plan_approve(*, actor, plan: DevelopmentPlan, approved: bool = True) -> DevelopmentPlan:
    """计划申报审批: the upper committee approves (or withdraws approval of) a branch's plan."""
    require(actor, Action.APPROVE, plan.branch)
    with transaction.atomic():
        p = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
        p.approved_by_upper = approved
        p._history_user = actor
        p.save()
    return p


@dataclass
class Structure:
    count: int
    young: int
    college: int
    frontline: int

    def pct(self, n):
        return round(n * 100 / self.count, 1) if self.count else None

    @property
    def young_pct(self):
        return self.pct(self.young)

    @property
    def college_pct(self):
        return self.pct(self.college)

    @property
    def frontline_pct(self):
        return self.pct(self.frontline)


def developed_in_year(branch, year):
    """Step-17 rows (接收为预备党员) of the branch dated in ``year``."""
    return DevStep.objects.filter(applicant__branch=branch, code=17, done_on__year=year)


def actual_structure(branch, year) -> Structure:
    """Who was developed in ``year`` (approved as 预备党员): count and structure, in one aggregate query.

    Under 35 means under 35 on the approval day: the 35th birthday falls after it.
    """
    as_int = IntegerField()
    qs = developed_in_year(branch, year).annotate(
        b35=Cast(ExtractYear("applicant__birth_date"), as_int) + YOUNG_AGE,
        bmd=Cast(ExtractMonth("applicant__birth_date"), as_int) * 100
        + Cast(ExtractDay("applicant__birth_date"), as_int),
        dy=Cast(ExtractYear("done_on"), as_int),
        dmd=Cast(ExtractMonth("done_on"), as_int) * 100 + Cast(ExtractDay("done_on"), as_int),
    )
    young = Q(b35__gt=F("dy")) | Q(b35=F("dy"), bmd__gt=F("dmd"))
    r = qs.aggregate(
        count=Count("id"),
        young=Count("id", filter=young),
        college=Count("id", filter=Q(applicant__education__in=COLLEGE_OR_ABOVE)),
        frontline=Count("id", filter=Q(applicant__occupation__in=FRONTLINE)),
    )
    return Structure(**r)


@dataclass
class Compare:
    label: str
    target: int | None
    actual: float | None

    @property
    def met(self):
        if self.target is None or self.actual is None:
            return None
        return self.actual >= self.target


def plan_page(branch, year) -> dict:
    plan = DevelopmentPlan.objects.filter(branch=branch, year=year).first()
    s = actual_structure(branch, year)
    people = list(
        developed_in_year(branch, year)
        .select_related("applicant")
        .only("id", "done_on", "applicant__id", "applicant__name", "applicant__birth_date",
              "applicant__education", "applicant__occupation")
        .order_by("done_on", "id")
    )  # fmt: skip
    rows = [
        Compare("35岁以下占比", plan.target_young_pct if plan else None, s.young_pct),
        Compare("大专以上学历占比", plan.target_college_pct if plan else None, s.college_pct),
        Compare("一线工人、农民占比", plan.target_frontline_pct if plan else None, s.frontline_pct),
    ]
    return {"plan": plan, "structure": s, "compare": rows, "developed": people}
