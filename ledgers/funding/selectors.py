"""The 党建工作经费 page of a branch and year: standard, totals by category, flags."""

from dataclasses import dataclass

from ledgers.funding.rules import (
    MANUAL_BASIS_DEFAULT_HINT,
    MANUAL_BASIS_HINTS,
    facts_from_rows,
    flags_from_facts,
    funding_standard,
)
from ledgers.models import INCOME_CATEGORIES, PERMITTED_EXPENSES, FundingCategory, FundingEntry, FundingYear

# ---------------------------------------------------------------- funding: page


@dataclass
class CategoryTotal:
    category: str
    label: str
    fen: int
    count: int
    permitted: bool


def funding_page(branch, year: int) -> dict:
    """Everything the funding page shows, in a fixed number of queries."""
    funding = FundingYear.objects.filter(branch=branch, year=year).first()
    entries = (
        list(FundingEntry.objects.filter(funding=funding).select_related("recorded_by").order_by("occurred_on", "id"))
        if funding
        else []
    )
    standard = funding_standard(branch, year, funding)
    facts = facts_from_rows(standard, funding, entries)
    totals = {c: CategoryTotal(c, FundingCategory(c).label, 0, 0, c in PERMITTED_EXPENSES) for c in FundingCategory}
    for e in entries:
        t = totals[e.category]
        t.fen += e.amount_fen
        t.count += 1
    income = [totals[c] for c in FundingCategory if c in INCOME_CATEGORIES]
    expense = [totals[c] for c in FundingCategory if c not in INCOME_CATEGORIES]
    flags = flags_from_facts(facts)
    return {
        "funding": funding,
        "entries": entries,
        "standard": standard,
        "facts": facts,
        "income_totals": income,
        "expense_totals": expense,
        "flags": flags,
        "veto": any(f.veto for f in flags),
        "basis_hint": MANUAL_BASIS_HINTS.get(branch.branch_type, MANUAL_BASIS_DEFAULT_HINT),
    }
