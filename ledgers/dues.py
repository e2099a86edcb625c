"""党费 (dues): the dated rate table, the yearly base verification, the monthly grid,
arrears with the six-month flag, reminders and the monthly digest mail.

Services (every write) are keyword-only with an explicit ``actor``; selectors build the
pages in a fixed number of queries (one branch at a time, computed in Python).

Money is integer 分 (fen) everywhere; ``yuan()`` only formats it for people.

Which months a member is expected to pay (used by the grid and by arrears):

- from the month of ``joined_on`` (预备党员 pay from admission, the month of the branch
  meeting included), or from the month after a transfer in, from outside the district or
  from another branch in it (the old organization collects up to the month of transfer);
- not in a year whose verified monthly amount is 0 (a waiver approved by the upper
  committee; the latest verified base of that year or an earlier one applies);
- arrears count only complete months, from when the branch started recording dues on the
  platform (its earliest payment row), at most ``DUES_ARREARS_LOOKBACK_MONTHS`` back.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from branches.errors import DomainError
from branches.models import (
    Member,
    MemberTransfer,
    Occupation,
    Organization,
    OrgKind,
    OrgStatus,
    Role,
    RoleAssignment,
    Standing,
    TransferDirection,
    User,
)
from branches.permissions import Action, can

from .models import DuesBase, DuesGroup, DuesPayment, DuesRateRule, DuesReminder, PaymentMethod

logger = logging.getLogger(__name__)

BASE_GROUPS = {DuesGroup.EMPLOYED, DuesGroup.RETIRED}  # a percentage of a declared base
FIXED_GROUPS = {DuesGroup.FARMER, DuesGroup.LOW_INCOME}  # a fixed amount a month
FIRST_MONTH = datetime.date(2008, 4, 1)  # the rate table in force since 2008-04-01
BACK_PAYMENT_WARN_MONTHS = 6  # 补交一般不超过六个月
ARREARS_FLAG_MONTHS = 6
ARREARS_FLAG_TEXT = "连续六个月未交纳党费，请支部研究处理（不自动处理）"
PREPAY_MONTHS = 12  # 预交: at most a year ahead
REMINDER_WAYS = ["当面", "电话", "短信", "微信"]
DIGEST_STAFF_ROLES = (Role.SECRETARY, Role.WORKER)


def min_monthly_fen() -> int:
    """The least anyone pays a month: 0.2 yuan (what students and 低保 members pay)."""
    return getattr(settings, "DUES_MIN_MONTHLY_FEN", 20)


def arrears_lookback_months() -> int:
    return getattr(settings, "DUES_ARREARS_LOOKBACK_MONTHS", 36)


# ---------------------------------------------------------------- months and money


def today() -> datetime.date:
    return timezone.localdate()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return datetime.date(y, m + 1, 1)


def months_between(a: datetime.date, b: datetime.date) -> int:
    """Whole calendar months from a's month to b's month (b later → positive)."""
    return (b.year - a.year) * 12 + b.month - a.month


def month_end(month: datetime.date) -> datetime.date:
    return add_months(month, 1) - datetime.timedelta(days=1)


def parse_month(text) -> datetime.date | None:
    """``"2026-11"`` → 2026-11-01; anything else → None."""
    try:
        y, m = str(text).strip().split("-")[:2]
        return datetime.date(int(y), int(m), 1)
    except (TypeError, ValueError):
        return None


def month_label(month: datetime.date) -> str:
    return f"{month.year}年{month.month:02d}月"


def yuan(fen) -> str:
    """1500 → "15.00"; None → ""."""
    if fen is None:
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def yuan_to_fen(amount: Decimal) -> int:
    """A yuan amount with at most two decimals → 分 (the form has checked the decimals)."""
    return int((Decimal(amount) * 100).to_integral_value())


# ---------------------------------------------------------------- rate table


def rates_in_force(on_date: datetime.date) -> dict[str, list[DuesRateRule]]:
    """The brackets in force on a date, per group, in one query.

    For each group the rows with the latest ``effective_from`` on or before the date
    apply, so a later regulation may replace one group's brackets without repeating the
    others.
    """
    out: dict[str, list[DuesRateRule]] = defaultdict(list)
    latest: dict[str, datetime.date] = {}
    for r in DuesRateRule.objects.filter(effective_from__lte=on_date).order_by("group", "-effective_from", "id"):
        if latest.setdefault(r.group, r.effective_from) == r.effective_from:
            out[r.group].append(r)
    return dict(out)


def _matches(rule: DuesRateRule, base_fen: int) -> bool:
    lo, hi = rule.lower_exclusive_fen, rule.upper_inclusive_fen
    return (lo is None or base_fen > lo) and (hi is None or base_fen <= hi)


def dues_rule_for(group: str, base_fen: int, on_date: datetime.date, *, rates=None) -> DuesRateRule:
    """The bracket for a monthly base (分) on a date: lower bound exclusive, upper inclusive.

    Pass ``rates`` (from ``rates_in_force``) to look up many members without a query each.
    """
    if group not in DuesGroup.values:
        raise DomainError("党费类别无效。")
    rates = rates_in_force(on_date) if rates is None else rates
    for rule in rates.get(group, []):
        if _matches(rule, int(base_fen or 0)):
            return rule
    raise DomainError(
        f"{on_date:%Y年%m月%d日}没有适用于“{DuesGroup(group).label}”的党费交纳标准，请联系区委组织部维护交纳标准。"
    )


def _percent(rate_bp: int) -> str:
    return f"{Decimal(rate_bp) / 100:f}".rstrip("0").rstrip(".")


def dues_compute(
    group: str, base_fen: int, on: datetime.date, *, chosen_fen: int | None = None, rates=None
) -> tuple[int, DuesRateRule, str]:
    """(monthly amount in 分, the rule applied, a sentence saying how) for a base on a date.

    Rounding: base × rate is rounded to the nearest 分 with halves rounded up, i.e.
    ``(base_fen × rate_bp + 5000) // 10000`` (rate in 万分之, 0.5 % = 50). The result is
    never below the 0.2-yuan minimum (``DUES_MIN_MONTHLY_FEN``), so a very small base pays
    what a student pays.

    Fixed-amount groups ignore the base: farmers pay an amount the branch chooses within
    the rule's range (default: its lower end, 0.2 yuan); ``chosen_fen`` outside the range
    is refused. Low-income members pay the rule's fixed 0.2 yuan.
    """
    base_fen = int(base_fen or 0)
    if base_fen < 0:
        raise DomainError("基数不能为负数。")
    rule = dues_rule_for(group, base_fen, on, rates=rates)
    if rule.rate_bp is not None:
        amount = (base_fen * rule.rate_bp + 5000) // 10000
        text = f"{rule.note}：{yuan(base_fen)}元×{_percent(rule.rate_bp)}%＝{yuan(amount)}元"
        floor = min_monthly_fen()
        if amount < floor:
            amount = floor
            text += f"，不足{yuan(floor)}元按{yuan(floor)}元"
        return amount, rule, text[:120]
    lo = rule.fixed_min_fen or 0
    hi = rule.fixed_max_fen if rule.fixed_max_fen is not None else lo
    amount = lo if chosen_fen is None else int(chosen_fen)
    if not lo <= amount <= hi:
        raise DomainError(f"{DuesGroup(group).label}每月交纳{yuan(lo)}元至{yuan(hi)}元。")
    text = rule.note if lo == hi else f"{rule.note}，支部确定每月{yuan(amount)}元"
    return amount, rule, text[:120]


def group_guess(member: Member) -> str:
    """A first guess at the dues group from the member's occupation (the treasurer confirms)."""
    return {
        Occupation.RETIRED: DuesGroup.RETIRED,
        Occupation.FARMER: DuesGroup.FARMER,
        Occupation.STUDENT: DuesGroup.LOW_INCOME,
    }.get(member.occupation, DuesGroup.EMPLOYED)


