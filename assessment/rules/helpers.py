"""Small helpers of the record rules: numbers for people, shares, scores, months.

Scores are in steps of 0.5 and never round up (``floor_half``). The point values in the
descriptions are those of the 2016 rubric; a later rubric version with other points
scales the result (``final_score``).
"""

import datetime
import math
from decimal import Decimal

from assessment.scoring import floor_half
from ledgers.books.life import cn_date as cn_date  # 2026-02-19 → 2026年2月19日, for the rules' reasons

D0 = Decimal("0")
HALF = Decimal("0.5")


def _d(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


def points_text(value) -> str:
    """A score for people: 3, 1.5, 0."""
    text = f"{_d(value):f}"
    return text[:-2] if text.endswith(".0") else text


def pct(part, whole) -> str:
    """A share rounded down to 0.1 % (so 89.99 % never reads as 90 %)."""
    if not whole:
        return "0%"
    value = math.floor(part * 1000 / whole) / 10
    return f"{value:g}%"


def share_at_least(part, whole, percent) -> bool:
    return whole > 0 and part * 100 >= percent * whole


def final_score(item, nominal, raw) -> Decimal:
    """``raw`` out of ``nominal`` points, rescaled to the item's points, in [0, points], floored to 0.5."""
    raw = Decimal(raw)
    points = Decimal(item.points)
    if points != Decimal(nominal):
        raw = raw * points / Decimal(nominal)
    return floor_half(max(D0, min(raw, points)))


def month_start(day):
    return day.replace(day=1)


def add_months(month, n):
    y, m = divmod(month.month - 1 + n, 12)
    return datetime.date(month.year + y, m + 1, 1)


def age_on(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def join_names(rows, n=5):
    names = list(rows)[:n]
    return "、".join(names) + ("等" if len(rows) > n else "")
