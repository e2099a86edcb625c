"""Writes for activity records: create/update with attendance, photos and attachments
(integrity flags and their explanations: ``ledgers/activities/integrity.py``).

Uploads are checked completely before the first row is written, so a bad file leaves
nothing half-saved. Integrity checks run after commit (a Celery task; eager without Redis).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.flow_selectors import flowing_in
from branches.models import (
    CommitteeSeat,
    Member,
    MemberStatus,
    MemberTransfer,
    Organization,
    OrgKind,
    PartyGroup,
    Standing,
)
from branches.permissions import Action, require
from ledgers.activities import textsim
from ledgers.books.pdfs import schedule_life_ledger
from ledgers.life.services import filed_snapshot, reopen_after_edit
from ledgers.models import (
    Activity,
    ActivityType,
    Attachment,
    Attendance,
    AttendanceStatus,
    IntegrityFlag,
    LifeMeetingLevel,
    Photo,
)
from wujin_branch import images, outbox
from wujin_branch.errors import DomainError
from wujin_branch.services import require_version

ACTIVITY_FIELDS = [
    "type", "party_group", "held_on", "start_time", "place", "form", "host", "recorder", "topic", "content",
    "decisions", "lecturer", "lecturer_role", "life_level", "team_check", "personal_check",
    "content_category",
]  # fmt: skip
NULLABLE_FIELDS = ("party_group", "start_time", "content_category")
# Records that may carry an education content category (党课 and study records).
CATEGORY_TYPES = (ActivityType.LECTURE, ActivityType.THEME_DAY, ActivityType.OTHER)

ATTACHMENT_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".docx": (b"PK\x03\x04",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xlsx": (b"PK\x03\x04",),
}


def is_frozen(activity) -> bool:
    """Records judged by a submitted self-assessment are frozen (the assessment issue sets this)."""
    hook = getattr(settings, "ACTIVITY_FROZEN_CHECK", None)
    if hook:
        from django.utils.module_loading import import_string

        return import_string(hook)(activity)
    return False


# ---------------------------------------------------------------- who is expected


def roster_on(branch, day):
    """Members on the branch's roster on ``day``: joined by then, not yet gone, and in this
    branch then.

    ``Member.branch`` is where a member is now. Where they were on a past day is read from
    the transfers (接转) since: the ``from_branch`` of their first transfer after ``day`` (none:
    they came from outside the district), or their current branch if they have not moved
    since. So a member who moved on keeps their place in the old branch's past meetings,
    ballots and counts, and a newcomer is not expected at meetings held before they came.
    """
    later = MemberTransfer.objects.filter(member=OuterRef("pk"), occurred_on__gt=day).order_by("occurred_on", "id")
    left_since = MemberTransfer.objects.filter(from_branch=branch, occurred_on__gt=day).values("member_id")
    return (
        Member.objects.filter(Q(branch=branch) | Q(pk__in=left_since))
        .filter(joined_on__lte=day)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
        .alias(moved=Exists(later), branch_then=Subquery(later.values("from_branch_id")[:1]))
        .filter(Q(moved=False, branch=branch) | Q(moved=True, branch_then=branch.pk))
    )


def expected_attendees(*, branch, type, held_on, party_group=None, life_level="") -> list[tuple[Member, bool]]:
    """(member, counts_for_quorum) for everyone expected at an activity of this type.

    党员大会: the roster; only full members (正式党员 on that day) count for the quorum.
    支委会: the committee in office that day. 党小组会 (and group-level 组织生活会): the group.
    Everything else: the roster, everyone counting. Roster meetings also expect the members
    flowing in from other branches (流入地主管), not counting for this branch's quorum.
    """
    if type == ActivityType.COMMITTEE:
        seats = (
            CommitteeSeat.objects.filter(term__branch=branch, term__elected_on__lte=held_on, holder__isnull=False)
            .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gt=held_on))
            .select_related("holder")
            .order_by("position", "id")
        )
        seen, out = set(), []
        for s in seats:
            if s.holder_id not in seen:
                seen.add(s.holder_id)
                out.append((s.holder, True))
        return out
    if type == ActivityType.GROUP or (type == ActivityType.LIFE and life_level == LifeMeetingLevel.GROUP):
        if party_group is None:
            return []
        qs = roster_on(branch, held_on).filter(party_group=party_group)
    else:
        qs = roster_on(branch, held_on)
    members = list(qs.order_by("name_pinyin", "id"))
    guests = [(m, False) for m in flowing_in(branch, held_on).order_by("name_pinyin", "id")]  # 流入: not in the quorum
    if type == ActivityType.CONGRESS:
        return [
            (m, m.status == MemberStatus.FULL and m.full_member_on is not None and m.full_member_on <= held_on)
            for m in members
        ] + guests
    return [(m, True) for m in members] + guests


# ---------------------------------------------------------------- uploads


def check_attachment(upload):
    name = getattr(upload, "name", "") or "附件"
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ATTACHMENT_SIGNATURES:
        raise DomainError(f"附件“{name}”格式不支持（仅支持 PDF、Word、Excel）。")
    if not upload.size:
        raise DomainError(f"附件“{name}”是空文件。")
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise DomainError(f"附件“{name}”超过 {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB。")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(sig) for sig in ATTACHMENT_SIGNATURES[ext]):
        raise DomainError(f"附件“{name}”内容与扩展名不符，已拒绝上传。")
    return upload


def _prepare_uploads(photos, attachments, existing_photos=0):
    photos = [p for p in photos or [] if p is not None]
    if existing_photos + len(photos) > settings.PHOTOS_PER_ACTIVITY:
        raise DomainError(f"每条记录最多 {settings.PHOTOS_PER_ACTIVITY} 张照片。", field="photos")
    try:
        processed = [images.check_and_process(p) for p in photos]
    except DomainError as e:
        e.field = e.field or "photos"  # beside the photo field, where the form keeps the good ones
        raise
    try:
        checked = [check_attachment(a) for a in attachments or [] if a is not None]
    except DomainError as e:
        e.field = e.field or "attachments"
        raise
    return processed, checked


def _store_uploads(activity, processed, attachments, actor):
    for p in processed:
        _save_photo(p, actor=actor, branch_id=activity.branch_id, activity=activity)
    for a in attachments:
        att = Attachment(activity=activity, name=a.name[:200], size=a.size, uploaded_by=actor)
        att.file.save(a.name, a, save=False)
        att.save()


def photos_attach(*, actor, branch, owner, uploads, require_edit=True) -> list[Photo]:
    """Checked photos for a non-activity owner (阵地 checklist item, 党务公开 posting, ...).

    Every file is checked before any is stored; the reuse check covers these photos too.
    """
    from django.contrib.contenttypes.models import ContentType

    if require_edit:  # inspectors (committee/district) attach photos without editing the branch
        require(actor, Action.EDIT, branch)
    processed, _ = _prepare_uploads(uploads, [])
    ct = ContentType.objects.get_for_model(owner)
    with transaction.atomic():
        return [_save_photo(p, actor=actor, branch_id=branch.pk, owner_type=ct, owner_id=owner.pk) for p in processed]


def _save_photo(p, *, actor, **where) -> Photo:
    photo = Photo(
        width=p.width,
        height=p.height,
        taken_at=p.taken_at,
        phash=p.phash,
        band0=p.bands[0],
        band1=p.bands[1],
        band2=p.bands[2],
        band3=p.bands[3],
        sha256=p.sha256,
        original_name=p.name,
        uploaded_by=actor,
        **where,
    )
    photo.original.save(p.original.name, p.original, save=False)
    photo.display.save(p.display.name, p.display, save=False)
    photo.thumb.save(p.thumb.name, p.thumb, save=False)
    photo._history_user = actor
    photo.save()
    return photo


def photos_of(owner):
    from django.contrib.contenttypes.models import ContentType

    return Photo.objects.filter(owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk)


# ---------------------------------------------------------------- create / update


def _validate(activity: Activity):
    today = timezone.localdate()
    if activity.held_on > today:
        raise DomainError("活动日期不能晚于今天（活动开展后再记录）。", field="held_on")
    if activity.held_on == today and activity.start_time and activity.start_time > timezone.localtime().time():
        raise DomainError("活动开始时间晚于现在（活动开展后再记录）。", field="start_time")
    if activity.branch.founded_on and activity.held_on < activity.branch.founded_on:
        raise DomainError("活动日期早于支部成立日期。", field="held_on")
    if not (activity.topic or "").strip():
        raise DomainError("请填写主题。", field="topic")
    if not (activity.content or "").strip():
        raise DomainError("请填写活动内容或会议记录。", field="content")
    needs_group = activity.type == ActivityType.GROUP or (
        activity.type == ActivityType.LIFE and activity.life_level == LifeMeetingLevel.GROUP
    )
    if needs_group:
        if activity.party_group_id is None:
            raise DomainError("请选择党小组。", field="party_group")
        if activity.party_group.branch_id != activity.branch_id:
            raise DomainError("党小组不属于本支部。", field="party_group")
    elif activity.type != ActivityType.LIFE:
        activity.party_group = None
    if activity.type == ActivityType.LECTURE and not activity.lecturer.strip():
        raise DomainError("党课请填写授课人。", field="lecturer")
    if activity.type == ActivityType.LIFE and not activity.life_level:
        raise DomainError("请选择组织生活会层级（党支部或党小组）。", field="life_level")
    if activity.type not in CATEGORY_TYPES:
        activity.content_category = None
    elif activity.content_category is not None and not activity.content_category.active:
        raise DomainError("该教育内容类别已停用，请重新选择。", field="content_category")


def _apply_attendance(activity, attendance: dict, actor=None):
    """Replace attendance with ``{member_id: (status, reason)}`` over the expected list."""
    expected = expected_attendees(
        branch=activity.branch,
        type=activity.type,
        held_on=activity.held_on,
        party_group=activity.party_group,
        life_level=activity.life_level,
    )
    rows = []
    for member, counts in expected:
        status, reason = attendance.get(member.pk, (AttendanceStatus.PRESENT, ""))
        if status not in AttendanceStatus.values:
            raise DomainError(f"{member.name} 的出勤情况无效。")
        if status == AttendanceStatus.LEAVE and not (reason or "").strip():
            raise DomainError(f"请填写 {member.name} 的请假事由。")
        rows.append(
            Attendance(
                activity=activity,
                member=member,
                status=status,
                leave_reason=(reason or "").strip() if status == AttendanceStatus.LEAVE else "",
                counts_for_quorum=counts,
            )
        )
    # Change rows in place so that the history shows who changed whose attendance.
    existing = {a.member_id: a for a in Attendance.objects.filter(activity=activity)}
    wanted = {r.member_id for r in rows}
    for member_id, old in existing.items():
        if member_id not in wanted:
            old._history_user = actor
            old.delete()
    new = []
    for r in rows:
        old = existing.get(r.member_id)
        if old is None:
            new.append(r)
        elif (old.status, old.leave_reason, old.counts_for_quorum) != (r.status, r.leave_reason, r.counts_for_quorum):
            old.status, old.leave_reason, old.counts_for_quorum = r.status, r.leave_reason, r.counts_for_quorum
            old._history_user = actor
            old.save()
    if new:
        bulk_create_with_history(new, Attendance, default_user=actor)
    activity.expected_count = len(rows)
    activity.present_count = sum(r.status == AttendanceStatus.PRESENT for r in rows)
    activity.leave_count = sum(r.status == AttendanceStatus.LEAVE for r in rows)
    activity.quorum_base = sum(r.counts_for_quorum for r in rows)
    activity.quorum_present = sum(r.counts_for_quorum and r.status == AttendanceStatus.PRESENT for r in rows)
    activity.quorum_met = activity.quorum_base > 0 and activity.quorum_present * 2 > activity.quorum_base


def _set_text_hash(activity):
    h = textsim.simhash(activity.content)
    activity.text_hash = h
    b = textsim.bands(h) if h is not None else [None] * 4
    activity.tband0, activity.tband1, activity.tband2, activity.tband3 = b


def _after_commit_checks(*activity_ids):
    from ledgers.activities.tasks import activity_check_integrity

    for activity_id in activity_ids:
        outbox.enqueue(activity_check_integrity, activity_id)


def recheck_after_void(activity):
    """After a void or restore: the record's own flags, and those of records whose flags name
    it (a voided record is compared with nothing, so a flag against it may go)."""
    others = IntegrityFlag.objects.filter(other_activity=activity).values_list("activity_id", flat=True)
    _after_commit_checks(*{activity.pk, *others})


def activity_create(
    *, actor, branch: Organization, data: dict, attendance: dict, photos=(), attachments=()
) -> Activity:
    require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部记录活动。")
    activity = Activity(branch=branch, created_by=actor, **{k: v for k, v in data.items() if k in ACTIVITY_FIELDS})
    for f in ("host", "recorder", "decisions", "lecturer", "lecturer_role", "life_level", "team_check",
              "personal_check"):  # fmt: skip
        setattr(activity, f, getattr(activity, f) or "")
    _validate(activity)
    processed, checked = _prepare_uploads(photos, attachments)
    with transaction.atomic():
        _set_text_hash(activity)
        activity.photo_count = len(processed)
        activity._history_user = actor
        activity.save()
        _apply_attendance(activity, attendance, actor)
        _store_uploads(activity, processed, checked, actor)
        activity.save()
        _after_commit_checks(activity.pk)
        schedule_life_ledger(branch.pk, activity.held_on.year)
    return activity


def activity_update(
    *, actor, activity: Activity, version, data: dict, attendance: dict, photos=(), attachments=(), remove_photos=()
) -> Activity:
    require(actor, Action.EDIT, activity.branch)
    if is_frozen(activity):
        raise DomainError("本记录已随自评报送而锁定，不能修改。")
    with transaction.atomic():
        a = Activity.all_objects.select_for_update().select_related("branch").get(pk=activity.pk)
        if a.voided:
            raise DomainError("本记录已作废，不能修改；如需修改，请先恢复。")
        if a.type == ActivityType.LIFE and a.filings.filter(status="filed").exists():
            raise DomainError("会议记录已报送上级党组织，等待备案期间不能修改；如需修改，请上级党组织退回。")
        require_version(a.version, version)
        filed = filed_snapshot(a)
        old_year = a.held_on.year
        for k, v in data.items():
            if k in ACTIVITY_FIELDS:
                setattr(a, k, v if v is not None or k in NULLABLE_FIELDS else "")
        _validate(a)
        keep = a.photos.exclude(pk__in=list(remove_photos or [])).count()
        processed, checked = _prepare_uploads(photos, attachments, existing_photos=keep)
        for photo in a.photos.filter(pk__in=list(remove_photos or [])):
            photo._history_user = actor
            photo.delete()  # one by one, so each removal is in the history
        _apply_attendance(a, attendance, actor)
        _store_uploads(a, processed, checked, actor)
        _set_text_hash(a)
        a.photo_count = a.photos.count()
        if a.returned:  # amending a record a reviewer returned closes the return
            from ledgers.activities.returns import resolve_on_amend

            resolve_on_amend(a, actor)
        reopen_after_edit(actor=actor, activity=a, before=filed)
        a.version += 1
        a.updated_at = timezone.now()
        a._history_user = actor
        a.save()
        _after_commit_checks(a.pk)
        schedule_life_ledger(a.branch_id, old_year, a.held_on.year)
    return a


def group_for(branch, pk) -> PartyGroup | None:
    if not pk:
        return None
    return PartyGroup.objects.filter(branch=branch, pk=pk, is_active=True).first()