# ---------------------------------------------------------------- access


def _require(actor, action, branch):
    if actor is None or not can(actor, action, branch):
        raise DomainError("您没有权限执行此操作。")


def _require_writable(actor, branch):
    _require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部登记党费。")


def _clean_fields(obj, exclude, who):
    """Field checks without queries (lengths, choices, ranges); FKs are set by the service."""
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as e:
        parts = []
        for name, errs in e.message_dict.items():
            label = obj._meta.get_field(name).verbose_name
            parts.append(f"{label}{'；'.join(errs)}")
        raise DomainError(f"{who}：{'；'.join(parts)}") from e


# ---------------------------------------------------------------- rosters


def _transfer_in_q(branch):
    """Transfers into ``branch``, from outside the district or from another branch in it:
    either way the old organization collected up to the month of transfer."""
    return MemberTransfer.objects.filter(
        member=OuterRef("pk"), direction__in=[TransferDirection.IN, TransferDirection.INTERNAL], to_branch=branch
    ).order_by("-occurred_on", "-id")


def _members_with_dues(branch, year):
    """Members of the branch with their latest base up to ``year`` and transfer-in date (one query)."""
    latest = DuesBase.objects.filter(member=OuterRef("pk"), year__lte=year).order_by("-year")
    return Member.objects.filter(branch=branch).annotate(
        base_year=Subquery(latest.values("year")[:1]),
        base_fen=Subquery(latest.values("monthly_fen")[:1]),
        transfer_in_on=Subquery(_transfer_in_q(branch).values("occurred_on")[:1]),
    )


