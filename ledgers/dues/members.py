"""Who the branch collects from, and from which month (see the package docstring)."""

import datetime

from django.db.models import OuterRef, Subquery

from branches.flow_models import relation_outside
from branches.models import Member, MemberTransfer, Standing, TransferDirection
from ledgers.dues.common import add_months, month_end, month_start
from ledgers.models import DuesBase

TRANSFER_IN = (TransferDirection.IN, TransferDirection.INTERNAL)


def transfer_in_q(branch):
    """Transfers into ``branch``, from outside the district or from another branch in it:
    either way the old organization collected up to the month of transfer."""
    return MemberTransfer.objects.filter(member=OuterRef("pk"), direction__in=TRANSFER_IN, to_branch=branch).order_by(
        "-occurred_on", "-id"
    )


# 党费 is paid where the 组织关系 is (DOMAIN.md: a member counts where the relation is; 流入地
# 主管 covers 组织生活 and education, not the dues): a 区外流入 member kept on a branch of the
# district pays the outside organization, so that branch expects nothing from them — no
# arrears, no reminder, not in the dues item's roster. A member flowing between two branches
# of the district keeps ``member.branch`` at the 流出 side, which collects as before.
DUES_ELSEWHERE_NOTE = "组织关系在区外（区外流入），党费在组织关系所在党组织交纳"


def dues_elsewhere():
    """Annotation: the member (OuterRef pk) pays dues elsewhere (an open 区外流入 flow)."""
    return relation_outside()


def members_with_dues(branch, year):
    """Members of the branch with their latest base up to ``year`` and transfer-in date (one query)."""
    latest = DuesBase.objects.filter(member=OuterRef("pk"), year__lte=year).order_by("-year")
    return Member.objects.filter(branch=branch).annotate(
        base_year=Subquery(latest.values("year")[:1]),
        base_fen=Subquery(latest.values("monthly_fen")[:1]),
        transfer_in_on=Subquery(transfer_in_q(branch).values("occurred_on")[:1]),
        dues_elsewhere=dues_elsewhere(),
    )


def collected_from(joined_on: datetime.date, transfer_in_on: datetime.date | None = None) -> datetime.date:
    """The first month this branch collects at all: the month of joining (预备党员 from
    admission), or the month after a transfer in (the old organization collected until then)."""
    first = month_start(joined_on)
    if transfer_in_on:
        first = max(first, add_months(month_start(transfer_in_on), 1))
    return first


def dues_first_month(
    *, joined_on: datetime.date, dues_from: datetime.date, transfer_in_on: datetime.date | None = None
) -> datetime.date:
    """The first month dues are owed: the 党费起算月, not before the branch collects at all.
    The one rule the grid, arrears, reminders, the ledger and the assessment's item 13 read."""
    return max(month_start(dues_from), collected_from(joined_on, transfer_in_on))


def first_expected_month(member) -> datetime.date:
    """``dues_first_month`` of a member row (annotated with ``transfer_in_on`` where it matters)."""
    return dues_first_month(
        joined_on=member.joined_on, dues_from=member.dues_from, transfer_in_on=getattr(member, "transfer_in_on", None)
    )


def amount_for_year(bases: list[tuple[int, int]], year: int) -> int | None:
    """From (year, monthly_fen) sorted by year: the latest verified amount up to ``year``
    (None: never verified; 0: a waiver)."""
    fen = None
    for y, f in bases:
        if y > year:
            break
        fen = f
    return fen


def on_roster_in(member, month) -> bool:
    return member.joined_on <= month_end(month) and (
        member.standing == Standing.ACTIVE or (member.left_on is not None and member.left_on >= month)
    )
