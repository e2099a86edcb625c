"""Score arithmetic: validation (0 to the item's points in steps of 0.5), section caps,
totals and pass/fail. Pure functions, so the rules are tested at their edges directly."""

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from wujin_branch.errors import DomainError

HALF = Decimal("0.5")
COLUMNS = ("suggested", "self_score", "committee_score", "district_score")


def parse_score(raw, points: Decimal, *, label="") -> Decimal | None:
    """Parse a typed score; empty is None. Refuse anything but 0..points in steps of 0.5."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}分数“{raw}”不是数字。") from None
    if not value.is_finite():
        raise DomainError(f"{label}分数“{raw}”不是数字。")
    if value < 0 or value > points:
        raise DomainError(f"{label}分数应在 0 到 {points.normalize()} 分之间。")
    if (value / HALF) != (value / HALF).to_integral_value():
        raise DomainError(f"{label}分数须以 0.5 分为单位（如 2、2.5）。")
    return value.quantize(Decimal("0.1"))


def floor_half(value: Decimal) -> Decimal:
    """Round down to a multiple of 0.5 (suggested scores never round up)."""
    return ((Decimal(value) / HALF).to_integral_value(rounding=ROUND_FLOOR) * HALF).quantize(Decimal("0.1"))


def proportional(points: Decimal, satisfied: int, required: int) -> Decimal:
    """points × satisfied ÷ required, rounded down to 0.5 (e.g. 6 × 11/12 = 5.5)."""
    if required <= 0:
        return Decimal(points).quantize(Decimal("0.1"))
    return floor_half(Decimal(points) * Decimal(min(satisfied, required)) / Decimal(required))


@dataclass
class SectionTotal:
    name: str
    max_points: Decimal
    items_points: Decimal
    raw: Decimal = Decimal("0")
    missing: int = 0

    @property
    def capped(self) -> Decimal:
        return min(self.raw, self.max_points)

    @property
    def over_cap(self) -> bool:
        return self.raw > self.max_points

    @property
    def declared_mismatch(self) -> bool:
        return self.items_points != self.max_points


@dataclass
class Totals:
    sections: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((s.capped for s in self.sections), Decimal("0")).quantize(Decimal("0.1"))

    @property
    def complete(self) -> bool:
        return all(s.missing == 0 for s in self.sections)


def totals(sections, scores_by_item: dict, column: str) -> Totals:
    """``sections``: RubricSection objects with prefetched ``items``; ``scores_by_item``:
    item id → ItemScore. Each section's sum is capped at its declared maximum."""
    out = Totals()
    for s in sections:
        items = list(s.items.all())
        st = SectionTotal(s.name, s.max_points, sum((i.points for i in items), Decimal("0")))
        for i in items:
            score = scores_by_item.get(i.pk)
            value = getattr(score, column) if score is not None else None
            if value is None:
                st.missing += 1
            else:
                st.raw += value
        out.sections.append(st)
    return out


def passes(total: Decimal | None, pass_line: Decimal, has_veto: bool) -> bool:
    return total is not None and total >= pass_line and not has_veto
