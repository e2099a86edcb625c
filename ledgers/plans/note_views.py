"""The page of one member's 学习笔记: the year's notes with their photos, and adding one."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.urls import reverse
from django.utils import timezone

from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action, can
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from ledgers.plans import notes
from wujin_branch.pages import form_page, year_param, years_choice


class StudyNoteForm(forms.Form):
    noted_on = forms.DateField(label="日期", widget=DATE)
    text = forms.CharField(label="笔记内容", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    photos = MultipleFileField(
        label="笔记照片",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="可拍下笔记本的页面上传；填写内容或上传照片均可",
    )


@login_required
def study_notes_page(request, pk):
    member = org_selectors.get_member_for_user(request.user, pk)
    year = year_param(request)
    can_edit = can(request.user, Action.EDIT, member.branch) and member.branch.is_active
    form = StudyNoteForm(request.POST or None, request.FILES or None, initial={"noted_on": timezone.localdate()})
    if request.method == "POST" and not can_edit:
        org_selectors.get_member_for_user(request.user, pk, Action.EDIT)  # 404 for a reader
    back = reverse("study_notes", args=[member.pk]) + f"?year={year}"
    return form_page(
        request,
        form,
        lambda d: notes.study_note_add(
            actor=request.user, member=member, noted_on=d["noted_on"], text=d["text"], photos=d["photos"]
        ),
        done=lambda n: f"已记录{n.noted_on:%Y年%m月%d日}的学习笔记。",
        template="ledgers/study_notes.html",
        back=back,
        uploads=("photos",),
        context=lambda: {
            "member": member,
            "branch": member.branch,
            "year": year,
            "years": years_choice(),
            "notes": notes.study_notes_of(member, year),
            "can_edit": can_edit,
        },
    )
