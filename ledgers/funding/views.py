"""Pages for 党建工作经费: the year, its budget, and entries with receipts."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.forms import DATE, VersionedForm
from branches.permissions import Action
from ledgers.funding import rules as funding_rules
from ledgers.funding import selectors as funding_selectors
from ledgers.funding import services as funding_services
from ledgers.models import INCOME_CATEGORIES, FundingCategory, FundingYear
from ledgers.pages import at_year, can_edit, writable_branch
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page, year_param, years_choice
from wujin_branch.storage import stored_response


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


class FundingYearForm(VersionedForm):
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


# ---------------------------------------------------------------- funding


@login_required
def funding_page(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = year_param(request, allow_next=True)
    ctx = funding_selectors.funding_page(branch, year)
    ctx.update(
        branch=branch,
        year=year,
        years=years_choice(allow_next=True),
        can_edit=can_edit(request, branch),
        this_year=timezone.localdate().year,
    )
    return render(request, "ledgers/funding_page.html", ctx)


@login_required
def funding_year_edit(request, pk, year):
    branch = writable_branch(request, pk)
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year + 1:
        raise Http404
    funding = FundingYear.objects.filter(branch=branch, year=year).first()
    computed = funding_rules.standard_is_computed(branch)
    standard = funding_rules.funding_standard(branch, year, funding)
    # version 0: the page was opened before the year had a row (a save then finding one is stale)
    initial = {"version": 0, "has_special_fund": False, "has_account": False, "budget": fen_to_yuan(standard.fen)}
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
    hint = funding_rules.MANUAL_BASIS_HINTS.get(branch.branch_type, funding_rules.MANUAL_BASIS_DEFAULT_HINT)
    form = FundingYearForm(request.POST or None, computed=computed, basis_hint=hint, initial=initial)
    return form_page(
        request,
        form,
        lambda d: funding_services.funding_year_save(
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
        ),
        done=lambda _: f"{year}年度党建工作经费情况已保存。",
        template="ledgers/funding_year_form.html",
        back=at_year("funding_page", branch, year),
        context={"branch": branch, "year": year, "standard": standard, "computed": computed},
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
    branch = writable_branch(request, pk)
    today = timezone.localdate()
    if not 2000 <= year <= today.year:
        raise Http404
    default_day = today if year == today.year else None
    form = FundingEntryForm(request.POST or None, request.FILES or None, initial={"occurred_on": default_day})
    return form_page(
        request,
        form,
        lambda d: funding_services.funding_entry_create(
            actor=request.user, branch=branch, year=year, **_entry_service_args(d)
        ),
        done=lambda entry: f"已记一笔{'收入' if entry.is_income else '支出'}：{entry.description}。",
        template="ledgers/funding_entry_form.html",
        back=at_year("funding_page", branch, year),
        context={"branch": branch, "year": year, "title": f"记一笔收支（{year}年度）"},
    )


@login_required
def funding_entry_edit(request, pk):
    entry = funding_rules.get_entry_for_user(request.user, pk, Action.EDIT)
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
    return form_page(
        request,
        form,
        lambda d: funding_services.funding_entry_update(
            actor=request.user, entry=entry, remove_receipt=d.get("remove_receipt", False), **_entry_service_args(d)
        ),
        done=lambda _: "收支记录已保存。",
        template="ledgers/funding_entry_form.html",
        back=at_year("funding_page", branch, year),
        context={"branch": branch, "year": year, "entry": entry, "title": f"修改收支记录（{year}年度）"},
    )


@login_required
@require_POST
def funding_entry_delete(request, pk):
    entry = funding_rules.get_entry_for_user(request.user, pk, Action.EDIT)
    branch, year = entry.funding.branch, entry.funding.year
    if request.POST.get("confirm") != "1":
        messages.error(request, "请勾选“确认删除”后再删除。")
        return redirect("funding_entry_edit", pk=entry.pk)
    try:
        funding_services.funding_entry_delete(actor=request.user, entry=entry)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已删除该收支记录（修改历史中仍可查）。")
    return redirect(at_year("funding_page", branch, year))


@login_required
def funding_receipt(request, pk):
    """A receipt: the re-encoded JPEG shown inline, a PDF downloaded (never rendered inline)."""
    entry = funding_rules.get_entry_for_user(request.user, pk)
    if not entry.receipt:
        raise Http404
    is_pdf = entry.receipt.name.lower().endswith(".pdf")
    return stored_response(
        entry.receipt,
        content_type="application/pdf" if is_pdf else "image/jpeg",
        as_attachment=is_pdf,
        filename=f"票据{entry.pk}.pdf" if is_pdf else None,
    )
