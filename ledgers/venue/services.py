"""阵地 (seed §二(四)1): the activity room and its checklist of signage, flag and wall items, with photos."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from branches.models import Organization
from branches.permissions import require_writable
from ledgers.activities.photos import attach_photos, check_photo_limit, delete_photos, kept_photos, photos_by_owner
from ledgers.models import ActivityRoom, RoomCheck, RoomItem, RoomKind
from wujin_branch.errors import DomainError
from wujin_branch.services import clean, today

PHOTOS_PER_ROOM_ITEM = 6


# ---------------------------------------------------------------- 阵地


@dataclass
class ChecklistRow:
    item: str
    label: str
    check: RoomCheck | None
    photos: list = field(default_factory=list)

    @property
    def present(self):
        return bool(self.check and self.check.present)

    @property
    def missing(self):
        return not self.present

    @property
    def needs_photo(self):
        return self.present and not self.photos


def room_page(branch) -> dict:
    """The room, the full checklist (every item, recorded or not) with photos, in fixed queries."""
    room = ActivityRoom.objects.filter(branch=branch).first()
    checks = {c.item: c for c in RoomCheck.objects.filter(room=room)} if room else {}
    photos = photos_by_owner(RoomCheck, [c.pk for c in checks.values()])
    rows = []
    for item in RoomItem:
        c = checks.get(item.value)
        rows.append(ChecklistRow(item.value, item.label, c, photos.get(c.pk, []) if c else []))
    mismatch = ""
    if room is not None and (room.kind == RoomKind.OWN) != branch.has_own_room:
        org_says = "有独立活动室" if branch.has_own_room else "无独立活动室"
        mismatch = (
            f"组织基本信息登记为“{org_says}”，阵地登记为“{room.get_kind_display()}”，两者不一致。"
            "组织基本信息由上级党组织修改，请核对后联系上级党组织更正。"
        )
    return {
        "room": room,
        "rows": rows,
        "n_present": sum(r.present for r in rows),
        "n_missing": sum(r.missing for r in rows),
        "n_need_photo": sum(r.needs_photo for r in rows),
        "mismatch": mismatch,
    }


def room_save(
    *, actor, branch: Organization, kind: str, address: str, shared_with: str = "", area_m2: int | None = None
) -> ActivityRoom:
    require_writable(actor, branch)
    if kind not in RoomKind.values:
        raise DomainError("请选择阵地类型。", field="kind")
    shared_with = (shared_with or "").strip()
    address = (address or "").strip()
    if kind == RoomKind.SHARED and not shared_with:
        raise DomainError("共用活动阵地的，请填写与哪个单位共用。", field="shared_with")
    if not address:
        raise DomainError("请填写阵地地址。", field="address")
    if area_m2 is not None and area_m2 <= 0:
        raise DomainError("面积应大于 0。", field="area_m2")
    with transaction.atomic():
        room = ActivityRoom.objects.select_for_update().filter(branch=branch).first() or ActivityRoom(branch=branch)
        room.kind = kind
        room.shared_with = shared_with if kind == RoomKind.SHARED else ""
        room.address = address
        room.area_m2 = area_m2
        clean(room, exclude=["branch"])
        room._history_user = actor
        try:
            with transaction.atomic():
                room.save()
        except IntegrityError:  # registered meanwhile in another tab
            raise DomainError("活动阵地刚被他人登记，请刷新页面后再修改。") from None
    return room


def room_check_save(
    *,
    actor,
    branch: Organization,
    item: str,
    present: bool,
    checked_on: datetime.date,
    note: str = "",
    photos=(),
    remove_photos=(),
) -> RoomCheck:
    """One checklist item: present or not, when checked, photos (checked before any write)."""
    require_writable(actor, branch)
    if item not in RoomItem.values:
        raise DomainError("核对项目无效。")
    if checked_on is None or checked_on > today():
        raise DomainError("核对日期不能晚于今天。", field="checked_on")
    room = ActivityRoom.objects.filter(branch=branch).first()
    if room is None:
        raise DomainError("请先登记活动阵地（地址、类型）。")
    with transaction.atomic():
        check = RoomCheck.objects.select_for_update().filter(room=room, item=item).first()
        photos = check_photo_limit(kept_photos(check, remove_photos), photos, PHOTOS_PER_ROOM_ITEM)
        if check is None:
            check = RoomCheck(room=room, item=item)
        check.present = bool(present)
        check.checked_on = checked_on
        check.note = (note or "").strip()
        clean(check, exclude=["room"])
        check._history_user = actor
        check.save()
        delete_photos(check, remove_photos, actor)
        attach_photos(actor=actor, branch=branch, owner=check, photos=photos)
    return check