def first_expected_month(member) -> datetime.date:
    """The first month the branch collects from this member (see the module docstring)."""
    first = month_start(member.joined_on)
    moved_in = getattr(member, "transfer_in_on", None)
    if moved_in:
        first = max(first, add_months(month_start(moved_in), 1))
    return first


def _on_roster_in(member, month) -> bool:
    return member.joined_on <= month_end(month) and (
        member.standing == Standing.ACTIVE or (member.left_on is not None and member.left_on >= month)
    )


# ---------------------------------------------------------------- yearly base verification


def verification_date(year: int) -> datetime.date:
    """The date whose rate table applies to a year's verification: today, kept inside the year."""
    return min(max(today(), datetime.date(year, 1, 1)), datetime.date(year, 12, 31))


def _check_year(year):
    if not FIRST_MONTH.year <= int(year) <= today().year + 1:
        raise DomainError(f"年度应在{FIRST_MONTH.year}年至{today().year + 1}年之间。")


@dataclass
class BaseRow:
    member: Member
    base: DuesBase | None  # this year's verified base
    previous: DuesBase | None  # the latest earlier one, to start from
    group: str
    declared_fen: int | None
    chosen_fen: int | None
    preview_fen: int | None = None
    preview_text: str = ""

    @property
    def group_label(self):
        return DuesGroup(self.group).label

    @property
    def preview_yuan(self):
        return yuan(self.preview_fen)

    @property
    def computed_yuan(self):
        return yuan(self.base.computed_monthly_fen) if self.base else ""


def dues_bases_page(branch, year: int) -> dict:
    """The verification page for a branch and year: active members with this year's base
    (or last year's as a starting point) and the amount it gives. Three queries."""
    members = list(
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    bases = DuesBase.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE, year__lte=year)
    this_year, previous = {}, {}
    for b in bases.select_related("rule").order_by("year", "id"):
        (this_year if b.year == year else previous)[b.member_id] = b
    on = verification_date(year)
    rates = rates_in_force(on)
    rows = []
    for m in members:
        base = this_year.get(m.pk)
        src = base or previous.get(m.pk)
        group = src.group if src else group_guess(m)
        declared = src.declared_base_fen if src and group in BASE_GROUPS else None
        chosen = src.computed_monthly_fen if src and group == DuesGroup.FARMER else None
        row = BaseRow(m, base, previous.get(m.pk), group, declared, chosen)
        if base:
            row.preview_fen, row.preview_text = base.monthly_fen, base.rule_text
        elif group in FIXED_GROUPS or declared:
            try:
                row.preview_fen, _, row.preview_text = dues_compute(
                    group, declared or 0, on, chosen_fen=chosen, rates=rates
                )
            except DomainError as e:
                row.preview_text = e.message
        rows.append(row)
    return {
        "rows": rows,
        "on": on,
        "missing": sum(1 for r in rows if r.base is None),
        "verified": sum(1 for r in rows if r.base is not None),
        "reduced": sum(1 for r in rows if r.base is not None and r.base.reduced),
    }


