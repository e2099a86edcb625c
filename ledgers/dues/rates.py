"""The dated rate table: which bracket applies to a base on a date, and the monthly amount."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings

from branches.models import Member, Occupation
from ledgers.dues.common import yuan
from ledgers.models import DuesGroup, DuesRateRule
from wujin_branch.errors import DomainError

BASE_GROUPS = {DuesGroup.EMPLOYED, DuesGroup.RETIRED}  # a percentage of a declared base
FIXED_GROUPS = {DuesGroup.FARMER, DuesGroup.LOW_INCOME}  # a fixed amount a month
FIRST_MONTH = datetime.date(2008, 4, 1)  # the rate table in force since 2008-04-01


def min_monthly_fen() -> int:
    """The least anyone pays a month: 0.2 yuan (what students and 低保 members pay)."""
    return getattr(settings, "DUES_MIN_MONTHLY_FEN", 20)


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
