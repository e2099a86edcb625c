"""Who the branch collects from, and from which month (see the package docstring)."""

import datetime

from django.db.models import OuterRef, Subquery

from branches.models import Member, MemberTransfer, Standing, TransferDirection
from ledgers.dues.common import add_months, month_end, month_start
from ledgers.models import DuesBase


def transfer_in_q(branch):
    """Transfers into ``branch``, from outside the district or from another branch in it:
    either way the old organization collected up to the month of transfer."""
    return MemberTransfer.objects.filter(
        member=OuterRef("pk"), direction__in=[TransferDirection.IN, TransferDirection.INTERNAL], to_branch=branch
    ).order_by("-occurred_on", "-id")


def members_with_dues(branch, year):
    """Members of the branch with their latest base up to ``year`` and transfer-in date (one query)."""
    latest = DuesBase.objects.filter(member=OuterRef("pk"), year__lte=year).order_by("-year")
    return Member.objects.filter(branch=branch).annotate(
        base_year=Subquery(latest.values("year")[:1]),
        base_fen=Subquery(latest.values("monthly_fen")[:1]),
        transfer_in_on=Subquery(transfer_in_q(branch).values("occurred_on")[:1]),
    )


def first_expected_month(member) -> datetime.date:
    """The first month the branch collects from this member (see the module docstring)."""
    first = month_start(member.joined_on)
    moved_in = getattr(member, "transfer_in_on", None)
    if moved_in:
        first = max(first, add_months(month_start(moved_in), 1))
    return first


def on_roster_in(member, month) -> bool:
    return member.joined_on <= month_end(month) and (
        member.standing == Standing.ACTIVE or (member.left_on is not None and member.left_on >= month)
    )
