"""Pages for 党建工作经费, 阵地 and 党务公开.

Reading: anyone who may view the branch (branch staff, its committee, the district).
Writing: branch staff (``Action.EDIT``); a reviewer gets a 404 on write pages, like a stranger.
Forms parse input only; a ``DomainError`` from ``branch_support`` is shown on the form, which
keeps what was typed (files must be chosen again: browsers never refill a file input).
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.errors import DomainError
from branches.forms import DATE
from branches.permissions import Action, can

from . import branch_support as bs
from .forms import MultipleFileField, MultipleFileInput
from .models import (
    INCOME_CATEGORIES,
    ActivityRoom,
    FundingCategory,
    FundingYear,
    NoticeCategory,
    RoomCheck,
    RoomItem,
    RoomKind,
)
from .services import photos_of

PHOTO_WIDGET_ATTRS = {"accept": "image/*", "capture": "environment"}
PHOTO_HELP = "可直接拍照或从相册选择（JPG/PNG/WebP，单张不超过 15 MB）"


# ---------------------------------------------------------------- forms (parse input only)


class RawFileField(forms.FileField):
    """One optional file, passed to the service as is: the service checks it completely."""

    def clean(self, data, initial=None):
        return data or None


def yuan_field(label, *, required=True, min_value=Decimal("0"), help_text=""):
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=min_value,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def to_fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def fen_to_yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


class FundingYearForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    standard = yuan_field("经费标准（元/年）", required=False)
    standard_basis = forms.CharField(label="标准依据", max_length=120, required=False)
    budget = yuan_field("年度预算（元）")
    has_special_fund = forms.BooleanField(label="已落实党建工作专项经费", required=False)
    has_account = forms.BooleanField(label="设专户（专账）管理", required=False)
    account_name = forms.CharField(label="专户名称", max_length=100, required=False, help_text="账户名称或会计科目")

    def __init__(self, *args, computed: bool, basis_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if computed:
            del self.fields["standard"]
            del self.fields["standard_basis"]
        else:
            self.fields["standard"].required = True
            self.fields["standard_basis"].help_text = basis_hint


EXPENSE_CHOICES = [(c.value, c.label) for c in FundingCategory if c not in INCOME_CATEGORIES]
INCOME_CHOICES = [(c.value, c.label) for c in FundingCategory if c in INCOME_CATEGORIES]


class FundingEntryForm(forms.Form):
    category = forms.ChoiceField(
        label="科目", choices=[("", "— 请选择 —"), ("收入", INCOME_CHOICES), ("支出", EXPENSE_CHOICES)]
    )
    amount = yuan_field("金额（元）", min_value=Decimal("0.01"))
    occurred_on = forms.DateField(label="日期", widget=DATE)
    description = forms.CharField(label="摘要", max_length=200)
    receipt = RawFileField(
        label="票据",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*,application/pdf,.pdf"}),
        help_text="拍照上传发票、收据，或上传 PDF；支出应有票据",
    )
    remove_receipt = forms.BooleanField(label="删除已上传的票据", required=False)

    def __init__(self, *args, has_receipt=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_receipt:
            del self.fields["remove_receipt"]


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


class NoticeForm(forms.Form):
    category = forms.ChoiceField(label="公开类别", choices=NoticeCategory.choices)
    title = forms.CharField(label="标题", max_length=200)
    posted_on = forms.DateField(label="公开日期", widget=DATE)
    content = forms.CharField(label="公开内容", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    photos = MultipleFileField(
        label="公开栏照片", required=False, widget=MultipleFileInput(attrs=PHOTO_WIDGET_ATTRS), help_text=PHOTO_HELP
    )


# ---------------------------------------------------------------- helpers


def _fail(form, err: DomainError):
    form.add_error(err.field if err.field in form.fields else None, err.message)


def _year(request, *, allow_next=False):
    this_year = timezone.localdate().year
    try:
        y = int(request.GET.get("year", ""))
    except ValueError:
        y = this_year
    return max(2000, min(y, this_year + (1 if allow_next else 0)))


def _years(allow_next=False):
    this_year = timezone.localdate().year
    return range(this_year + (1 if allow_next else 0), this_year - 6, -1)


def _removed(request):
    return [int(x) for x in request.POST.getlist("remove_photo") if x.isdigit()]


def _writable_branch(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404("该支部已撤销或撤并")
    return branch


def _can_edit(request, branch):
    return branch.is_active and can(request.user, Action.EDIT, branch)


# ---------------------------------------------------------------- funding


@login_required
def funding_page(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request, allow_next=True)
    ctx = bs.funding_page(branch, year)
    ctx.update(
        branch=branch,
        year=year,
        years=_years(allow_next=True),
        can_edit=_can_edit(request, branch),
        this_year=timezone.localdate().year,
    )
    return render(request, "ledgers/funding_page.html", ctx)


@login_required
def funding_year_edit(request, pk, year):
    branch = _writable_branch(request, pk)
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year + 1:
        raise Http404
    funding = FundingYear.objects.filter(branch=branch, year=year).first()
    computed = bs.standard_is_computed(branch)
    standard = bs.funding_standard(branch, year, funding)
    initial = {"has_special_fund": False, "has_account": False, "budget": fen_to_yuan(standard.fen)}
    if funding:
        initial = {
            "version": funding.version,
            "standard": fen_to_yuan(funding.standard_fen),
            "standard_basis": funding.standard_basis,
            "budget": fen_to_yuan(funding.budget_fen),
            "has_special_fund": funding.has_special_fund,
            "has_account": funding.has_account,
            "account_name": funding.account_name,
        }
    hint = bs.MANUAL_BASIS_HINTS.get(branch.branch_type, bs.MANUAL_BASIS_DEFAULT_HINT)
    form = FundingYearForm(request.POST or None, computed=computed, basis_hint=hint, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            bs.funding_year_save(
                actor=request.user,
                branch=branch,
                year=year,
                version=d["version"],
                budget_fen=to_fen(d["budget"]),
                has_special_fund=d["has_special_fund"],
                has_account=d["has_account"],
                account_name=d["account_name"],
                standard_fen=to_fen(d.get("standard")),
                standard_basis=d.get("standard_basis", ""),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"{year}年度党建工作经费情况已保存。")
            return redirect(reverse("funding_page", args=[branch.pk]) + f"?year={year}")
    return render(
        request,
        "ledgers/funding_year_form.html",
        {
            "branch": branch,
            "year": year,
            "form": form,
            "standard": standard,
            "computed": computed,
            "back": reverse("funding_page", args=[branch.pk]) + f"?year={year}",
        },
    )


def _entry_service_args(d):
    return {
        "category": d["category"],
        "amount_fen": to_fen(d["amount"]),
        "occurred_on": d["occurred_on"],
        "description": d["description"],
        "receipt": d["receipt"],
    }


@login_required
def funding_entry_new(request, pk, year):
    branch = _writable_branch(request, pk)
    today = timezone.localdate()
    if not 2000 <= year <= today.year:
        raise Http404
    default_day = today if year == today.year else None
    form = FundingEntryForm(request.POST or None, request.FILES or None, initial={"occurred_on": default_day})
    if request.method == "POST" and form.is_valid():
        try:
            entry = bs.funding_entry_create(
                actor=request.user, branch=branch, year=year, **_entry_service_args(form.cleaned_data)
            )
        except DomainError as e:
            _fail(form, e)
        else:
            kind = "收入" if entry.is_income else "支出"
            messages.success(request, f"已记一笔{kind}：{entry.description}。")
            return redirect(reverse("funding_page", args=[branch.pk]) + f"?year={year}")
    return render(
        request,
        "ledgers/funding_entry_form.html",
        {
            "branch": branch,
            "year": year,
            "form": form,
            "title": f"记一笔收支（{year}年度）",
            "back": reverse("funding_page", args=[branch.pk]) + f"?year={year}",
        },
    )


@login_required
def funding_entry_edit(request, pk):
    entry = bs.get_entry_for_user(request.user, pk, Action.EDIT)
    branch = entry.funding.branch
    if not branch.is_active:
        raise Http404
    year = entry.funding.year
    initial = {
        "category": entry.category,
        "amount": fen_to_yuan(entry.amount_fen),
        "occurred_on": entry.occurred_on,
        "description": entry.description,
    }
    form = FundingEntryForm(
        request.POST or None, request.FILES or None, initial=initial, has_receipt=bool(entry.receipt)
    )
    if request.method == "POST" and form.is_valid():
        try:
            bs.funding_entry_update(
                actor=request.user,
                entry=entry,
                remove_receipt=form.cleaned_data.get("remove_receipt", False),
                **_entry_service_args(form.cleaned_data),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "收支记录已保存。")
            return redirect(reverse("funding_page", args=[branch.pk]) + f"?year={year}")
    return render(
        request,
        "ledgers/funding_entry_form.html",
        {
            "branch": branch,
            "year": year,
            "form": form,
            "entry": entry,
            "title": f"修改收支记录（{year}年度）",
            "back": reverse("funding_page", args=[branch.pk]) + f"?year={year}",
        },
    )


@login_required
@require_POST
def funding_entry_delete(request, pk):
    entry = bs.get_entry_for_user(request.user, pk, Action.EDIT)
    branch, year = entry.funding.branch, entry.funding.year
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选“确认删除”后再删除。")
        return redirect("funding_entry_edit", pk=entry.pk)
    try:
        bs.funding_entry_delete(actor=request.user, entry=entry)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已删除该收支记录（修改历史中仍可查）。")
    return redirect(reverse("funding_page", args=[branch.pk]) + f"?year={year}")


@login_required
def funding_receipt(request, pk):
    """A receipt: the re-encoded JPEG shown inline, a PDF downloaded (never rendered inline)."""
    entry = bs.get_entry_for_user(request.user, pk)
    if not entry.receipt:
        raise Http404
    is_pdf = entry.receipt.name.lower().endswith(".pdf")
    response = FileResponse(
        entry.receipt.open("rb"),
        content_type="application/pdf" if is_pdf else "image/jpeg",
        as_attachment=is_pdf,
        filename=f"票据{entry.pk}.pdf" if is_pdf else None,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- 阵地


@login_required
def room_page(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    ctx = bs.room_page(branch)
    ctx.update(branch=branch, can_edit=_can_edit(request, branch))
    return render(request, "ledgers/room_page.html", ctx)


@login_required
def room_edit(request, pk):
    branch = _writable_branch(request, pk)
    room = ActivityRoom.objects.filter(branch=branch).first()
    initial = {"kind": RoomKind.OWN if branch.has_own_room else RoomKind.SHARED}
    if room:
        initial = {"kind": room.kind, "shared_with": room.shared_with, "address": room.address, "area_m2": room.area_m2}
    form = RoomForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            bs.room_save(actor=request.user, branch=branch, **form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "活动阵地信息已保存。")
            return redirect("room_page", pk=branch.pk)
    return render(
        request,
        "ledgers/room_form.html",
        {
            "branch": branch,
            "form": form,
            "title": "登记活动阵地" if room is None else "修改活动阵地",
            "back": reverse("room_page", args=[branch.pk]),
        },
    )


@login_required
def room_check_edit(request, pk, item):
    branch = _writable_branch(request, pk)
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
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            bs.room_check_save(
                actor=request.user,
                branch=branch,
                item=item,
                present=d["present"],
                checked_on=d["checked_on"],
                note=d["note"],
                photos=d["photos"],
                remove_photos=_removed(request),
            )
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"“{RoomItem(item).label}”已核对。")
            return redirect("room_page", pk=branch.pk)
    photos = list(photos_of(check)) if check else []
    return render(
        request,
        "ledgers/room_check_form.html",
        {
            "branch": branch,
            "form": form,
            "item_label": RoomItem(item).label,
            "photos": photos,
            "removed": set(_removed(request)),
            "title": f"核对：{RoomItem(item).label}",
            "back": reverse("room_page", args=[branch.pk]),
        },
    )


# ---------------------------------------------------------------- 党务公开


@login_required
def notice_list(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request)
    ctx = bs.notices_page(branch, year)
    ctx.update(branch=branch, year=year, years=_years(), can_edit=_can_edit(request, branch))
    return render(request, "ledgers/notice_list.html", ctx)


@login_required
def notice_new(request, pk):
    branch = _writable_branch(request, pk)
    initial = {"posted_on": timezone.localdate()}
    if request.GET.get("category") in NoticeCategory.values:
        initial["category"] = request.GET["category"]
    form = NoticeForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice = bs.notice_create(actor=request.user, branch=branch, **form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, f"已记录公开事项“{notice.title}”。")
            return redirect("notice_detail", pk=notice.pk)
    return render(
        request,
        "ledgers/notice_form.html",
        {
            "branch": branch,
            "form": form,
            "title": "记录一次党务公开",
            "back": reverse("notice_list", args=[branch.pk]),
        },
    )


@login_required
def notice_detail(request, pk):
    notice = bs.get_notice_for_user(request.user, pk)
    return render(
        request,
        "ledgers/notice_detail.html",
        {
            "notice": notice,
            "branch": notice.branch,
            "photos": list(photos_of(notice)),
            "can_edit": _can_edit(request, notice.branch),
        },
    )


@login_required
def notice_edit(request, pk):
    notice = bs.get_notice_for_user(request.user, pk, Action.EDIT)
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
    if request.method == "POST" and form.is_valid():
        try:
            bs.notice_update(actor=request.user, notice=notice, remove_photos=_removed(request), **form.cleaned_data)
        except DomainError as e:
            _fail(form, e)
        else:
            messages.success(request, "公开事项已保存。")
            return redirect("notice_detail", pk=notice.pk)
    return render(
        request,
        "ledgers/notice_form.html",
        {
            "branch": branch,
            "form": form,
            "notice": notice,
            "photos": list(photos_of(notice)),
            "removed": set(_removed(request)),
            "title": "修改党务公开记录",
            "back": reverse("notice_detail", args=[notice.pk]),
        },
    )


@login_required
@require_POST
def notice_delete(request, pk):
    notice = bs.get_notice_for_user(request.user, pk, Action.EDIT)
    branch = notice.branch
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选“确认删除”后再删除。")
        return redirect("notice_edit", pk=notice.pk)
    try:
        bs.notice_delete(actor=request.user, notice=notice)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("notice_detail", pk=notice.pk)
    messages.success(request, "已删除该公开记录（修改历史中仍可查）。")
    return redirect(reverse("notice_list", args=[branch.pk]) + f"?year={notice.posted_on.year}")
