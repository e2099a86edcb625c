"""党费 pages: the month grid (treasurers tick a whole branch at once), the yearly base
verification, and arrears with reminders.

Reading needs VIEW on the branch (committee reviewers, district); writing needs EDIT
(branch secretary and Party-affairs worker). A foreign or missing id is a 404, and so is a
write by someone who may only read. The forms here only parse; ``ledgers.dues`` decides.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.forms import DATE, MonthField
from branches.models import Member, Standing
from branches.permissions import Action, can
from ledgers import dues
from ledgers.models import DuesGroup, PaymentMethod
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page

MAX_YUAN = Decimal("1000000")


# ---------------------------------------------------------------- parsing


def _split(message: str) -> list[str]:
    return [m for m in message.split("；") if m]


def _parse_yuan(text, who, label, errors) -> int | None:
    text = (text or "").strip().replace(",", "").replace("，", "").removesuffix("元")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(f"{who}：{label}“{text}”不是有效的金额。")
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_YUAN:
        errors.append(f"{who}：{label}“{text}”不是有效的金额。")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(f"{who}：{label}最多保留两位小数（元）。")
        return None
    return dues.yuan_to_fen(amount)


def _parse_date(text, who, label, errors) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(f"{who}：{label}“{text}”不是有效的日期。")
        return None


def _ids(post) -> list[int]:
    out = []
    for v in post.getlist("m"):
        try:
            out.append(int(v))
        except ValueError:
            continue
    return out


def _month(request) -> datetime.date:
    current = dues.month_start(dues.today())
    month = dues.parse_month(request.POST.get("month") or request.GET.get("month") or "") or current
    return min(max(month, dues.FIRST_MONTH), dues.add_months(current, dues.PREPAY_MONTHS))


def _year(request) -> int:
    this_year = dues.today().year
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    return min(max(year, dues.FIRST_MONTH.year), this_year + 1)


# ---------------------------------------------------------------- month grid


def _parse_grid(post):
    """(rows for the service, what was typed per member, errors)."""
    errors, rows, typed = [], [], {}
    default_on = _parse_date(post.get("default_paid_on"), "交纳日期", "默认日期", errors)
    default_method = post.get("default_method") or PaymentMethod.CASH
    for pk in _ids(post):
        f = {
            "paid": post.get(f"paid_{pk}") == "1",
            "amount": (post.get(f"amount_{pk}") or "").strip(),
            "paid_on": (post.get(f"paid_on_{pk}") or "").strip(),
            "method": post.get(f"method_{pk}") or "",
            "paid_by": (post.get(f"paid_by_{pk}") or "").strip(),
        }
        typed[pk] = f
        who = f"第{len(typed)}行"
        amount = _parse_yuan(f["amount"], who, "金额", errors) if f["paid"] else None
        paid_on = _parse_date(f["paid_on"], who, "交纳日期", errors) if f["paid"] else None
        rows.append(
            dues.PaymentInput(
                member_id=pk,
                paid=f["paid"],
                amount_fen=amount,
                paid_on=paid_on or default_on,
                method=f["method"] or default_method,
                paid_by=f["paid_by"],
            )
        )
    return rows, typed, errors


def _grid_initial(row):
    p = row.payment
    return {
        "paid": p is not None,
        "amount": dues.yuan(p.amount_fen) if p else row.expected_yuan,
        "paid_on": p.paid_on.isoformat() if p else "",
        "method": p.method if p else "",
        "paid_by": p.paid_by if p else "",
    }


@login_required
def dues_month(request, pk):
    write = request.method == "POST"
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT if write else Action.VIEW)
    month = _month(request)
    url = f"{reverse('dues_month', args=[branch.pk])}?month={month:%Y-%m}"
    errors, typed = [], {}
    if write:
        rows, typed, errors = _parse_grid(request.POST)
        if not errors:
            try:
                result = dues.dues_month_save(actor=request.user, branch=branch, month=month, rows=rows)
            except DomainError as e:
                errors = _split(e.message)
            else:
                done = f"新登记 {result.created} 人，修改 {result.updated} 人"
                if result.deleted:
                    done += f"，撤销 {result.deleted} 人"
                messages.success(request, f"已保存{dues.month_label(month)}党费：{done}。")
                if result.warning:
                    messages.warning(request, result.warning)
                return redirect(url)
    grid = dues.dues_month_grid(branch, month)
    for row in grid["rows"]:
        row.form = typed.get(row.member.pk) or _grid_initial(row)
    current = dues.month_start(dues.today())
    prev_month, next_month = dues.add_months(month, -1), dues.add_months(month, 1)
    return render(
        request,
        "ledgers/dues_month.html",
        {
            "branch": branch,
            "grid": grid,
            "month": month,
            "month_label": dues.month_label(month),
            "prev_month": prev_month if prev_month >= dues.FIRST_MONTH else None,
            "next_month": next_month if next_month <= dues.add_months(current, dues.PREPAY_MONTHS) else None,
            "is_future": month > current,
            "back_warning": grid["months_back"] > dues.BACK_PAYMENT_WARN_MONTHS,
            "paid_total": dues.yuan(grid["paid_total_fen"]),
            "errors": errors,
            "default_paid_on": request.POST.get("default_paid_on") if write else dues.today().isoformat(),
            "default_method": request.POST.get("default_method") if write else PaymentMethod.CASH,
            "methods": PaymentMethod.choices,
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
            "warn_months": dues.BACK_PAYMENT_WARN_MONTHS,
        },
    )


# ---------------------------------------------------------------- yearly bases


def _parse_bases(post, names):
    """(rows for the service, what was typed per member, errors). Rows of members with no
    base yet and nothing typed are left out: they stay "not verified"."""
    errors, rows, typed = [], [], {}
    for pk in _ids(post):
        f = {
            "group": post.get(f"group_{pk}") or "",
            "base": (post.get(f"base_{pk}") or "").strip(),
            "fixed": (post.get(f"fixed_{pk}") or "").strip(),
            "reduced": post.get(f"reduced_{pk}") == "1",
            "reduced_amount": (post.get(f"reduced_amount_{pk}") or "").strip(),
            "reason": (post.get(f"reason_{pk}") or "").strip(),
            "decision": (post.get(f"decision_{pk}") or "").strip(),
            "approval": (post.get(f"approval_{pk}") or "").strip(),
        }
        typed[pk] = f
        had = post.get(f"had_{pk}") == "1"
        if f["group"] not in DuesGroup.values:
            errors.append(f"{names.get(pk, '党员')}：请选择党费类别。")
            continue
        needs_base = f["group"] in dues.BASE_GROUPS
        if needs_base and not f["base"] and not had and not f["reduced"]:
            continue
        who = names.get(pk, "党员")
        rows.append(
            dues.BaseInput(
                member_id=pk,
                group=f["group"],
                declared_base_fen=_parse_yuan(f["base"], who, "基数", errors) if needs_base else None,
                chosen_fen=_parse_yuan(f["fixed"], who, "月交纳额", errors) if f["group"] == DuesGroup.FARMER else None,
                reduced=f["reduced"],
                reduced_fen=_parse_yuan(f["reduced_amount"], who, "减免后金额", errors) if f["reduced"] else None,
                reduction_reason=f["reason"],
                branch_decision=f["decision"],
                upper_approval=f["approval"],
            )
        )
    return rows, typed, errors


def _bases_initial(row):
    b = row.base
    return {
        "group": row.group,
        "base": dues.yuan(row.declared_fen) if row.declared_fen else "",
        "fixed": dues.yuan(row.chosen_fen) if row.chosen_fen is not None else "",
        "reduced": bool(b and b.reduced),
        "reduced_amount": dues.yuan(b.monthly_fen) if b and b.reduced else "",
        "reason": b.reduction_reason if b else "",
        "decision": b.branch_decision if b else "",
        "approval": b.upper_approval if b else "",
    }


@login_required
def dues_bases(request, pk):
    write = request.method == "POST"
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT if write else Action.VIEW)
    year = _year(request)
    page = dues.dues_bases_page(branch, year)
    errors, typed = [], {}
    if write:
        names = {r.member.pk: r.member.name for r in page["rows"]}
        rows, typed, errors = _parse_bases(request.POST, names)
        if not errors:
            try:
                result = dues.dues_bases_save(actor=request.user, branch=branch, year=year, rows=rows)
            except DomainError as e:
                errors = _split(e.message)
            else:
                messages.success(
                    request,
                    f"已保存{year}年党费基数核定：新核定 {result['created']} 人，修改 {result['updated']} 人。",
                )
                return redirect(f"{reverse('dues_bases', args=[branch.pk])}?year={year}")
    for row in page["rows"]:
        row.form = typed.get(row.member.pk) or _bases_initial(row)
    this_year = dues.today().year
    return render(
        request,
        "ledgers/dues_bases.html",
        {
            "branch": branch,
            "year": year,
            "years": range(this_year + 1, this_year - 5, -1),
            "page": page,
            "errors": errors,
            "groups": DuesGroup.choices,
            "base_groups": sorted(dues.BASE_GROUPS),
            "can_edit": can(request.user, Action.EDIT, branch) and branch.is_active,
        },
    )


# ---------------------------------------------------------------- arrears and reminders


@login_required
def dues_arrears(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk)
    can_edit = can(request.user, Action.EDIT, branch) and branch.is_active
    arrears = dues.dues_arrears_for(branch)
    return render(
        request,
        "ledgers/dues_arrears.html",
        {
            "branch": branch,
            "arrears": arrears,
            "last_month_label": dues.month_label(arrears.last_month),
            "lookback": dues.arrears_lookback_months(),
            "flag_months": dues.ARREARS_FLAG_MONTHS,
            "ways": dues.REMINDER_WAYS,
            "today": dues.today().isoformat(),
            "can_edit": can_edit,
            "recipients": len(dues.staff_emails([branch.pk]).get(branch.pk, [])) if can_edit else 0,
        },
    )


@login_required
@require_POST
def dues_remind(request, pk):
    member = org_selectors.get_member_for_user(request.user, pk, Action.EDIT)
    errors = []
    reminded_on = _parse_date(request.POST.get("reminded_on"), member.name, "提醒日期", errors) or dues.today()
    if errors:
        messages.error(request, errors[0])
    else:
        try:
            r = dues.dues_reminder_record(
                actor=request.user,
                member=member,
                reminded_on=reminded_on,
                way=request.POST.get("way", ""),
                note=request.POST.get("note", "")[:200],
            )
        except DomainError as e:
            messages.error(request, f"{member.name}：{e.message}")
        else:
            messages.success(request, f"已记录：{r.reminded_on:%Y年%m月%d日}{r.way}提醒{member.name}交纳党费。")
    return redirect(f"{reverse('dues_arrears', args=[member.branch_id])}#m{member.pk}")


@login_required
@require_POST
def dues_notify(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    try:
        recipients = dues.dues_digest_request(actor=request.user, branch=branch)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        if recipients:
            messages.success(request, f"欠交名单将发送到本支部 {len(recipients)} 名工作人员的邮箱。")
        else:
            messages.warning(request, "本支部书记和党务工作者都没有登记邮箱，无法发送。")
    return redirect("dues_arrears", pk=branch.pk)


# ---------------------------------------------------------------- 补录


class BackfillForm(forms.Form):
    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none())
    first = MonthField(label="起始月份")
    last = MonthField(label="截止月份")
    paid_on = forms.DateField(
        label="交纳日期", widget=DATE, required=False, help_text="不填：按各月按时交纳（各月最后一天）登记"
    )
    method = forms.ChoiceField(label="交纳方式", choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    paid_by = forms.CharField(label="代交人", max_length=50, required=False, help_text="本人交纳不填")

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        members = Member.objects.filter(branch=branch, standing=Standing.ACTIVE).order_by("name_pinyin", "id")
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: f"{m.name}（党费起算月 {dues.month_label(m.dues_from)}）"


@login_required
def dues_backfill(request, pk):
    """补录: a member's months already paid (before or after the 党费起算月), in one go."""
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    initial = {
        "member": request.GET.get("member"),
        "first": dues.parse_month(request.GET.get("first", "")),
        "last": dues.parse_month(request.GET.get("last", "")) or dues.add_months(dues.month_start(dues.today()), -1),
    }
    form = BackfillForm(request.POST or None, branch=branch, initial=initial)

    def act(d):
        r = dues.dues_backfill(
            actor=request.user, member=d["member"], first_month=d["first"], last_month=d["last"],
            paid_on=d["paid_on"], method=d["method"], paid_by=d["paid_by"],
        )  # fmt: skip
        return d, r

    def done(result):
        d, r = result
        span = f"{dues.month_label(d['first'])}至{dues.month_label(d['last'])}"
        said = f"已为{d['member'].name}补录{span}的党费 {len(r.created)} 个月，合计 {dues.yuan(r.total_fen)} 元"
        if r.already_paid:
            said += f"；已登记的 {len(r.already_paid)} 个月未改动"
        if r.waived:
            said += f"；经批准免交的 {len(r.waived)} 个月不需登记"
        return said + "。"

    arrears = reverse("dues_arrears", args=[branch.pk])
    return form_page(
        request, form, act, done=done, template="ledgers/dues_backfill.html", context={"branch": branch},
        back=arrears, to=lambda result: f"{arrears}#m{result[0]['member'].pk}",
    )  # fmt: skip