def dues_bases_missing(branch, year: int) -> int:
    """Active members without a verified base for the year (one query)."""
    return Member.objects.filter(branch=branch, standing=Standing.ACTIVE).exclude(dues_bases__year=year).count()


@dataclass
class BaseInput:
    """One member's line of the verification form, already parsed (amounts in 分)."""

    member_id: int
    group: str
    declared_base_fen: int | None = None
    chosen_fen: int | None = None  # farmers: the amount the branch chose within the range
    reduced: bool = False
    reduced_fen: int | None = None  # the amount after reduction; 0 or empty is a waiver
    reduction_reason: str = ""
    branch_decision: str = ""
    upper_approval: str = ""


BASE_FIELDS = [
    "group", "declared_base_fen", "computed_monthly_fen", "rule", "rule_text", "monthly_fen", "reduced",
    "reduction_reason", "branch_decision", "upper_approval", "verified_on", "verified_by",
]  # fmt: skip


def dues_bases_save(*, actor, branch, year: int, rows: list[BaseInput]) -> dict:
    """Save a year's verification for the rows given, all or nothing.

    A reduction or waiver needs the reason, the branch's decision and the upper
    committee's approval; otherwise nothing is saved and every problem is listed.
    Unchanged rows are not rewritten (no empty history entries).
    """
    _require_writable(actor, branch)
    year = int(year)
    _check_year(year)
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise DomainError("同一党员出现了两次，请刷新页面后重新填写。")
    members = Member.objects.filter(branch=branch, standing=Standing.ACTIVE).in_bulk(ids)
    if len(members) != len(ids):
        raise DomainError("名单中有不属于本支部在册党员的人员，请刷新页面后重新填写。")
    on = verification_date(year)
    rates = rates_in_force(on)
    now_day = today()
    errors, values_by_member = [], {}
    for r in rows:
        m = members[r.member_id]
        try:
            if r.group in BASE_GROUPS and not r.declared_base_fen:
                raise DomainError("请填写月工资（离退休费）基数")
            declared = int(r.declared_base_fen or 0) if r.group in BASE_GROUPS else 0
            computed, rule, text = dues_compute(r.group, declared, on, chosen_fen=r.chosen_fen, rates=rates)
        except DomainError as e:
            errors.append(f"{m.name}：{e.message.rstrip('。')}。")
            continue
        reason, decision, approval = (s.strip() for s in (r.reduction_reason, r.branch_decision, r.upper_approval))
        monthly = computed
        if r.reduced:
            needed = (("减免原因", reason), ("支部决定", decision), ("上级党委批准", approval))
            missing = [label for label, value in needed if not value]
            if missing:
                errors.append(f"{m.name}：减免党费须经支部研究决定并报上级党委批准，请填写{'、'.join(missing)}。")
                continue
            monthly = int(r.reduced_fen or 0)
            if monthly < 0 or monthly >= computed:
                errors.append(f"{m.name}：减免后的月交纳额应低于按标准应交的{yuan(computed)}元（免交填0）。")
                continue
        else:
            reason = decision = approval = ""
        values_by_member[m.pk] = {
            "group": r.group,
            "declared_base_fen": declared,
            "computed_monthly_fen": computed,
            "rule": rule,
            "rule_text": text,
            "monthly_fen": monthly,
            "reduced": bool(r.reduced),
            "reduction_reason": reason,
            "branch_decision": decision,
            "upper_approval": approval,
        }
    if errors:
        raise DomainError("；".join(errors))
    new, changed = [], []
    with transaction.atomic():
        existing = {b.member_id: b for b in DuesBase.objects.select_for_update().filter(member_id__in=ids, year=year)}
        for member_id, values in values_by_member.items():
            old = existing.get(member_id)
            if old is None:
                obj = DuesBase(member=members[member_id], year=year, verified_on=now_day, verified_by=actor, **values)
                _clean_fields(obj, ["member", "rule", "verified_by"], members[member_id].name)
                new.append(obj)
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                old.verified_on, old.verified_by = now_day, actor
                _clean_fields(old, ["member", "rule", "verified_by"], members[member_id].name)
                changed.append(old)
        if new:
            bulk_create_with_history(new, DuesBase, default_user=actor)
        if changed:
            bulk_update_with_history(changed, DuesBase, BASE_FIELDS, default_user=actor)
    return {"created": len(new), "updated": len(changed), "unchanged": len(values_by_member) - len(new) - len(changed)}


