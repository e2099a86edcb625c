"""Months and money (integer 分; ``yuan()`` only formats it for people), and the access and
field checks every 党费 write uses."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.permissions import Action, require, require_active_branch
from wujin_branch.errors import DomainError


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


def require_writable(actor, branch):
    require(actor, Action.EDIT, branch)
    require_active_branch(branch, "只能为正常的党支部登记党费。")


def clean_fields(obj, exclude, who):
    """Field checks without queries (lengths, choices, ranges); FKs are set by the service."""
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as e:
        parts = []
        for name, errs in e.message_dict.items():
            label = obj._meta.get_field(name).verbose_name
            parts.append(f"{label}{'；'.join(errs)}")
        raise DomainError(f"{who}：{'；'.join(parts)}") from e
