"""Reads for activity records: the compliance calendar (one branch, and all branches at once).

A period is *satisfied* by a record of the required type dated inside it that met its
quorum and has at least one photo; a period with records that miss either is *partial*.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from branches.models import Member, Organization, OrgKind, OrgStatus, PartyGroup, Standing
from branches.permissions import Action
from branches.selectors import branches_visible_to, get_for_user
from ledgers.development import overdue_examination_count
from ledgers.models import Activity, ActivityType, IntegrityFlag, Photo
from wujin_branch.services import today

# (type, period kind, label). The order is the calendar's row order.
REQUIREMENTS = [
    (ActivityType.CONGRESS, "quarter", "支部党员大会（每季度）"),
    (ActivityType.COMMITTEE, "month", "支委会（每月）"),
    (ActivityType.GROUP, "month", "党小组会（每组每月）"),
    (ActivityType.LECTURE, "quarter", "党课（每季度）"),
    (ActivityType.LIFE, "half", "组织生活会（每半年）"),
    (ActivityType.APPRAISAL, "year", "民主评议党员（每年）"),
    (ActivityType.THEME_DAY, "month", "主题党日（每月）"),
]
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "half": 2, "year": 1}
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def period_index(kind, month):
    return (month - 1) // MONTHS_PER_PERIOD[kind]


def period_bounds(kind, year, index):
    m = MONTHS_PER_PERIOD[kind]
    start = datetime.date(year, index * m + 1, 1)
    end_month = index * m + m
    end = datetime.date(year + (end_month // 12), end_month % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def period_label(kind, index):
    if kind == "month":
        return f"{index + 1}月"
    if kind == "quarter":
        return f"第{'一二三四'[index]}季度"
    if kind == "half":
        return "上半年" if index == 0 else "下半年"
    return "全年"


def get_activity_for_user(user, pk, action=Action.VIEW):
    """One record, voided ones too (its page shows it struck through)."""
    return get_for_user(
        Activity.all_objects.select_related("branch", "party_group", "created_by"),
        pk,
        user,
        action,
        missing="未找到该记录",
    )


def get_photo_for_user(user, pk):
    return get_for_user(Photo.objects.select_related("branch"), pk, user, Action.VIEW, missing="未找到该照片")


def get_flag_for_user(user, pk, action=Action.APPROVE):
    return get_for_user(
        IntegrityFlag.objects.select_related("activity__branch"),
        pk,
        user,
        action,
        branch="activity.branch",
        missing="未找到",
    )


def activities_for(branch, *, year=None, type=None):
    """The branch's records, voided ones among them (listed struck through; they count nowhere)."""
    qs = Activity.all_objects.filter(branch=branch).select_related("party_group")
    if year:
        qs = qs.filter(held_on__year=year)
    if type:
        qs = qs.filter(type=type)
    return qs.annotate(
        n_flags=Count("flags", filter=Q(flags__explained=False), distinct=True),
    ).order_by("-held_on", "-id")


# ---------------------------------------------------------------- one branch


@dataclass
class Cell:
    label: str
    start: datetime.date
    end: datetime.date
    state: str  # ok | partial | missing | current | future | na
    records: list = field(default_factory=list)

    @property
    def state_label(self):
        return {
            "ok": "已完成",
            "partial": "已开展，缺照片、人数不足或退回补充",
            "missing": "未开展",
            "current": "本期待开展",
            "future": "未到期",
            "na": "不适用",
        }[self.state]


@dataclass
class Row:
    label: str
    type: str
    kind: str
    group: PartyGroup | None
    cells: list
    satisfied: int = 0
    required: int = 0


def _cell_state(records, start, end, today, founded):
    if founded and end < founded:
        return "na"
    if any(r.counts for r in records):
        return "ok"
    if records:
        return "partial"
    if start > today:
        return "future"
    if end >= today:
        return "current"
    return "missing"