# ---------------------------------------------------------------- the monthly grid


@dataclass
class GridRow:
    member: Member
    expected: bool
    note: str  # why not expected, or where the amount comes from
    expected_fen: int | None
    payment: DuesPayment | None

    @property
    def expected_yuan(self):
        return yuan(self.expected_fen)

    @property
    def paid_yuan(self):
        return yuan(self.payment.amount_fen) if self.payment else ""


def _expected_amount(member, year) -> tuple[int | None, str]:
    if member.base_year is None:
        return None, "未核定基数"
    if member.base_year == year:
        return member.base_fen, ""
    return member.base_fen, f"沿用{member.base_year}年核定"


def dues_month_grid(branch, month: datetime.date) -> dict:
    """Everyone on the branch's roster in a month, with what they owe and what is recorded.

    Two queries: the members (with their base and transfer-in date as subqueries) and the
    month's payments.
    """
    month = month_start(month)
    members = list(
        _members_with_dues(branch, month.year)
        .filter(joined_on__lte=month_end(month))
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gte=month))
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    payments = {p.member_id: p for p in DuesPayment.objects.filter(month=month, member__branch=branch)}
    rows = []
    for m in members:
        fen, note = _expected_amount(m, month.year)
        expected = True
        if month < first_expected_month(m):
            expected, note = False, "转入前由原党组织收缴"
        elif fen == 0:
            expected, note = False, "经批准免交"
        rows.append(GridRow(m, expected, note, fen, payments.get(m.pk)))
    paid = [r for r in rows if r.payment]
    return {
        "month": month,
        "rows": rows,
        "expected_count": sum(r.expected for r in rows),
        "paid_count": len(paid),
        "unpaid_count": sum(1 for r in rows if r.expected and not r.payment),
        "paid_total_fen": sum(r.payment.amount_fen for r in paid),
        "missing_bases": sum(1 for r in rows if r.expected and r.member.base_year != month.year),
        "months_back": months_between(month, month_start(today())),
    }


@dataclass
class PaymentInput:
    """One member's line of the month grid, already parsed (amount in 分)."""

    member_id: int
    paid: bool
    amount_fen: int | None = None  # empty: the expected amount
    paid_on: datetime.date | None = None  # empty: today
    method: str = PaymentMethod.CASH
    paid_by: str = ""


@dataclass
class MonthSaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    late: list[str] = field(default_factory=list)  # names paying more than six months after the month

    @property
    def warning(self) -> str:
        if not self.late:
            return ""
        return (
            f"{'、'.join(self.late[:10])}{'等' if len(self.late) > 10 else ''}"
            f"补交的是{BACK_PAYMENT_WARN_MONTHS}个月以前的党费（补交一般不超过六个月），请确认已经支部研究同意。"
        )


PAYMENT_FIELDS = ["amount_fen", "paid_on", "method", "paid_by", "recorded_by", "recorded_at"]


