"""The 党建工作经费 rules (seed §二(四)2): the standard a branch budgets against, and the flags.

Funding standard (经费标准)
    For 机关 and 事业单位 the standard is computed, never typed: 600 yuan (``FUNDING_PER_MEMBER_FEN``,
    a setting) × the members on the branch's roster on **1 January of the year** — joined by then
    and not yet gone, the same rule as ``services.roster_on``. The same date is used for past
    years and for the current one, so the standard a branch budgets against does not move during
    the year as members join or leave (a member who joins in June counts from next year). Because
    the roster follows each member's current branch, a member moved to another branch inside the
    district counts for the new branch in earlier years too. For every other branch type
    (villages and communities by collective income, enterprises and social organizations from
    returned dues and revenue-linked budgets) the standard and its basis are entered by hand.

Flags
    ``funding_flags(branch, year)`` (one branch, from its rows) and ``funding_flags_all(year,
    branch_ids)`` (any number of branches, two queries) gather the same facts in two ways and
    apply the same rules (``flags_from_facts``), so the assessment can use either. A year without a
    funding row counts as an empty row: no special fund (the one-vote veto), no account.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from branches.models import BranchType, Member, Organization, OrgKind, OrgStatus, Standing
from branches.permissions import Action
from branches.selectors import get_for_user
from ledgers.activities.services import roster_on
from ledgers.models import INCOME_CATEGORIES, PERMITTED_EXPENSES, FundingCategory, FundingEntry, FundingYear

FUNDING_PER_MEMBER_FEN = getattr(settings, "FUNDING_PER_MEMBER_FEN", 600 * 100)
COMPUTED_STANDARD_TYPES = frozenset({BranchType.ORGAN, BranchType.INSTITUTION})
EXPENSE_CATEGORIES = frozenset(set(FundingCategory) - INCOME_CATEGORIES)


MANUAL_BASIS_HINTS = {
    BranchType.VILLAGE: "村党组织：根据村集体经济收入情况确定",
    BranchType.COMMUNITY: "社区党组织：根据社区集体收入情况确定",
    BranchType.PRIVATE_ENTERPRISE: "非公有制企业：从返还党费和按营收比例列入管理费用的党建经费中安排",
    BranchType.SOCIAL_ORG: "社会组织：从返还党费和按业务收入比例列支的党建经费中安排",
}
MANUAL_BASIS_DEFAULT_HINT = "请写明标准的来源，如返还党费、单位按比例列支的党建工作经费、集体收入安排等"

# Flag codes (stable: the assessment matches on them).
NO_SPECIAL_FUND = "no_special_fund"
OUTSIDE_CATEGORIES = "outside_categories"
BUDGET_BELOW_STANDARD = "budget_below_standard"
NEGATIVE_BALANCE = "negative_balance"
MISSING_RECEIPTS = "missing_receipts"
NO_ACCOUNT = "no_account"


def yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def get_entry_for_user(user, pk, action=Action.VIEW) -> FundingEntry:
    return get_for_user(
        FundingEntry.objects.select_related("funding__branch"),
        pk,
        user,
        action,
        branch="funding.branch",
        missing="未找到该收支记录",
    )


# ---------------------------------------------------------------- funding: standard and flags


@dataclass(frozen=True)
class Standard:
    fen: int
    basis: str
    computed: bool
    members: int | None = None
    roster_date: datetime.date | None = None


def roster_date_for(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def standard_is_computed(branch) -> bool:
    return branch.branch_type in COMPUTED_STANDARD_TYPES


def _computed_basis(branch_type_label, members, day):
    return (
        f"{branch_type_label}党组织按每名党员每年不少于{FUNDING_PER_MEMBER_FEN // 100}元："
        f"{day:%Y年%m月%d日}在册党员{members}名"
    )


def funding_standard(branch, year: int, funding: FundingYear | None = None) -> Standard:
    """The year's standard: computed from the roster for 机关/事业单位, else as entered."""
    if standard_is_computed(branch):
        day = roster_date_for(year)
        n = roster_on(branch, day).count()
        return Standard(
            fen=n * FUNDING_PER_MEMBER_FEN,
            basis=_computed_basis(branch.get_branch_type_display(), n, day),
            computed=True,
            members=n,
            roster_date=day,
        )
    if funding is None:
        return Standard(fen=0, basis="", computed=False)
    return Standard(fen=funding.standard_fen, basis=funding.standard_basis, computed=False)


@dataclass(frozen=True)
class FundingFlag:
    code: str
    level: str  # "danger" | "warning"
    message: str
    veto: bool = False


@dataclass(frozen=True)
class FundingFacts:
    standard_fen: int
    budget_fen: int
    has_special_fund: bool
    has_account: bool
    income_fen: int
    expense_fen: int
    other_expense_count: int
    other_expense_fen: int
    no_receipt_count: int

    @property
    def balance_fen(self):
        return self.income_fen - self.expense_fen


