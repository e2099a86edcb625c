"""学习笔记 per member (seed §二(二)2: 记好学习笔记): dated text or photos of the notebook.

Recorded so that the branch and its reviewers can see them; never a quota or a ranking."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from branches.models import Member, Standing
from branches.permissions import Action, require, require_active_branch
from ledgers.activities.services import photos_attach
from ledgers.models import Photo, StudyNote
from wujin_branch.errors import DomainError


def study_note_add(*, actor, member: Member, noted_on: datetime.date, text: str, photos=()) -> StudyNote:
    """One note of one member: text, photos or both."""
    branch = member.branch
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)
    if member.standing != Standing.ACTIVE:
        raise DomainError("只能为在册党员记录学习笔记。")
    if noted_on > timezone.localdate():
        raise DomainError("日期不能晚于今天。", field="noted_on")
    text = (text or "").strip()
    photos = [p for p in photos or () if p]
    if not text and not photos:
        raise DomainError("请填写笔记内容或上传笔记照片。", field="text")
    with transaction.atomic():
        note = StudyNote(member=member, noted_on=noted_on, text=text, photo_count=len(photos), created_by=actor)
        note.full_clean()
        note._history_user = actor
        note.save()
        if photos:
            photos_attach(actor=actor, branch=branch, owner=note, uploads=photos)
    return note


def study_notes_of(member, year) -> list[tuple[StudyNote, list]]:
    """The member's notes of a year with their photos (two queries)."""
    notes = list(StudyNote.objects.filter(member=member, noted_on__year=year))
    if not notes:
        return []
    ct = ContentType.objects.get_for_model(StudyNote)
    photos = {}
    for p in Photo.objects.filter(owner_type=ct, owner_id__in=[n.pk for n in notes]).order_by("id"):
        photos.setdefault(p.owner_id, []).append(p)
    return [(n, photos.get(n.pk, [])) for n in notes]


def study_note_counts(branch, year) -> dict:
    """{member id: notes in the year} for the branch's active members (one query)."""
    rows = (
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .annotate(n=Count("study_notes", filter=Q(study_notes__noted_on__year=year)))
        .values_list("id", "n")
    )
    return dict(rows)