def dues_month_save(*, actor, branch, month: datetime.date, rows: list[PaymentInput]) -> MonthSaveResult:
    """Save a whole month of a branch in one go: new payments, changes, and un-ticked ones removed.

    Reads are two queries whatever the size of the branch; writes are bulk, with history
    rows naming ``actor``. Members not in ``rows`` are left as they are. A month more than
    six months before the payment date is a back payment: allowed, with a warning.
    """
    _require_writable(actor, branch)
    month = month_start(month)
    now_day = today()
    if month < FIRST_MONTH:
        raise DomainError(f"只能登记{month_label(FIRST_MONTH)}以后的党费。")
    if month > add_months(month_start(now_day), PREPAY_MONTHS):
        raise DomainError(f"预交党费最多登记到{month_label(add_months(month_start(now_day), PREPAY_MONTHS))}。")
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise DomainError("同一党员出现了两次，请刷新页面后重新填写。")
    members = _members_with_dues(branch, month.year).in_bulk(ids)
    if len(members) != len(ids):
        raise DomainError("名单已发生变化，请刷新页面后重新填写。")
    errors, wanted = [], {}
    for r in rows:
        m = members[r.member_id]
        if not r.paid:
            continue
        if m.joined_on > month_end(month):
            errors.append(f"{m.name}于{m.joined_on:%Y年%m月%d日}入党，此前的月份无需交纳党费。")
            continue
        if not _on_roster_in(m, month):
            errors.append(f"{m.name}已于{m.left_on or '此前'}离册，不能登记该月党费。")
            continue
        amount = r.amount_fen if r.amount_fen is not None else _expected_amount(m, month.year)[0]
        if amount is None:
            errors.append(f"{m.name}尚未核定党费基数，请填写交纳金额。")
            continue
        if amount <= 0:
            errors.append(f"{m.name}的交纳金额应大于0。")
            continue
        paid_on = r.paid_on or now_day
        if paid_on > now_day:
            errors.append(f"{m.name}的交纳日期不能晚于今天。")
            continue
        if r.method not in PaymentMethod.values:
            errors.append(f"{m.name}的交纳方式无效。")
            continue
        wanted[m.pk] = (amount, paid_on, r.method, (r.paid_by or "").strip())
    if errors:
        raise DomainError("；".join(errors))
    result = MonthSaveResult()
    now = timezone.now()
    new, changed, removed = [], [], []
    try:
        with transaction.atomic():
            existing = {
                p.member_id: p for p in DuesPayment.objects.select_for_update().filter(month=month, member_id__in=ids)
            }
            for member_id in ids:
                old, want = existing.get(member_id), wanted.get(member_id)
                if want is None:
                    if old is not None:
                        removed.append(old)
                    continue
                amount, paid_on, method, paid_by = want
                if old is None:
                    obj = DuesPayment(
                        member=members[member_id],
                        month=month,
                        amount_fen=amount,
                        paid_on=paid_on,
                        method=method,
                        paid_by=paid_by,
                        recorded_by=actor,
                        recorded_at=now,
                    )
                    new.append(obj)
                elif (old.amount_fen, old.paid_on, old.method, old.paid_by) != want:
                    old.amount_fen, old.paid_on, old.method, old.paid_by = want
                    old.recorded_by, old.recorded_at = actor, now
                    obj = old
                    changed.append(old)
                else:
                    continue
                _clean_fields(obj, ["member", "recorded_by"], members[member_id].name)
                if months_between(month, month_start(paid_on)) > BACK_PAYMENT_WARN_MONTHS:
                    result.late.append(members[member_id].name)
            if new:
                bulk_create_with_history(new, DuesPayment, default_user=actor)
            if changed:
                bulk_update_with_history(changed, DuesPayment, PAYMENT_FIELDS, default_user=actor)
            for p in removed:  # rare (a correction): one by one so each removal names the actor
                p._history_user = actor
                p.delete()
    except IntegrityError as e:
        raise DomainError("其他人刚刚保存了本月的党费记录，请刷新页面后重新填写。") from e
    result.created, result.updated, result.deleted = len(new), len(changed), len(removed)
    return result


# ---------------------------------------------------------------- arrears


@dataclass
class ArrearsRow:
    member: Member
    unpaid: list[datetime.date]
    run: int  # consecutive unpaid months ending with the last complete month
    owed_fen: int | None  # None when an amount is not verified
    last_paid: datetime.date | None
    reminders: list[DuesReminder]

    @property
    def flagged(self) -> bool:
        return self.run >= ARREARS_FLAG_MONTHS

    @property
    def owed_yuan(self) -> str:
        return yuan(self.owed_fen)

    @property
    def flag_text(self) -> str:
        return ARREARS_FLAG_TEXT if self.flagged else ""

    @property
    def unpaid_text(self) -> str:
        shown = [month_label(m) for m in self.unpaid[-12:]]
        more = len(self.unpaid) - len(shown)
        return ("……" if more else "") + "、".join(shown)


@dataclass
class Arrears:
    on: datetime.date
    last_month: datetime.date
    tracking_from: datetime.date | None  # None: the branch has recorded no dues yet
    rows: list[ArrearsRow]

    @property
    def flagged(self) -> list[ArrearsRow]:
        return [r for r in self.rows if r.flagged]


