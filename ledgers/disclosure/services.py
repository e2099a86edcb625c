"""党务公开 (seed §二(四)1): what the branch posted on its 公开栏, by category, with photos."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from branches.models import Organization
from branches.permissions import Action, require_writable
from branches.selectors import get_for_user
from ledgers.activities.photos import (
    attach_photos,
    check_photo_limit,
    delete_photos,
    kept_photos,
    photo_ids,
    photos_by_owner,
)
from ledgers.models import NoticeCategory, PublicNotice
from wujin_branch.errors import DomainError
from wujin_branch.services import clean, today

PHOTOS_PER_NOTICE = getattr(settings, "PHOTOS_PER_ACTIVITY", 12)
# What the seed requires the 党务公开栏 to publish in time; "other" is open-ended.
REQUIRED_NOTICE_CATEGORIES = (
    NoticeCategory.PLAN,
    NoticeCategory.DEVELOPMENT,
    NoticeCategory.DUES,
    NoticeCategory.REWARDS,
    NoticeCategory.APPRAISAL,
)


def get_notice_for_user(user, pk, action=Action.VIEW) -> PublicNotice:
    return get_for_user(
        PublicNotice.objects.select_related("branch", "created_by"), pk, user, action, missing="未找到该公开事项"
    )


# ---------------------------------------------------------------- 党务公开


@dataclass
class NoticeRow:
    notice: PublicNotice
    photos: list


def notices_page(branch, year: int) -> dict:
    """The year's postings with photos, counts per category and the categories still missing."""
    notices = list(
        PublicNotice.objects.filter(branch=branch, posted_on__year=year)
        .select_related("created_by")
        .order_by("-posted_on", "-id")
    )
    photos = photos_by_owner(PublicNotice, [n.pk for n in notices])
    counts = {c: 0 for c in NoticeCategory.values}
    for n in notices:
        counts[n.category] += 1
    return {
        "rows": [NoticeRow(n, photos.get(n.pk, [])) for n in notices],
        "counts": [(c, NoticeCategory(c).label, counts[c]) for c in NoticeCategory.values],
        "missing": missing_notice_categories(counts),
        "total": len(notices),
    }


def missing_notice_categories(counts: dict) -> list[str]:
    """Labels of the required categories with no posting (``counts``: category → number)."""
    return [NoticeCategory(c).label for c in REQUIRED_NOTICE_CATEGORIES if not counts.get(c)]


def notice_counts(branch, year: int) -> dict[str, int]:
    rows = (
        PublicNotice.objects.filter(branch=branch, posted_on__year=year)
        .order_by()
        .values("category")
        .annotate(n=Count("id"))
    )
    return {r["category"]: r["n"] for r in rows}


def _validate_notice(*, category, title, posted_on, content, has_photos):
    if category not in NoticeCategory.values:
        raise DomainError("请选择公开类别。", field="category")
    if not (title or "").strip():
        raise DomainError("请填写标题。", field="title")
    if posted_on is None or posted_on > today():
        raise DomainError("公开日期不能晚于今天（张贴后再记录）。", field="posted_on")
    if not (content or "").strip() and not has_photos:
        raise DomainError("请填写公开内容，或上传公开栏照片。", field="content")


def notice_create(
    *, actor, branch: Organization, category: str, title: str, posted_on: datetime.date, content: str = "", photos=()
) -> PublicNotice:
    require_writable(actor, branch)
    photos = check_photo_limit(0, photos, PHOTOS_PER_NOTICE)
    _validate_notice(category=category, title=title, posted_on=posted_on, content=content, has_photos=bool(photos))
    with transaction.atomic():
        notice = PublicNotice(
            branch=branch,
            category=category,
            title=title.strip(),
            posted_on=posted_on,
            content=(content or "").strip(),
            created_by=actor,
        )
        clean(notice, exclude=["branch"])
        notice._history_user = actor
        notice.save()
        attach_photos(actor=actor, branch=branch, owner=notice, photos=photos)
    return notice


def notice_update(
    *,
    actor,
    notice: PublicNotice,
    category: str,
    title: str,
    posted_on: datetime.date,
    content: str = "",
    photos=(),
    remove_photos=(),
) -> PublicNotice:
    branch = notice.branch
    require_writable(actor, branch)
    with transaction.atomic():
        n = PublicNotice.objects.select_for_update().get(pk=notice.pk)
        keep = kept_photos(n, remove_photos)
        photos = check_photo_limit(keep, photos, PHOTOS_PER_NOTICE)
        _validate_notice(
            category=category, title=title, posted_on=posted_on, content=content, has_photos=bool(keep or photos)
        )
        n.category, n.title, n.posted_on = category, title.strip(), posted_on
        n.content = (content or "").strip()
        clean(n, exclude=["branch"])
        n._history_user = actor
        n.save()
        delete_photos(n, remove_photos, actor)
        attach_photos(actor=actor, branch=branch, owner=n, photos=photos)
    return n


def notice_delete(*, actor, notice: PublicNotice) -> None:
    require_writable(actor, notice.branch)
    with transaction.atomic():
        n = PublicNotice.objects.select_for_update().get(pk=notice.pk)
        delete_photos(n, photo_ids(n), actor)
        n._history_user = actor
        n.delete()
