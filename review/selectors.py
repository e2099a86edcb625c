"""What the assessment page shows about the review: the timeline and the actions this user may take."""

import datetime

from django.utils import timezone

from assessment.models import AssessmentStatus as S
from branches.models import Organization
from branches.permissions import has_role
from review.models import Inspection, ObjectionStatus, PublicationEntry, Rectification, ReviewEvent
from review.services import BRANCH_ROLES, COMMITTEE_ROLES, DISTRICT_ROLES, STEPS


def timeline(assessment):
    return ReviewEvent.objects.filter(assessment=assessment).select_related("actor").order_by("at", "id")


def available_actions(user, a):
    """(action name, label) the user may take now; the services check again after locking."""
    out = []
    for name, step in STEPS.items():
        if a.status in step.sources and has_role(user, step.roles, a.branch):
            out.append(name)
    return out


def _confirm_gate(actions, entry) -> tuple:
    """确认 is offered only when it will be taken: after the notice and with no objection pending."""
    if "confirm" not in actions or entry is None:
        return None, ""
    if timezone.localdate() <= entry.publication.ends_on:
        actions.remove("confirm")
        return entry.publication.ends_on + datetime.timedelta(days=1), ""
    if entry.objections.filter(status=ObjectionStatus.PENDING).exists():
        actions.remove("confirm")
        return None, "还有未处理的异议，处理后可确认。"
    return None, ""


def panel(user, a):
    actions = available_actions(user, a)
    entry = PublicationEntry.objects.filter(assessment=a).select_related("publication").last()
    confirm_from, confirm_blocked = _confirm_gate(actions, entry)
    line = a.period.pass_line
    return {
        "confirm_from": confirm_from,
        "confirm_blocked": confirm_blocked,
        "below_line": a.committee_total is not None and line is not None and a.committee_total < line,
        "events": timeline(a),
        "actions": actions,
        "is_branch": has_role(user, BRANCH_ROLES, a.branch),
        "is_committee": has_role(user, COMMITTEE_ROLES, a.branch),
        "is_district_role": has_role(user, DISTRICT_ROLES, a.branch),
        "publication_entry": entry,
        "rectifications": Rectification.objects.filter(assessment=a),
        "inspections": Inspection.objects.filter(assessment=a).prefetch_related("adjustments__item"),
        "statuses": S,
        "committee": Organization.objects.filter(path=a.branch.path[: 2 * Organization.steplen]).first(),
    }
