"""What the assessment page shows about the review: the timeline and the actions this user may take."""

from assessment.models import AssessmentStatus as S
from branches.models import Organization
from branches.permissions import has_role
from review.models import Inspection, PublicationEntry, Rectification, ReviewEvent
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


def panel(user, a):
    actions = available_actions(user, a)
    return {
        "events": timeline(a),
        "actions": actions,
        "is_branch": has_role(user, BRANCH_ROLES, a.branch),
        "is_committee": has_role(user, COMMITTEE_ROLES, a.branch),
        "is_district_role": has_role(user, DISTRICT_ROLES, a.branch),
        "publication_entry": PublicationEntry.objects.filter(assessment=a).select_related("publication").last(),
        "rectifications": Rectification.objects.filter(assessment=a),
        "inspections": Inspection.objects.filter(assessment=a).prefetch_related("adjustments__item"),
        "statuses": S,
        "committee": Organization.objects.filter(path=a.branch.path[: 2 * Organization.steplen]).first(),
    }
