"""The monthly grid: everyone on the roster in a month, what they owe and what is
recorded, saved a whole month at a time."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from branches.models import Member, Standing
from branches.signals import announce_members_changed
from ledgers.dues.common import (
    add_months,
    clean_fields,
    month_end,
    month_label,
    month_start,
    months_between,
    require_writable,
    today,
    yuan,
)
from ledgers.dues.members import (
    DUES_ELSEWHERE_NOTE,
    collected_from,
    first_expected_month,
    members_with_dues,
    on_roster_in,
)
from ledgers.dues.rates import FIRST_MONTH
from ledgers.models import DuesPayment, PaymentMethod
from wujin_branch.errors import DomainError

BACK_PAYMENT_WARN_MONTHS = 6  # 补交一般不超过六个月
PREPAY_MONTHS = 12  # 预交: at most a year ahead


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


def expected_amount(member, year) -> tuple[int | None, str]:
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
        members_with_dues(branch, month.year)
        .filter(joined_on__lte=month_end(month))
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gte=month))
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    payments = {p.member_id: p for p in DuesPayment.objects.filter(month=month, member__branch=branch)}
    rows = []
    for m in members:
        fen, note = expected_amount(m, month.year)
        expected = True
        if m.dues_elsewhere:
            expected, note = False, DUES_ELSEWHERE_NOTE
        elif month < collected_from(m.joined_on, m.transfer_in_on):
            expected, note = False, "转入前由原党组织收缴"
        elif month < first_expected_month(m):
            expected, note = False, f"党费起算月（{month_label(m.dues_from)}）前，不计欠交；已交的可登记"
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
    require_writable(actor, branch)
    month = month_start(month)
    now_day = today()
    if month < FIRST_MONTH:
        raise DomainError(f"只能登记{month_label(FIRST_MONTH)}以后的党费。")
    if month > add_months(month_start(now_day), PREPAY_MONTHS):
        raise DomainError(f"预交党费最多登记到{month_label(add_months(month_start(now_day), PREPAY_MONTHS))}。")
    ids = [r.member_id for r in rows]
    if len(set(ids)) != len(ids):
        raise DomainError("同一党员出现了两次，请刷新页面后重新填写。")
    members = members_with_dues(branch, month.year).in_bulk(ids)
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
        if not on_roster_in(m, month):
            errors.append(f"{m.name}已于{m.left_on or '此前'}离册，不能登记该月党费。")
            continue
        amount = r.amount_fen if r.amount_fen is not None else expected_amount(m, month.year)[0]
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
                clean_fields(obj, ["member", "recorded_by"], members[member_id].name)
                if months_between(month, month_start(paid_on)) > BACK_PAYMENT_WARN_MONTHS:
                    result.late.append(members[member_id].name)
            if new:
                bulk_create_with_history(new, DuesPayment, default_user=actor)
            if changed:
                bulk_update_with_history(changed, DuesPayment, PAYMENT_FIELDS, default_user=actor)
            for p in removed:  # rare (a correction): one by one so each removal names the actor
                p._history_user = actor
                p.delete()
            if new or changed or removed:
                announce_members_changed(branch.pk, days=[month])
    except IntegrityError as e:
        raise DomainError("其他人刚刚保存了本月的党费记录，请刷新页面后重新填写。") from e
    result.created, result.updated, result.deleted = len(new), len(changed), len(removed)
    return result
