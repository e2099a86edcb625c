"""On-site inspection (线下实地考察) and the district score adjustments it justifies."""

from django.db import transaction

from assessment import scoring
from assessment.models import Assessment, ItemScore
from assessment.models import AssessmentStatus as S
from assessment.services import score_column_write
from branches.permissions import has_role
from ledgers.activities.services import photos_attach
from review.models import Inspection, ScoreAdjustment
from review.services import BUSY, COMMITTEE_ROLES, DISTRICT_ROLES
from wujin_branch.errors import DomainError, lock_conflicts


@lock_conflicts(BUSY)
def inspection_record(*, actor, assessment, inspected_on, inspectors, items, findings, photos=(), adjustments=None):
    """Record an inspection; ``adjustments`` {item_id: (new district score, reason)} are district-only
    and allowed while the district is judging (declared). Every adjustment keeps its reason.

    The assessment is locked and its state checked after the lock, like a review step; the
    adjusted scores are written by ``score_column_write``, which raises the version, so a
    district score page opened before the inspection cannot silently undo an adjustment."""
    if not has_role(actor, COMMITTEE_ROLES | DISTRICT_ROLES, assessment.branch):
        raise DomainError("只有党(工)委或区委组织部可以记录实地考察。")
    adjustments = adjustments or {}
    if adjustments and not has_role(actor, DISTRICT_ROLES, assessment.branch):
        raise DomainError("只有区委组织部可以根据实地考察调整考核分。")
    with transaction.atomic():
        a = Assessment.objects.select_for_update(of=("self",)).select_related("branch", "period").get(pk=assessment.pk)
        if adjustments and a.status != S.DECLARED:
            raise DomainError("只能在区委组织部验收阶段调整考核分。")
        insp = Inspection.objects.create(assessment=a, inspected_on=inspected_on, inspectors=inspectors,
                                         findings=findings, created_by=actor)  # fmt: skip
        insp.items_checked.set(items)
        scores = {s.item_id: s for s in ItemScore.objects.filter(assessment=a).select_related("item")}
        changed = []
        for item_id, (raw, reason) in adjustments.items():
            s = scores.get(item_id)
            if s is None:
                continue
            if not (reason or "").strip():
                raise DomainError(f"第{s.item.code}项调整分数须写明理由。")
            new = scoring.parse_score(raw, s.item.points, label=f"第{s.item.code}项")
            ScoreAdjustment.objects.create(inspection=insp, item=s.item, old_score=s.district_score, new_score=new,
                                           reason=reason.strip()[:300], by=actor)  # fmt: skip
            s.district_score = new
            s.district_remark = f"实地考察调整：{reason.strip()}"[:300]
            changed.append(s)
        if changed:
            score_column_write(actor=actor, assessment=a, column="district_score", scores=scores, changed=changed)
        if photos:
            photos_attach(actor=actor, branch=a.branch, owner=insp, uploads=photos, require_edit=False)
    return insp
