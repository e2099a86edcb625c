"""Photos owned by any record (checklist items, notices …): load many owners' photos in one
query, attach checked uploads, remove some, count what stays."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType

from ledgers.activities.services import photos_attach
from ledgers.models import Photo
from wujin_branch.errors import DomainError


def photos_by_owner(model, ids) -> dict[int, list[Photo]]:
    """Photos of many owners of one model, in one query."""
    out = defaultdict(list)
    ids = list(ids)
    if not ids:
        return out
    ct = ContentType.objects.get_for_model(model)
    for p in Photo.objects.filter(owner_type=ct, owner_id__in=ids).order_by("id"):
        out[p.owner_id].append(p)
    return out


def delete_photos(owner, photo_ids, actor) -> int:
    if not photo_ids:
        return 0
    ct = ContentType.objects.get_for_model(owner)
    n = 0
    for photo in Photo.objects.filter(owner_type=ct, owner_id=owner.pk, pk__in=list(photo_ids)):
        photo._history_user = actor
        photo.delete()  # one by one, so each removal is in the history
        n += 1
    return n


def photo_ids(owner) -> set[int]:
    ct = ContentType.objects.get_for_model(owner)
    return set(Photo.objects.filter(owner_type=ct, owner_id=owner.pk).values_list("pk", flat=True))


def kept_photos(owner, remove_photos) -> int:
    """How many of the owner's photos stay after removing ``remove_photos``."""
    if owner is None or owner.pk is None:
        return 0
    return len(photo_ids(owner) - {int(x) for x in remove_photos or ()})


def attach_photos(*, actor, branch, owner, photos):
    """Store checked photos for ``owner``; a refused file raises before anything is stored."""
    if not photos:
        return []
    try:
        return photos_attach(actor=actor, branch=branch, owner=owner, uploads=photos)
    except DomainError as e:
        raise DomainError(e.message, field="photos") from e


def check_photo_limit(keep: int, new, limit: int):
    new = [p for p in new or [] if p is not None]
    if keep + len(new) > limit:
        raise DomainError(f"每项最多 {limit} 张照片。", field="photos")
    return new
