"""Arrears (欠交) with the six-month flag, and the reminders (提醒告知) a branch records.

Months are owed from each member's 党费起算月 (``members.first_expected_month``). Nothing is
ever changed automatically: the flag asks the branch to study the case.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Subquery

from branches.models import Member, Standing
from ledgers.dues.common import add_months, clean_fields, month_label, month_start, require_writable, today, yuan
from ledgers.dues.members import amount_for_year, dues_elsewhere, first_expected_month, transfer_in_q
from ledgers.models import DuesBase, DuesPayment, DuesReminder
from wujin_branch.errors import DomainError

ARREARS_FLAG_MONTHS = 6
ARREARS_FLAG_TEXT = "连续六个月未交纳党费，请支部研究处理（不自动处理）"
REMINDER_WAYS = ["当面", "电话", "短信", "微信"]


def arrears_lookback_months() -> int:
    return getattr(settings, "DUES_ARREARS_LOOKBACK_MONTHS", 36)


@dataclass
class ArrearsRow:
    member: Member
    unpaid: list[datetime.date]
    run: int  # consecutive unpaid months ending with the last complete month
    owed_fen: int | None  # None when an amount is not verified
    last_paid: datetime.date | None
    reminders: list[DuesReminder]

    @property
    def flagged(self) -> bool:
        return self.run >= ARREARS_FLAG_MONTHS

    @property
    def owed_yuan(self) -> str:
        return yuan(self.owed_fen)

    @property
    def flag_text(self) -> str:
        return ARREARS_FLAG_TEXT if self.flagged else ""

    @property
    def unpaid_text(self) -> str:
        shown = [month_label(m) for m in self.unpaid[-12:]]
        more = len(self.unpaid) - len(shown)
        return ("……" if more else "") + "、".join(shown)


@dataclass
class Arrears:
    on: datetime.date
    last_month: datetime.date
    window_from: datetime.date  # the lookback limit: no month before it is counted
    rows: list[ArrearsRow]

    @property
    def flagged(self) -> list[ArrearsRow]:
        return [r for r in self.rows if r.flagged]


def dues_arrears_for(branch, on: datetime.date | None = None, *, member_ids=None) -> Arrears:
    """Per active member: unpaid expected months up to the last complete month, the current
    run of consecutive unpaid months, and the flag at six. Four queries for a branch.

    Expected months start at the member's ``first_expected_month`` (the 党费起算月, not before
    joining or a transfer in): a member with a join date years back who came onto the
    platform this year owes nothing for the years before.

    Nothing is ever changed: the flag asks the branch to study the case (a branch meeting
    and upper approval decide, never the platform).
    """
    on = on or today()
    last = add_months(month_start(on), -1)
    window = add_months(last, 1 - arrears_lookback_months())
    members_qs = (
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .filter(~dues_elsewhere())  # 区外流入: dues are paid where the relation is (ledgers.dues.members)
        .annotate(transfer_in_on=Subquery(transfer_in_q(branch).values("occurred_on")[:1]))
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    if member_ids is not None:
        members_qs = members_qs.filter(pk__in=member_ids)
    members = list(members_qs)
    bases = defaultdict(list)
    for member_id, year, fen in (
        DuesBase.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE)
        .order_by("year")
        .values_list("member_id", "year", "monthly_fen")
    ):
        bases[member_id].append((year, fen))
    paid = defaultdict(set)
    payments = DuesPayment.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE)
    for member_id, month in payments.values_list("member_id", "month"):
        paid[member_id].add(month)
    reminders = defaultdict(list)
    for r in (
        DuesReminder.objects.filter(member__branch=branch, member__standing=Standing.ACTIVE)
        .select_related("by")
        .order_by("-reminded_on", "-id")
    ):
        reminders[r.member_id].append(r)
    rows = []
    for m in members:
        start = max(first_expected_month(m), window)
        expected = []
        month = start
        while month <= last:
            fen = amount_for_year(bases[m.pk], month.year)
            if fen != 0:
                expected.append((month, fen))
            month = add_months(month, 1)
        unpaid = [(mo, fen) for mo, fen in expected if mo not in paid[m.pk]]
        if not unpaid:
            continue
        run, month = 0, last
        expected_set = {mo for mo, _ in expected}
        while month >= start and month in expected_set and month not in paid[m.pk]:
            run += 1
            month = add_months(month, -1)
        owed = None if any(fen is None for _, fen in unpaid) else sum(fen for _, fen in unpaid)
        rows.append(
            ArrearsRow(
                member=m,
                unpaid=[mo for mo, _ in unpaid],
                run=run,
                owed_fen=owed,
                last_paid=max(paid[m.pk]) if paid[m.pk] else None,
                reminders=reminders[m.pk][:5],
            )
        )
    rows.sort(key=lambda r: (-r.run, -len(r.unpaid), r.member.name_pinyin, r.member.pk))
    return Arrears(on, last, window, rows)


# ---------------------------------------------------------------- reminders


def dues_reminder_record(
    *, actor, member: Member, reminded_on: datetime.date, way: str, note: str = ""
) -> DuesReminder:
    """Record that a member was reminded (提醒告知); the months unpaid are taken from arrears."""
    branch = member.branch
    require_writable(actor, branch)
    if member.standing != Standing.ACTIVE:
        raise DomainError("该党员不在册。")
    if way not in REMINDER_WAYS:
        raise DomainError("请选择提醒方式。", field="way")
    if reminded_on is None or reminded_on > today():
        raise DomainError("提醒日期不能晚于今天。", field="reminded_on")
    arrears = dues_arrears_for(branch, member_ids=[member.pk])
    months = len(arrears.rows[0].unpaid) if arrears.rows else 0
    reminder = DuesReminder(
        member=member,
        reminded_on=reminded_on,
        months_unpaid=min(months, 32767),
        way=way,
        note=(note or "").strip(),
        by=actor,
    )
    clean_fields(reminder, ["member", "by"], member.name)
    reminder.save()
    return reminder
