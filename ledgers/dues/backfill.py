"""补录: a member's months already paid, entered in one go — typically the months before the
党费起算月 of a member new to the platform, paid on paper at the time. Amounts come from
the verified bases (党费基数核定), never typed month by month."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.models import Member, Standing
from branches.signals import announce_members_changed
from ledgers.dues.common import add_months, clean_fields, month_end, month_label, month_start, require_writable, today
from ledgers.dues.members import amount_for_year, collected_from, transfer_in_q
from ledgers.dues.rates import FIRST_MONTH
from ledgers.models import DuesBase, DuesPayment, PaymentMethod
from wujin_branch.errors import DomainError

BACKFILL_MAX_MONTHS = 120


@dataclass
class BackfillResult:
    created: list[datetime.date] = field(default_factory=list)
    already_paid: list[datetime.date] = field(default_factory=list)
    waived: list[datetime.date] = field(default_factory=list)  # verified amount 0: nothing to pay
    total_fen: int = 0


@transaction.atomic
def dues_backfill(
    *,
    actor,
    member: Member,
    first_month: datetime.date,
    last_month: datetime.date,
    paid_on: datetime.date | None = None,
    method: str = PaymentMethod.CASH,
    paid_by: str = "",
) -> BackfillResult:
    """Record ``member``'s months from ``first_month`` to ``last_month`` as paid, each at the
    amount verified for its year (the latest base up to that year, as the grid shows it).

    Months already recorded are left as they are; months of a waiver (verified 0) are
    skipped. ``paid_on`` empty: each month paid on time (its last day, at most today). All
    or nothing, one transaction, a history row per payment naming ``actor``.
    """
    branch = member.branch
    require_writable(actor, branch)
    first_month, last_month = month_start(first_month), month_start(last_month)
    this_month = month_start(today())
    m = (
        Member.objects.select_for_update(of=("self",))
        .filter(pk=member.pk, branch=branch, standing=Standing.ACTIVE)
        .annotate(transfer_in_on=Subquery(transfer_in_q(branch).values("occurred_on")[:1]))
        .first()
    )
    if m is None:
        raise DomainError("该党员不在本支部名册中。")
    if first_month > last_month:
        raise DomainError("起始月份不能晚于截止月份。", field="first")
    if last_month > this_month:
        raise DomainError("补录只能登记到本月；预交党费请在按月收缴页面登记。", field="last")
    if first_month < FIRST_MONTH:
        raise DomainError(f"只能登记{month_label(FIRST_MONTH)}以后的党费。", field="first")
    collected = collected_from(m.joined_on, m.transfer_in_on)
    if first_month < collected:
        if m.transfer_in_on and collected > month_start(m.joined_on):
            why = f"{m.name}于{m.transfer_in_on:%Y年%m月%d日}转入本支部，此前的党费由原党组织收缴。"
        else:
            why = f"{m.name}于{m.joined_on:%Y年%m月%d日}入党，此前的月份无需交纳党费。"
        raise DomainError(why, field="first")
    months = []
    month = first_month
    while month <= last_month:
        months.append(month)
        month = add_months(month, 1)
    if len(months) > BACKFILL_MAX_MONTHS:
        raise DomainError(f"一次最多补录{BACKFILL_MAX_MONTHS}个月。", field="first")
    now_day = today()
    if paid_on is not None and paid_on > now_day:
        raise DomainError("交纳日期不能晚于今天。", field="paid_on")
    if method not in PaymentMethod.values:
        raise DomainError("交纳方式无效。", field="method")
    bases = list(
        DuesBase.objects.filter(member=m, year__lte=last_month.year).order_by("year").values_list("year", "monthly_fen")
    )
    missing = sorted({mo.year for mo in months if amount_for_year(bases, mo.year) is None})
    if missing:
        years = "、".join(f"{y}年" for y in missing)
        raise DomainError(f"{m.name}{years}没有核定的党费基数，无法确定金额。请先在“党费基数核定”页面核定后再补录。")
    result = BackfillResult()
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a clash is reported, not a broken transaction
            recorded = DuesPayment.objects.select_for_update().filter(member=m, month__in=months)
            paid = set(recorded.values_list("month", flat=True))
            new = []
            for mo in months:
                fen = amount_for_year(bases, mo.year)
                if mo in paid:
                    result.already_paid.append(mo)
                    continue
                if fen == 0:
                    result.waived.append(mo)
                    continue
                p = DuesPayment(
                    member=m, month=mo, amount_fen=fen, paid_on=paid_on or min(month_end(mo), now_day), method=method,
                    paid_by=(paid_by or "").strip(), recorded_by=actor, recorded_at=now,
                )  # fmt: skip
                clean_fields(p, ["member", "recorded_by"], m.name)
                new.append(p)
                result.created.append(mo)
                result.total_fen += fen
            if new:
                bulk_create_with_history(new, DuesPayment, default_user=actor, default_change_reason="补录")
                announce_members_changed(m.branch_id, days=sorted({datetime.date(mo.year, 1, 1) for mo in months}))
    except IntegrityError as e:
        raise DomainError("其他人刚刚登记了该党员的党费，请刷新页面后重新补录。") from e
    return result