def branch_calendar(branch, year, *, today=None) -> list[Row]:
    """The grid for one branch and year, in two queries."""
    today = today or timezone.localdate()
    records = list(
        Activity.objects.filter(branch=branch, held_on__year=year, type__in=[t for t, _, _ in REQUIREMENTS])
        .only("id", "type", "held_on", "party_group_id", "quorum_met", "photo_count", "returned", "topic")
        .with_counts()
    )
    groups = list(PartyGroup.objects.filter(branch=branch, is_active=True))
    by_key = defaultdict(list)
    for r in records:
        by_key[(r.type, r.party_group_id if r.type == ActivityType.GROUP else None)].append(r)
    rows = []
    for type_, kind, label in REQUIREMENTS:
        targets = [(g, f"{label[:4]}·{g.name}") for g in groups] if type_ == ActivityType.GROUP else [(None, label)]
        if type_ == ActivityType.GROUP and not groups:
            continue
        for group, row_label in targets:
            recs = by_key[(type_, group.pk if group else None)]
            cells = []
            for i in range(PERIODS_PER_YEAR[kind]):
                start, end = period_bounds(kind, year, i)
                inside = [r for r in recs if start <= r.held_on <= end]
                cells.append(
                    Cell(
                        period_label(kind, i),
                        start,
                        end,
                        _cell_state(inside, start, end, today, branch.founded_on),
                        inside,
                    )
                )
            row = Row(row_label, type_, kind, group, cells)
            row.satisfied = sum(c.state == "ok" for c in cells)
            row.required = sum(c.state in ("ok", "partial", "missing") for c in cells)
            rows.append(row)
    return rows


def calendar_months(rows) -> list[tuple[int, list]]:
    """The grid as a list of months for a phone: each period under the month it ends in (a
    quarter under its third month, the year under December), with its state and records."""
    months = {m: [] for m in range(1, 13)}
    for row in rows:
        for c in row.cells:
            if c.state != "na":
                months[c.end.month].append((row, c))
    return [(m, items) for m, items in months.items() if items]


class _Rec(NamedTuple):
    type: str
    party_group_id: int | None
    held_on: datetime.date
    counts: bool


class ReturnedRow(NamedTuple):
    """A record sent back to the branch, as its page lists it."""

    pk: int
    type: str
    held_on: datetime.date
    topic: str

    def get_type_display(self):
        return _TYPE_LABELS.get(self.type, self.type)


_TYPE_LABELS = dict(ActivityType.choices)
RETURNED_ON_HOME = 20


def home_records(branch, year) -> tuple[list, list[ReturnedRow]]:
    """For the branch home, in one query: the year's records of the required types (for
    ``due_now(records=…)``) and the records sent back to the branch, latest first (at most
    ``RETURNED_ON_HOME``)."""
    rows = list(
        Activity.objects.filter(branch=branch)
        .filter(Q(returned=True) | Q(held_on__year=year, type__in=[t for t, _, _ in REQUIREMENTS]))
        .with_counts()
        .values_list("id", "type", "party_group_id", "held_on", "counts", "returned", "topic")
    )
    types = {t for t, _, _ in REQUIREMENTS}
    records = [_Rec(t, g, d, c) for _, t, g, d, c, _, _ in rows if d.year == year and t in types]
    returned = sorted((r for r in rows if r[5]), key=lambda r: (r[3], r[0]), reverse=True)[:RETURNED_ON_HOME]
    return records, [ReturnedRow(pk, t, d, topic) for pk, t, _, d, _, _, topic in returned]


def due_now(branch, *, today=None, groups=None, records=None) -> list[str]:
    """What is still to be held in the current month/quarter/half/year, for the branch home:
    the cells of ``branch_calendar`` that contain today, worked out for those periods only
    (the year's records as plain rows; ``groups``: the branch's active party groups in their
    order, when the caller has them already; ``records``: the year's records as ``home_records``
    gives them)."""
    today = today or timezone.localdate()
    if groups is None:
        groups = list(PartyGroup.objects.filter(branch=branch, is_active=True))
    if records is None:
        records = [
            _Rec(*r)
            for r in Activity.objects.filter(
                branch=branch, held_on__year=today.year, type__in=[t for t, _, _ in REQUIREMENTS]
            )
            .with_counts()
            .values_list("type", "party_group_id", "held_on", "counts")
        ]
    out = []
    short = "（已有记录，但缺照片、到会人数不足、会议记录过短或被退回补充）"
    for type_, kind, label in REQUIREMENTS:
        index = period_index(kind, today.month)
        start, end = period_bounds(kind, today.year, index)
        inside = [r for r in records if r.type == type_ and start <= r.held_on <= end]
        if type_ == ActivityType.GROUP:
            targets = [(f"{label[:4]}·{g.name}", [r for r in inside if r.party_group_id == g.pk]) for g in groups]
        else:
            targets = [(label, inside)]
        for row_label, recs in targets:
            state = _cell_state(recs, start, end, today, branch.founded_on)
            if state in ("current", "partial"):
                extra = short if state == "partial" else ""
                out.append(f"{row_label}：{period_label(kind, index)}{extra}，截止 {end:%m月%d日}")
    if n := overdue_examination_count(branch, on=today):
        out.append(f"入党积极分子考察：{n} 人逾期未考察，请及时考察并记录")
    return out


