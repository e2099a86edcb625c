"""党建工作品牌 pages: the list (each user their organizations' brands), the branch's
description form and its revision after a return, the brand's page with the committee's
recommend / return and the district's recognise / decline forms."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from branches.forms import DATE
from branches.models import OrgKind, OrgStatus
from branches.permissions import Action, can, is_district
from branches.selectors import branches_visible_to
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from ledgers.pages import PHOTO_HELP, PHOTO_WIDGET_ATTRS, removed_photo_ids, writable_branch
from review import brands as svc
from wujin_branch.pages import form_page, querystring, with_token

PUBLIC_HELP = "认定后将在“典型宣传”中公开展示：请勿写入党员姓名、身份证号等个人信息。"


class BrandForm(forms.Form):
    name = forms.CharField(label="品牌名称", max_length=60, help_text="如“红色管家”“田间党课”")
    idea = forms.CharField(label="品牌理念", widget=forms.Textarea(attrs={"rows": 3}), help_text=PUBLIC_HELP)
    measures = forms.CharField(label="主要做法", widget=forms.Textarea(attrs={"rows": 5}))
    results = forms.CharField(label="工作成效", widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(
        label="展示照片", required=False, widget=MultipleFileInput(attrs=PHOTO_WIDGET_ATTRS),
        help_text=f"选择用于公开展示的照片，最多 {svc.PHOTOS_PER_BRAND} 张；{PHOTO_HELP}。"
                  "请勿选择能看清党员证件、名单的照片。",
    )  # fmt: skip


class NoteForm(forms.Form):
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    note = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写退回原因。"})  # fmt: skip


class RecogniseForm(forms.Form):
    recognised_on = forms.DateField(label="认定日期", widget=DATE)
    document_number = forms.CharField(label="认定文件文号", max_length=60)
    note = forms.CharField(label="认定意见", required=False)


class DeclineForm(forms.Form):
    note = forms.CharField(label="未予认定的原因", error_messages={"required": "请填写未予认定的原因。"})


class WithdrawForm(forms.Form):
    note = forms.CharField(label="撤销认定的原因", error_messages={"required": "请填写撤销认定的原因。"})


def describable_branches(user):
    """Branches the user may describe a brand for (active, writable)."""
    return branches_visible_to(user, Action.EDIT).filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE)


@login_required
@require_GET
def brand_list(request):
    status = request.GET.get("status", "")
    rows = svc.brands_visible_to(request.user, status=status)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    writable = list(describable_branches(request.user).order_by("path")[:2])
    own = writable[0] if len(writable) == 1 and svc.live_brand_of(writable[0]) is None else None
    return render(request, "review/brands.html", {
        "page": page, "status": status, "statuses": svc.S.choices, "querystring": querystring(status=status),
        "own_branch": own,
    })  # fmt: skip


@login_required
def brand_new(request, pk):
    branch = writable_branch(request, pk)
    if request.method == "GET" and (live := svc.live_brand_of(branch)) is not None:
        messages.info(request, f"{branch.name}已有党建品牌“{live.name}”（{live.get_status_display()}）。")
        return redirect("brand_detail", pk=live.pk)
    form = BrandForm(request.POST or None, request.FILES or None)
    return form_page(
        request, form,
        lambda d: svc.brand_submit(actor=request.user, branch=branch, **d),
        done=lambda b: f"已报送党建品牌“{b.name}”，待党(工)委审核。",
        to=lambda b: reverse("brand_detail", args=[b.pk]),
        template="review/brand_form.html", context={"branch": branch, "title": "描述党建工作品牌"},
        back=reverse("branch_detail", args=[branch.pk]), uploads=("photos",),
    )  # fmt: skip


@login_required
def brand_edit(request, pk):
    brand = svc.get_brand_for_user(request.user, pk, Action.EDIT)
    if not svc.may_revise(request.user, brand):
        raise Http404
    initial = {f: getattr(brand, f) for f, _, _ in svc.TEXTS}
    form = BrandForm(request.POST or None, request.FILES or None, initial=initial)
    return form_page(
        request, form,
        lambda d: svc.brand_revise(actor=request.user, brand=brand, remove_photos=removed_photo_ids(request),
                                   version=brand.version, **d),
        done=lambda b: f"已修改并重新报送党建品牌“{b.name}”。",
        to=lambda b: reverse("brand_detail", args=[b.pk]),
        template="review/brand_form.html",
        context=lambda: {"branch": brand.branch, "brand": brand, "title": "修改党建工作品牌",
                         "photos": list(svc.brand_photos(brand)), "removed": removed_photo_ids(request)},
        back=reverse("brand_detail", args=[brand.pk]), uploads=("photos",),
    )  # fmt: skip


@login_required
@require_GET
def brand_detail(request, pk):
    brand = svc.get_brand_for_user(request.user, pk)
    user = request.user
    ctx = {"brand": brand, "branch": brand.branch, "photos": list(svc.brand_photos(brand)),
           "events": list(brand.events.select_related("actor")), "may_revise": svc.may_revise(user, brand)}  # fmt: skip
    if svc.may_recommend(user, brand):
        ctx["recommend_form"], ctx["return_form"] = with_token(NoteForm(prefix="r")), with_token(ReturnForm(prefix="b"))
    if svc.may_recognise(user, brand):
        ctx["recognise_form"] = with_token(RecogniseForm(prefix="c", initial={"recognised_on": timezone.localdate()}))
        ctx["decline_form"] = with_token(DeclineForm(prefix="d"))
    if svc.may_withdraw(user, brand):
        ctx["withdraw_form"] = with_token(WithdrawForm(prefix="w"))
    return render(request, "review/brand_detail.html", ctx)


STEPS = {
    # step: (form, prefix, may, service call, message)
    "recommend": (NoteForm, "r", svc.may_recommend,
                  lambda u, b, d: svc.brand_recommend(actor=u, brand=b, note=d["note"], version=b.version),
                  "已推荐“{}”，待区委组织部认定。"),
    "return": (ReturnForm, "b", svc.may_recommend,
               lambda u, b, d: svc.brand_return(actor=u, brand=b, note=d["note"], version=b.version),
               "已将“{}”退回支部修改。"),
    "recognise": (RecogniseForm, "c", svc.may_recognise,
                  lambda u, b, d: svc.brand_recognise(actor=u, brand=b, version=b.version, **d),
                  "已认定“{}”为党建工作品牌，已在典型宣传中展示。"),
    "decline": (DeclineForm, "d", svc.may_recognise,
                lambda u, b, d: svc.brand_decline(actor=u, brand=b, note=d["note"], version=b.version),
                "“{}”未予认定，原因已记录。"),
    "withdraw": (WithdrawForm, "w", svc.may_withdraw,
                 lambda u, b, d: svc.brand_withdraw(actor=u, brand=b, note=d["note"], version=b.version),
                 "已撤销“{}”的认定，典型宣传中不再展示。"),
}  # fmt: skip


def _step(request, pk, step):
    form_class, prefix, may, act, message = STEPS[step]
    brand = svc.get_brand_for_user(request.user, pk)
    refused = not may(request.user, brand)
    if refused and step in ("recommend", "return") and not can(request.user, Action.APPROVE, brand.branch):
        raise Http404  # not their committee's: as if it did not exist
    if refused and step in ("recognise", "decline", "withdraw") and not is_district(request.user):
        raise Http404
    form = form_class(request.POST or None, prefix=prefix)
    back = reverse("brand_detail", args=[brand.pk])
    return form_page(request, form, lambda d: act(request.user, brand, d), done=lambda b: message.format(b.name),
                     template="review/brand_step.html", context={"brand": brand, "step": step}, back=back)  # fmt: skip


@login_required
def brand_recommend(request, pk):
    return _step(request, pk, "recommend")


@login_required
def brand_return(request, pk):
    return _step(request, pk, "return")


@login_required
def brand_recognise(request, pk):
    return _step(request, pk, "recognise")


@login_required
def brand_decline(request, pk):
    return _step(request, pk, "decline")


@login_required
def brand_withdraw(request, pk):
    return _step(request, pk, "withdraw")