def flags_from_facts(f: FundingFacts) -> list[FundingFlag]:
    """The funding rules, applied to facts however they were gathered."""
    out = []
    if not f.has_special_fund:
        out.append(
            FundingFlag(
                NO_SPECIAL_FUND,
                "danger",
                "未落实党建工作专项经费（一票否决情形）。",
                veto=True,
            )
        )
    if f.other_expense_count:
        out.append(
            FundingFlag(
                OUTSIDE_CATEGORIES,
                "danger",
                f"有 {f.other_expense_count} 笔支出（共 {yuan_text(f.other_expense_fen)} 元）不在规定的使用范围内"
                "（阵地建设、发展党员和党员教育管理、党员表彰和慰问、党报党刊订阅）。",
            )
        )
    if f.standard_fen and f.budget_fen < f.standard_fen:
        out.append(
            FundingFlag(
                BUDGET_BELOW_STANDARD,
                "warning",
                f"年度预算 {yuan_text(f.budget_fen)} 元，低于经费标准 {yuan_text(f.standard_fen)} 元。",
            )
        )
    if f.balance_fen < 0:
        out.append(
            FundingFlag(
                NEGATIVE_BALANCE,
                "danger",
                f"经费结余为负（{yuan_text(f.balance_fen)} 元）：支出超过收入，请核对收入是否漏记。",
            )
        )
    if f.no_receipt_count:
        out.append(FundingFlag(MISSING_RECEIPTS, "warning", f"有 {f.no_receipt_count} 笔支出没有上传票据。"))
    if not f.has_account:
        out.append(FundingFlag(NO_ACCOUNT, "warning", "党建工作经费未设专户（专账）管理。"))
    return out


def facts_from_rows(standard: Standard, funding: FundingYear | None, entries) -> FundingFacts:
    income = expense = other_n = other_fen = no_receipt = 0
    for e in entries:
        if e.category in INCOME_CATEGORIES:
            income += e.amount_fen
            continue
        expense += e.amount_fen
        if e.category not in PERMITTED_EXPENSES:
            other_n += 1
            other_fen += e.amount_fen
        if not e.receipt:
            no_receipt += 1
    return FundingFacts(
        standard_fen=standard.fen,
        budget_fen=funding.budget_fen if funding else 0,
        has_special_fund=bool(funding and funding.has_special_fund),
        has_account=bool(funding and funding.has_account),
        income_fen=income,
        expense_fen=expense,
        other_expense_count=other_n,
        other_expense_fen=other_fen,
        no_receipt_count=no_receipt,
    )


def funding_flags(branch, year: int) -> list[FundingFlag]:
    """The funding flags of one branch for one year (a missing row counts as an empty one)."""
    funding = FundingYear.objects.filter(branch=branch, year=year).first()
    entries = FundingEntry.objects.filter(funding=funding).only("category", "amount_fen", "receipt") if funding else []
    return flags_from_facts(facts_from_rows(funding_standard(branch, year, funding), funding, entries))


def funding_sums(year: int, branch_ids):
    """The year's funding row of each of ``branch_ids`` with its sums (income, expense, the
    "other" expenses, entries without a receipt), as dicts, in one query. Also read by the
    assessment's 经费 rule."""
    expenses = Q(entries__category__in=list(EXPENSE_CATEGORIES))
    other = Q(entries__category=FundingCategory.OTHER_EXPENSE)
    return (
        FundingYear.objects.filter(year=year, branch_id__in=list(branch_ids))
        .annotate(
            income=Coalesce(Sum("entries__amount_fen", filter=Q(entries__category__in=list(INCOME_CATEGORIES))), 0),
            expense=Coalesce(Sum("entries__amount_fen", filter=expenses), 0),
            n_entries=Count("entries"),
            n_expense=Count("entries", filter=expenses),
            other_n=Count("entries", filter=other),
            other_fen=Coalesce(Sum("entries__amount_fen", filter=other), 0),
            no_receipt=Count("entries", filter=expenses & Q(entries__receipt="")),
        )
        .values(
            "branch_id",
            "standard_fen",
            "budget_fen",
            "has_special_fund",
            "has_account",
            "income",
            "expense",
            "n_entries",
            "n_expense",
            "other_n",
            "other_fen",
            "no_receipt",
        )  # fmt: skip
    )


def funding_flags_all(year: int, branch_ids=None) -> dict[int, list[FundingFlag]]:
    """Flags for many branches at once, in two queries whatever their number.

    ``branch_ids`` None means every active branch. Ids that are not branches are left out.
    """
    day = roster_date_for(year)
    branches = Organization.objects.filter(kind=OrgKind.BRANCH)
    if branch_ids is None:
        branches = branches.filter(status=OrgStatus.ACTIVE)
    else:
        branches = branches.filter(pk__in=list(branch_ids))
    n_roster = (
        Member.objects.filter(branch=OuterRef("pk"), joined_on__lte=day)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
        .order_by()
        .values("branch")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = branches.annotate(
        n_roster=Case(
            When(branch_type__in=list(COMPUTED_STANDARD_TYPES), then=Coalesce(Subquery(n_roster), 0)),
            default=Value(None),
            output_field=IntegerField(),
        )
    ).values_list("pk", "n_roster")
    roster = dict(rows)
    if not roster:
        return {}

    by_branch = {r["branch_id"]: r for r in funding_sums(year, list(roster))}
    out = {}
    for pk, n in roster.items():
        r = by_branch.get(pk)
        if n is not None:
            standard = n * FUNDING_PER_MEMBER_FEN
        else:
            standard = r["standard_fen"] if r else 0
        facts = FundingFacts(
            standard_fen=standard,
            budget_fen=r["budget_fen"] if r else 0,
            has_special_fund=bool(r and r["has_special_fund"]),
            has_account=bool(r and r["has_account"]),
            income_fen=r["income"] if r else 0,
            expense_fen=r["expense"] if r else 0,
            other_expense_count=r["other_n"] if r else 0,
            other_expense_fen=r["other_fen"] if r else 0,
            no_receipt_count=r["no_receipt"] if r else 0,
        )
        out[pk] = flags_from_facts(facts)
    return out
