"""The page of one 民主生活会: what was registered (``branches``) and its photos, with the
upload form for those who may register it."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from branches import flow_selectors
from branches.permissions import Action, can
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from ledgers.life import meetings
from wujin_branch.pages import form_page

PAGE = "ledgers/life_meeting_detail.html"


class LifeMeetingPhotosForm(forms.Form):
    photos = MultipleFileField(label="会议照片", required=True,
                               widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                               help_text=f"最多 {meetings.PHOTO_LIMIT} 张")  # fmt: skip


@login_required
def life_meeting_detail(request, pk):
    meeting = flow_selectors.get_life_meeting_for_user(request.user, pk)
    may_add = can(request.user, Action.APPROVE, meeting.organization) and meeting.organization.is_active
    if request.method == "POST" and not may_add:
        raise Http404("未找到该民主生活会")

    def context():
        return {
            "meeting": meeting,
            "participants": meeting.participants.select_related("branch").order_by("name_pinyin"),
            "photos": list(meetings.life_meeting_photos(meeting)),
            "may_add": may_add,
        }

    if not may_add:
        return render(request, PAGE, {**context(), "form": None})
    return form_page(
        request,
        LifeMeetingPhotosForm(request.POST or None, request.FILES or None),
        lambda d: meetings.life_meeting_photos_add(actor=request.user, meeting=meeting, photos=d["photos"]),
        done=lambda photos: f"已上传{len(photos)}张照片。",
        template=PAGE,
        back=reverse("life_meeting_detail", args=[meeting.pk]),
        uploads=("photos",),
        context=context,
    )
