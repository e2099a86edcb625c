"""Integrity flags of an activity record (补录, 照片时间不符, 照片重复使用, 会议记录雷同): worked out
after the record is saved (a Celery task, eager without Redis), and the reviewer's explanations."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from branches.permissions import Action, require
from ledgers.activities import textsim
from ledgers.models import Activity, FlagKind, IntegrityFlag, Photo
from wujin_branch import images
from wujin_branch.errors import DomainError


def _band_q(prefix, bands):
    q = Q()
    for i, b in enumerate(bands):
        q |= Q(**{f"{prefix}{i}": b})
    return q


def desired_flags(activity: Activity) -> list[IntegrityFlag]:
    out = []
    tz_today = timezone.localtime(activity.created_at).date()
    delay = (tz_today - activity.held_on).days
    if delay > settings.LATE_ENTRY_DAYS:
        out.append(
            IntegrityFlag(kind=FlagKind.LATE_ENTRY, detail=f"活动日期 {activity.held_on}，{delay} 天后才录入（补录）。")
        )
    photos = list(activity.photos.all())
    for p in photos:
        if p.taken_at:
            taken = timezone.localtime(p.taken_at).date()
            gap = abs((taken - activity.held_on).days)
            if gap > settings.PHOTO_TIME_TOLERANCE_DAYS:
                out.append(
                    IntegrityFlag(
                        kind=FlagKind.PHOTO_TIME, photo=p, detail=f"照片拍摄于 {taken}，与活动日期相差 {gap} 天。"
                    )
                )
        candidates = (
            Photo.objects.filter(_band_q("band", images.hash_bands(p.phash)) | Q(sha256=p.sha256))
            .exclude(activity=activity)
            .exclude(activity__voided=True)
            .select_related("activity__branch", "branch")
            .order_by("uploaded_at", "id")
        )
        for other in candidates:
            if other.sha256 == p.sha256 or images.hamming(other.phash, p.phash) <= 3:
                oa = other.activity
                same = "本支部" if other.branch_id == activity.branch_id else f"“{other.branch.name}”"
                where = f"{oa.held_on} “{oa.topic}”" if oa else "上传的其他材料"
                out.append(
                    IntegrityFlag(
                        kind=FlagKind.REUSED_PHOTO,
                        photo=p,
                        other_activity=oa,
                        detail=f"照片与{same}{where}中的照片相同或高度相似。",
                    )
                )
                break
    if activity.text_hash is not None:
        others = (
            Activity.objects.filter(_band_q("tband", textsim.bands(activity.text_hash)))
            .exclude(pk=activity.pk)
            .select_related("branch")
            .only("id", "text_hash", "held_on", "topic", "branch__name", "branch_id")
            .order_by("created_at", "id")
        )
        for other in others:
            if images.hamming(other.text_hash, activity.text_hash) <= textsim.MAX_DISTANCE:
                same = "本支部" if other.branch_id == activity.branch_id else f"“{other.branch.name}”"
                out.append(
                    IntegrityFlag(
                        kind=FlagKind.SIMILAR_TEXT,
                        other_activity=other,
                        detail=f"会议记录与{same} {other.held_on} “{other.topic}”高度雷同。",
                    )
                )
                break
    return out


@transaction.atomic
def activity_check_integrity(*, activity_id: int) -> int:
    """Recompute one record's flags; explained flags are kept. Idempotent."""
    activity = Activity.all_objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        return 0
    if activity.voided:  # compared with nothing; its flags stay as they were (evidence of the duplicate)
        return 0
    wanted = {(f.kind, f.photo_id, f.other_activity_id): f for f in desired_flags(activity)}
    existing = {(f.kind, f.photo_id, f.other_activity_id): f for f in activity.flags.all()}
    for key, f in existing.items():
        if key not in wanted and not f.explained:
            f.delete()
    created = 0
    for key, f in wanted.items():
        if key not in existing:
            f.activity = activity
            f.save()
            created += 1
    return created


@transaction.atomic
def flag_explain(*, actor, flag: IntegrityFlag, explanation: str) -> IntegrityFlag:
    require(actor, Action.APPROVE, flag.activity.branch)
    explanation = (explanation or "").strip()
    if not explanation:
        raise DomainError("请填写说明。", field="explanation")
    flag = IntegrityFlag.objects.select_for_update().get(pk=flag.pk)
    flag.explained = True
    flag.explanation = explanation[:300]
    flag.explained_by = actor
    flag.explained_at = timezone.now()
    flag._history_user = actor
    flag.save()
    return flag
