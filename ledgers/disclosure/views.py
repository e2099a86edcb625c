"""Pages for 党务公开: the year's notices by category, with photos."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.forms import DATE
from branches.permissions import Action
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from ledgers.activities.services import photos_of
from ledgers.disclosure import services as disclosure
from ledgers.models import NoticeCategory
from ledgers.pages import PHOTO_HELP, PHOTO_WIDGET_ATTRS, can_edit, removed_photo_ids, writable_branch
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page, year_param, years_choice


class NoticeForm(forms.Form):
    category = forms.ChoiceField(label="公开类别", choices=NoticeCategory.choices)
    title = forms.CharField(label="标题", max_length=200)
    posted_on = forms.DateField(label="公开日期", widget=DATE)
    content = forms.CharField(label="公开内容", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    photos = MultipleFileField(
        label="公开栏照片", required=False, widget=MultipleFileInput(attrs=PHOTO_WIDGET_ATTRS), help_text=PHOTO_HELP
    )


# ---------------------------------------------------------------- 党务公开


@login_required
def notice_list(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = year_param(request)
    ctx = disclosure.notices_page(branch, year)
    ctx.update(branch=branch, year=year, years=years_choice(), can_edit=can_edit(request, branch))
    return render(request, "ledgers/notice_list.html", ctx)


@login_required
def notice_new(request, pk):
    branch = writable_branch(request, pk)
    initial = {"posted_on": timezone.localdate()}
    if request.GET.get("category") in NoticeCategory.values:
        initial["category"] = request.GET["category"]
    form = NoticeForm(request.POST or None, request.FILES or None, initial=initial)
    return form_page(
        request,
        form,
        lambda d: disclosure.notice_create(actor=request.user, branch=branch, **d),
        done=lambda notice: f"已记录公开事项“{notice.title}”。",
        to=lambda notice: reverse("notice_detail", args=[notice.pk]),
        template="ledgers/notice_form.html",
        back=reverse("notice_list", args=[branch.pk]),
        context={"branch": branch, "title": "记录一次党务公开"},
    )


@login_required
def notice_detail(request, pk):
    notice = disclosure.get_notice_for_user(request.user, pk)
    return render(
        request,
        "ledgers/notice_detail.html",
        {
            "notice": notice,
            "branch": notice.branch,
            "photos": list(photos_of(notice)),
            "can_edit": can_edit(request, notice.branch),
        },
    )


@login_required
def notice_edit(request, pk):
    notice = disclosure.get_notice_for_user(request.user, pk, Action.EDIT)
    branch = notice.branch
    if not branch.is_active:
        raise Http404
    initial = {
        "category": notice.category,
        "title": notice.title,
        "posted_on": notice.posted_on,
        "content": notice.content,
    }
    form = NoticeForm(request.POST or None, request.FILES or None, initial=initial)
    return form_page(
        request,
        form,
        lambda d: disclosure.notice_update(
            actor=request.user, notice=notice, remove_photos=removed_photo_ids(request), **d
        ),
        done=lambda _: "公开事项已保存。",
        template="ledgers/notice_form.html",
        back=reverse("notice_detail", args=[notice.pk]),
        context=lambda: {
            "branch": branch,
            "notice": notice,
            "photos": list(photos_of(notice)),
            "removed": set(removed_photo_ids(request)),
            "title": "修改党务公开记录",
        },
    )


@login_required
@require_POST
def notice_delete(request, pk):
    notice = disclosure.get_notice_for_user(request.user, pk, Action.EDIT)
    branch = notice.branch
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选“确认删除”后再删除。")
        return redirect("notice_edit", pk=notice.pk)
    try:
        disclosure.notice_delete(actor=request.user, notice=notice)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("notice_detail", pk=notice.pk)
    messages.success(request, "已删除该公开记录（修改历史中仍可查）。")
    return redirect(reverse("notice_list", args=[branch.pk]) + f"?year={notice.posted_on.year}")