def _amount_for_year(bases: list[tuple[int, int]], year: int) -> int | None:
    """From (year, monthly_fen) sorted by year: the latest verified amount up to ``year``."""
    fen = None
    for y, f in bases:
        if y > year:
            break
        fen = f
    return fen


def dues_arrears_for(branch, on: datetime.date | None = None, *, member_ids=None) -> Arrears:
    """Per active member: unpaid expected months up to the last complete month, the current
    run of consecutive unpaid months, and the flag at six. Four queries for a branch.

    Nothing is ever changed: the flag asks the branch to study the case (a branch meeting
    and upper approval decide, never the platform).
    """
    on = on or today()
    last = add_months(month_start(on), -1)
    members_qs = (
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .annotate(transfer_in_on=Subquery(_transfer_in_q(branch).values("occurred_on")[:1]))
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    if member_ids is not None:
        members_qs = members_qs.filter(pk__in=member_ids)
    members = list(members_qs)
    bases = defaultdict(list)
    for member_id, year, fen in (
        DuesBase.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE)
        .order_by("year")
        .values_list("member_id", "year", "monthly_fen")
    ):
        bases[member_id].append((year, fen))
    paid = defaultdict(set)
    earliest = None
    for member_id, month in DuesPayment.objects.filter(member__branch=branch).values_list("member_id", "month"):
        paid[member_id].add(month)
        earliest = month if earliest is None or month < earliest else earliest
    reminders = defaultdict(list)
    for r in (
        DuesReminder.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE)
        .select_related("by")
        .order_by("-reminded_on", "-id")
    ):
        reminders[r.member_id].append(r)
    if earliest is None or earliest > last:
        return Arrears(on, last, earliest, [])
    window = max(earliest, add_months(last, 1 - arrears_lookback_months()))
    rows = []
    for m in members:
        start = max(first_expected_month(m), window)
        expected = []
        month = start
        while month <= last:
            fen = _amount_for_year(bases[m.pk], month.year)
            if fen != 0:
                expected.append((month, fen))
            month = add_months(month, 1)
        unpaid = [(mo, fen) for mo, fen in expected if mo not in paid[m.pk]]
        if not unpaid:
            continue
        run, month = 0, last
        expected_set = {mo for mo, _ in expected}
        while month >= start and month in expected_set and month not in paid[m.pk]:
            run += 1
            month = add_months(month, -1)
        owed = None if any(fen is None for _, fen in unpaid) else sum(fen for _, fen in unpaid)
        rows.append(
            ArrearsRow(
                member=m,
                unpaid=[mo for mo, _ in unpaid],
                run=run,
                owed_fen=owed,
                last_paid=max(paid[m.pk]) if paid[m.pk] else None,
                reminders=reminders[m.pk][:5],
            )
        )
    rows.sort(key=lambda r: (-r.run, -len(r.unpaid), r.member.name_pinyin, r.member.pk))
    return Arrears(on, last, window, rows)


# ---------------------------------------------------------------- reminders


def dues_reminder_record(
    *, actor, member: Member, reminded_on: datetime.date, way: str, note: str = ""
) -> DuesReminder:
    """Record that a member was reminded (提醒告知); the months unpaid are taken from arrears."""
    branch = member.branch
    _require_writable(actor, branch)
    if member.standing != Standing.ACTIVE:
        raise DomainError("该党员不在册。")
    if way not in REMINDER_WAYS:
        raise DomainError("请选择提醒方式。", field="way")
    if reminded_on is None or reminded_on > today():
        raise DomainError("提醒日期不能晚于今天。", field="reminded_on")
    arrears = dues_arrears_for(branch, member_ids=[member.pk])
    months = len(arrears.rows[0].unpaid) if arrears.rows else 0
    reminder = DuesReminder(
        member=member,
        reminded_on=reminded_on,
        months_unpaid=min(months, 32767),
        way=way,
        note=(note or "").strip(),
        by=actor,
    )
    _clean_fields(reminder, ["member", "by"], member.name)
    reminder.save()
    return reminder


# ---------------------------------------------------------------- digest mail


