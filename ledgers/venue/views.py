"""Pages for the 阵地: the room and each checklist item with photos."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from branches import selectors as org_selectors
from branches.forms import DATE
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from ledgers.activities.services import photos_of
from ledgers.models import ActivityRoom, RoomCheck, RoomItem, RoomKind
from ledgers.pages import PHOTO_HELP, PHOTO_WIDGET_ATTRS, can_edit, removed_photo_ids, writable_branch
from ledgers.venue import services as venue
from wujin_branch.pages import form_page


class RoomForm(forms.Form):
    kind = forms.ChoiceField(label="阵地类型", choices=RoomKind.choices, widget=forms.RadioSelect)
    shared_with = forms.CharField(
        label="共用单位", max_length=100, required=False, help_text="共用阵地的填写：上级党组织、党群活动中心等"
    )
    address = forms.CharField(label="地址", max_length=200)
    area_m2 = forms.IntegerField(label="面积（平方米）", min_value=1, required=False)


class RoomCheckForm(forms.Form):
    present = forms.TypedChoiceField(
        label="是否具备",
        choices=[("1", "已具备"), ("0", "尚未具备")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    checked_on = forms.DateField(label="核对日期", widget=DATE)
    note = forms.CharField(label="说明", max_length=200, required=False)
    photos = MultipleFileField(
        label="照片", required=False, widget=MultipleFileInput(attrs=PHOTO_WIDGET_ATTRS), help_text=PHOTO_HELP
    )


# ---------------------------------------------------------------- 阵地


@login_required
def room_page(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    ctx = venue.room_page(branch)
    ctx.update(branch=branch, can_edit=can_edit(request, branch))
    return render(request, "ledgers/room_page.html", ctx)


@login_required
def room_edit(request, pk):
    branch = writable_branch(request, pk)
    room = ActivityRoom.objects.filter(branch=branch).first()
    initial = {"kind": RoomKind.OWN if branch.has_own_room else RoomKind.SHARED}
    if room:
        initial = {"kind": room.kind, "shared_with": room.shared_with, "address": room.address, "area_m2": room.area_m2}
    return form_page(
        request,
        RoomForm(request.POST or None, initial=initial),
        lambda d: venue.room_save(actor=request.user, branch=branch, **d),
        done=lambda _: "活动阵地信息已保存。",
        template="ledgers/room_form.html",
        back=reverse("room_page", args=[branch.pk]),
        context={"branch": branch, "title": "登记活动阵地" if room is None else "修改活动阵地"},
    )


@login_required
def room_check_edit(request, pk, item):
    branch = writable_branch(request, pk)
    if item not in RoomItem.values:
        raise Http404
    room = ActivityRoom.objects.filter(branch=branch).first()
    if room is None:
        messages.info(request, "请先登记活动阵地。")
        return redirect("room_edit", pk=branch.pk)
    check = RoomCheck.objects.filter(room=room, item=item).first()
    initial = {"present": "1", "checked_on": timezone.localdate()}
    if check:
        initial = {"present": "1" if check.present else "0", "checked_on": check.checked_on, "note": check.note}
    form = RoomCheckForm(request.POST or None, request.FILES or None, initial=initial)
    return form_page(
        request,
        form,
        lambda d: venue.room_check_save(
            actor=request.user,
            branch=branch,
            item=item,
            present=d["present"],
            checked_on=d["checked_on"],
            note=d["note"],
            photos=d["photos"],
            remove_photos=removed_photo_ids(request),
        ),
        done=lambda _: f"“{RoomItem(item).label}”已核对。",
        template="ledgers/room_check_form.html",
        back=reverse("room_page", args=[branch.pk]),
        context=lambda: {
            "branch": branch,
            "item_label": RoomItem(item).label,
            "photos": list(photos_of(check)) if check else [],
            "removed": set(removed_photo_ids(request)),
            "title": f"核对：{RoomItem(item).label}",
        },
    )
