"""Photos of a 民主生活会 (``branches.LifeMeeting``, 区管党员领导干部), 图文结合 like every record.

The meeting stays in ``branches`` (it is about the organization and its cadres); its photos
are ordinary ``Photo`` rows with the meeting as their generic owner, attached here because
photos live in ``ledgers`` (imports go branches <- ledgers). The page that shows a meeting is
therefore served from ``ledgers`` too (same address and URL name as before)."""

from django.db import transaction

from branches.flow_models import LifeMeeting
from branches.models import OrgStatus
from branches.permissions import Action, require
from ledgers.activities.photos import check_photo_limit, photo_ids
from ledgers.activities.services import photos_attach, photos_of
from ledgers.models import Photo
from wujin_branch.errors import DomainError

PHOTO_LIMIT = 12


def life_meeting_photos_add(*, actor, meeting: LifeMeeting, photos) -> list[Photo]:
    """Checked photos of the meeting, added by whoever may register it (the committee of its
    unit or the district)."""
    require(actor, Action.APPROVE, meeting.organization)
    if meeting.organization.status != OrgStatus.ACTIVE:
        raise DomainError("该单位党组织已撤销或撤并，不能再上传照片。")
    photos = [p for p in photos or () if p]
    if not photos:
        raise DomainError("请选择要上传的照片。", field="photos")
    with transaction.atomic():
        LifeMeeting.objects.select_for_update().filter(pk=meeting.pk).first()  # one upload at a time per meeting
        check_photo_limit(len(photo_ids(meeting)), photos, PHOTO_LIMIT)
        try:
            return photos_attach(actor=actor, branch=meeting.organization, owner=meeting, uploads=photos,
                                 require_edit=False)  # fmt: skip
        except DomainError as e:
            raise DomainError(e.message, field="photos") from e


def life_meeting_photos(meeting: LifeMeeting):
    return photos_of(meeting).order_by("id")