def staff_emails(branch_ids=None) -> dict[int, list[str]]:
    """Active branches' secretaries and Party-affairs workers who have an email, by branch (one query)."""
    qs = (
        RoleAssignment.objects.filter(
            role__in=DIGEST_STAFF_ROLES,
            organization__kind=OrgKind.BRANCH,
            organization__status=OrgStatus.ACTIVE,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("organization_id", "user__email")
    )
    if branch_ids is not None:
        qs = qs.filter(organization_id__in=branch_ids)
    out = defaultdict(list)
    for org_id, email in qs.values_list("organization_id", "user__email"):
        if email not in out[org_id]:
            out[org_id].append(email)
    return dict(out)


def dues_digest_text(branch, arrears: Arrears) -> tuple[str, str]:
    rows = arrears.rows
    subject = f"【党费提醒】{branch.name}：{len(rows)}名党员欠交党费（截至{month_label(arrears.last_month)}）"
    lines = [f"{branch.name}党费交纳情况（截至{month_label(arrears.last_month)}）", "", "以下党员有应交未交的党费："]
    for i, r in enumerate(rows, 1):
        owed = f"，合计{yuan(r.owed_fen)}元" if r.owed_fen is not None else ""
        line = f"{i}. {r.member.name}：欠交{len(r.unpaid)}个月（{r.unpaid_text}），连续未交{r.run}个月{owed}"
        if r.flagged:
            line += f"。【{ARREARS_FLAG_TEXT}】"
        lines.append(line)
    lines += ["", "请及时提醒党员按月足额交纳党费，并在平台“党费欠交提醒”页面记录提醒情况。"]
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    if site:
        lines.append(f"查看：{site}{reverse('dues_arrears', args=[branch.pk])}")
    lines.append("本邮件由平台每月自动发送；平台不会对任何党员作自动处理。")
    return subject, "\n".join(lines)


def dues_digest_send(*, branch, recipients, on=None, once=True) -> int:
    """Mail the branch's arrears list to ``recipients``; returns the number of mails sent.

    ``once`` makes a redelivered task harmless: one digest per branch and month (a cache
    key, atomic with Redis). Nothing is sent when nobody is in arrears.
    """
    if not recipients:
        return 0
    arrears = dues_arrears_for(branch, on)
    if not arrears.rows:
        return 0
    key = f"dues-digest:{branch.pk}:{arrears.last_month:%Y-%m}"
    if once and not cache.add(key, 1, timeout=40 * 24 * 3600):
        return 0
    subject, body = dues_digest_text(branch, arrears)
    messages = [mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
    try:
        return mail.get_connection().send_messages(messages) or 0
    except Exception:
        if once:
            cache.delete(key)
        raise


def dues_digest_all(*, on=None) -> int:
    """The monthly run: every active branch with staff emails gets its arrears list."""
    emails = staff_emails()
    branches = Organization.objects.in_bulk(list(emails))
    sent = 0
    for branch_id, recipients in emails.items():
        try:
            sent += dues_digest_send(branch=branches[branch_id], recipients=recipients, on=on)
        except Exception:  # one branch's failure must not stop the others
            logger.exception("dues digest failed for branch %s", branch_id)
    return sent


def dues_digest_request(*, actor, branch) -> list[str]:
    """A treasurer asks for the list now: queued after the request's transaction commits."""
    _require(actor, Action.EDIT, branch)
    recipients = staff_emails([branch.pk]).get(branch.pk, [])
    if recipients:
        from .tasks_dues import dues_branch_digest

        transaction.on_commit(lambda: dues_branch_digest.delay(branch.pk, actor.pk))
    return recipients


def dues_digest_for_actor(*, branch_id: int, actor_id: int | None) -> int:
    """What the queued task runs: re-fetch, re-check the actor, send (not deduplicated)."""
    branch = Organization.objects.filter(pk=branch_id, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).first()
    if branch is None:
        return 0
    if actor_id is not None:
        actor = User.objects.filter(pk=actor_id, is_active=True).first()
        if actor is None or not can(actor, Action.EDIT, branch):
            return 0
    recipients = staff_emails([branch.pk]).get(branch.pk, [])
    return dues_digest_send(branch=branch, recipients=recipients, once=False)
