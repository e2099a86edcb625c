"""党员信息台账, the dues part: each member's twelve months (paid, owed, not yet due) and the section totals."""

import datetime
from dataclasses import dataclass

from ledgers import dues
from ledgers.models import DuesBase, DuesGroup

# ---------------------------------------------------------------- dues


MONTHS = range(1, 13)


@dataclass
class DuesCell:
    month: int
    state: str  # paid | unpaid | open (not yet due) | exempt (not collected) | untracked (before 党费起算月)
    payment: object | None = None

    @property
    def text(self) -> str:
        if self.payment is not None:
            return dues.yuan(self.payment.amount_fen)
        return {"unpaid": "未交", "exempt": "—"}.get(self.state, "")


@dataclass
class DuesRow:
    member: object
    base: DuesBase | None  # the year's verified base
    expected_fen: int | None
    note: str
    cells: list[DuesCell]
    arrears: object | None  # dues.ArrearsRow at the year's end, if any

    @property
    def group_label(self) -> str:
        return DuesGroup(self.base.group).label if self.base else ""

    @property
    def expected_yuan(self) -> str:
        return dues.yuan(self.expected_fen)

    @property
    def expected_text(self) -> str:
        if self.expected_fen is None:
            return "未核定"
        return "免交" if self.expected_fen == 0 else dues.yuan(self.expected_fen)

    @property
    def paid_fen(self) -> int:
        return sum(c.payment.amount_fen for c in self.cells if c.payment is not None)

    @property
    def paid_yuan(self) -> str:
        return dues.yuan(self.paid_fen)

    @property
    def paid_months(self) -> int:
        return sum(1 for c in self.cells if c.payment is not None)

    @property
    def unpaid_months(self) -> int:
        return sum(1 for c in self.cells if c.state == "unpaid")

    @property
    def base_text(self) -> str:
        b = self.base
        if b is None:
            return self.note or "未核定"
        text = b.rule_text
        if b.reduced:
            text += f"；经批准{'免交' if b.monthly_fen == 0 else '减交'}（{b.reduction_reason}）"
        return text


@dataclass
class DuesSection:
    rows: list[DuesRow]
    arrears: object  # dues.Arrears
    last_due: datetime.date  # the last complete month counted

    @property
    def paid_fen(self) -> int:
        return sum(r.paid_fen for r in self.rows)

    @property
    def paid_yuan(self) -> str:
        return dues.yuan(self.paid_fen)

    @property
    def unpaid_months(self) -> int:
        return sum(r.unpaid_months for r in self.rows)

    @property
    def as_of(self) -> str:
        return dues.month_label(self.arrears.last_month)

    @property
    def months(self):
        return MONTHS

    @property
    def month_totals(self) -> list[str]:
        """Paid in each month of the year (yuan), over every member."""
        totals = [0] * 12
        for r in self.rows:
            for c in r.cells:
                if c.payment is not None:
                    totals[c.month - 1] += c.payment.amount_fen
        return [dues.yuan(t) if t else "" for t in totals]


def dues_cells(member, expected_fen, payments: dict, year, last_due) -> list[DuesCell]:
    collected = dues.collected_from(member.joined_on, getattr(member, "transfer_in_on", None))
    first = dues.first_expected_month(member)
    cells = []
    for i in MONTHS:
        month = datetime.date(year, i, 1)
        p = payments.get(i)
        if p is not None:
            state = "paid"
        elif (month < collected or not dues.on_roster_in(member, month) or expected_fen == 0
              or getattr(member, "dues_elsewhere", False)):  # fmt: skip
            state = "exempt"
        elif month < first:
            state = "untracked"  # before the member's 党费起算月: not owed, nothing recorded
        elif month <= last_due:
            state = "unpaid"
        else:
            state = "open"
        cells.append(DuesCell(i, state, p))
    return cells