# ---------------------------------------------------------------- all branches


def compliance_counts(start: datetime.date, end: datetime.date, *, branch_ids=None) -> dict:
    """Satisfied periods per branch and requirement inside [start, end], in one query.

    Returns ``{branch_id: {type: satisfied_periods}}``; for 党小组会 the count is of
    distinct (group, month) pairs. The required number of periods is
    ``required_periods(kind, start, end)`` (times the number of groups for 党小组会).
    Only whole periods inside the window count.
    """
    qs = Activity.objects.counting().filter(held_on__gte=start, held_on__lte=end)
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    rows = (
        qs.filter(type__in=[t for t, _, _ in REQUIREMENTS])
        .annotate(m=ExtractMonth("held_on"))
        .values("branch_id", "type", "party_group_id", "held_on__year", "m")
        .distinct()
        .order_by()
    )
    kinds = {t: k for t, k, _ in REQUIREMENTS}
    seen = defaultdict(set)
    for r in rows:
        kind = kinds[r["type"]]
        pstart, pend = period_bounds(kind, r["held_on__year"], period_index(kind, r["m"]))
        if pstart < start or pend > end:
            continue
        group = r["party_group_id"] if r["type"] == ActivityType.GROUP else None
        seen[(r["branch_id"], r["type"])].add((group, r["held_on__year"], period_index(kind, r["m"])))
    out = defaultdict(dict)
    for (branch_id, type_), periods in seen.items():
        out[branch_id][type_] = len(periods)
    return out


def required_periods(kind, start, end) -> int:
    """Whole periods of ``kind`` lying inside [start, end]."""
    n = 0
    for year in range(start.year, end.year + 1):
        for i in range(PERIODS_PER_YEAR[kind]):
            ps, pe = period_bounds(kind, year, i)
            if ps >= start and pe <= end:
                n += 1
    return n


# ---------------------------------------------------------------- branches read from their records


def shell_orgs(user, *, on=None):
    """Likely 空壳 branches for stage 1's clean-up, each annotated with why (``shell_flags``)."""
    qs, condition = shell_flags(branches_visible_to(user).filter(status=OrgStatus.ACTIVE), on=on)
    return qs.filter(condition).order_by("path")


def shell_flags(branches, *, on=None):
    """``branches`` annotated with ``has_member`` / ``has_recent``, and the condition that
    marks a likely 空壳 branch (the one rule: the 空壳 list and the stage progress use it).

    A branch with no active member; or, once the platform holds activity records at all,
    a branch older than six months with no activity dated in the last six months.
    """
    on = on or today()
    six_months_ago = on - datetime.timedelta(days=183)
    has_member = Member.objects.filter(branch=OuterRef("pk"), standing=Standing.ACTIVE)
    recent = Activity.objects.filter(branch=OuterRef("pk"), held_on__gte=six_months_ago)
    qs = branches.annotate(has_member=Exists(has_member), has_recent=Exists(recent))
    condition = Q(has_member=False)
    if Activity.objects.exists():
        condition |= Q(has_recent=False) & (Q(founded_on__isnull=True) | Q(founded_on__lt=six_months_ago))
    return qs, condition


SILENT_DAYS = 30


def silent_branches(orgs=None, *, on=None, days=SILENT_DAYS):
    """Active branches with no organization-life record held in the ``days`` days up to
    ``on`` (DOMAIN.md: a branch silent for 30 days gets a reminder), each annotated with
    ``last_held`` (None: never). A branch founded within those days is not silent yet.
    ``orgs`` narrows the search (e.g. ``branches_visible_to(user)``); one query."""
    on = on or today()
    since = on - datetime.timedelta(days=days)
    # "no record in the window" as NOT EXISTS: PostgreSQL anti-joins the window's few records
    # instead of looking up every branch's latest one (3,000 index probes, 40 ms at district
    # scale); ``last_held`` is then read for the silent branches only.
    recent = Activity.objects.filter(branch=OuterRef("pk"), held_on__gt=since, held_on__lte=on)
    last = Activity.objects.filter(branch=OuterRef("pk"), held_on__lte=on).order_by("-held_on").values("held_on")[:1]
    qs = (orgs if orgs is not None else Organization.objects.all()).filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE)
    return (
        qs.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=since))
        .filter(~Exists(recent))
        .annotate(last_held=Subquery(last))
    )
