"""The register of confirmed 合格支部 and the 评先评优 check (seed 备注 2: being a 规范化建设
合格支部 is a prerequisite for district-level honours of the branch and its 书记).

A branch is on the register for a period once the district confirmed it (``确认``, after the
公示); the date is that step's event. The check answers for a branch, or for a person by
name (the branch they belong to and whether they are its 书记), with the latest confirmed
period — and says so plainly when there is none. Reads only: one query for the page of rows.
"""

from django.db.models import OuterRef, Q, Subquery

from assessment.models import Assessment, Period
from assessment.models import AssessmentStatus as S
from branches.models import CommitteeSeat, Member, OrgKind, Position, Standing
from branches.selectors import branches_visible_to
from review.models import ReviewEvent

CONFIRM_CODE = "review.district.confirmed"


def _confirmed_at():
    return Subquery(
        ReviewEvent.objects.filter(assessment=OuterRef("pk"), code=CONFIRM_CODE).order_by("-at").values("at")[:1]
    )


def _secretary_name():
    seats = CommitteeSeat.objects.filter(
        term__branch=OuterRef("branch_id"), term__ended_on__isnull=True, position=Position.SECRETARY,
        vacated_on__isnull=True, holder__isnull=False,
    )  # fmt: skip
    return Subquery(seats.order_by("-since").values("holder__name")[:1])


def qualified_register(user, *, period=None, q=""):
    """Confirmed assessments the user may see, newest period first, with the confirmation
    time, the score and the branch's current 书记."""
    qs = (
        Assessment.objects.filter(status=S.CONFIRMED, branch__in=branches_visible_to(user))
        .select_related("period", "branch")
        .annotate(confirmed_at=_confirmed_at(), secretary=_secretary_name())
        .order_by("-period__year", "-period_id", "branch__path")
    )
    if period is not None:
        qs = qs.filter(period=period)
    if q:
        qs = qs.filter(branch__name__icontains=q)
    return qs


def register_periods():
    return list(Period.objects.filter(assessments__status=S.CONFIRMED).distinct().order_by("-year", "-id"))


def honour_check(user, q: str) -> list[dict]:
    """For the 评先评优 check: each branch matching ``q`` by name, and each member of a
    visible branch matching it by name, with the branch's latest confirmation (or None)."""
    q = q.strip()
    if not q:
        return []
    visible = branches_visible_to(user)
    branches = list(visible.filter(kind=OrgKind.BRANCH, name__icontains=q).order_by("path")[:20])
    members = list(
        Member.objects.filter(branch__in=visible, standing=Standing.ACTIVE, name=q)
        .select_related("branch")
        .order_by("branch__path", "id")[:20]
    )
    ids = {b.pk for b in branches} | {m.branch_id for m in members}
    latest = {}
    for a in (
        Assessment.objects.filter(branch_id__in=ids, status=S.CONFIRMED)
        .select_related("period")
        .annotate(confirmed_at=_confirmed_at())
        .order_by("branch_id", "-period__year", "-period_id")
    ):
        latest.setdefault(a.branch_id, a)
    secretaries = dict(
        CommitteeSeat.objects.filter(
            Q(term__branch_id__in=ids), term__ended_on__isnull=True, position=Position.SECRETARY,
            vacated_on__isnull=True, holder__isnull=False,
        ).values_list("term__branch_id", "holder_id")
    )  # fmt: skip
    out = [{"branch": b, "member": None, "is_secretary": False, "confirmed": latest.get(b.pk)} for b in branches]
    out += [
        {"branch": m.branch, "member": m, "is_secretary": secretaries.get(m.branch_id) == m.pk,
         "confirmed": latest.get(m.branch_id)}
        for m in members
    ]  # fmt: skip
    return out
