"""Reads for the review dashboards and the results export.

District: every committee (depth-2 organization) with its branches counted per state, the
pass rate against the period's target, vetoes, a score histogram and overdue steps.
Committee: its branches' assessments with what waits for the committee and the deadlines.

Every number comes from grouped aggregates (``GROUP BY substr(path, 1, 8)``), so a page
runs the same few queries for 30 branches or 3,000.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from django.db.models import Count, Q
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from assessment.models import Assessment, Period, PeriodStatus
from assessment.models import AssessmentStatus as S
from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import Action, scope_q
from review.models import Objection, ObjectionStatus

COMMITTEE_DEPTH = 2
PREFIX_LEN = Organization.steplen * COMMITTEE_DEPTH
OVERDUE_ROWS = 50


@dataclass(frozen=True)
class StatusGroup:
    key: str
    label: str
    statuses: tuple


STATUS_GROUPS = [
    StatusGroup("self", "自评中", (S.DRAFT, S.RETURNED)),
    StatusGroup("committee", "待党(工)委审核", (S.SUBMITTED, S.COMMITTEE_REVIEWED, S.DISTRICT_RETURNED)),
    StatusGroup("declaring", "已推荐/申报", (S.RECOMMENDED, S.DECLARED)),
    StatusGroup("passed", "拟定合格/公示中/合格", (S.ACCEPTED, S.PUBLISHED, S.CONFIRMED)),
    StatusGroup("failed", "不合格/整顿", (S.NOT_PASSED, S.NOT_RECOMMENDED, S.RECTIFYING)),
]
GROUPS_BY_KEY = {g.key: g for g in STATUS_GROUPS}

# What waits for the committee, by state (review.services.STEPS: the committee acts on these).
COMMITTEE_WAITING = {
    S.SUBMITTED: "待审核",
    S.DISTRICT_RETURNED: "待审核",
    S.COMMITTEE_REVIEWED: "待推荐",
    S.RECOMMENDED: "待申报",
}


STATUS_BADGES = {
    S.RETURNED: "warning", S.DISTRICT_RETURNED: "warning", S.SUBMITTED: "info", S.COMMITTEE_REVIEWED: "info",
    S.RECOMMENDED: "info", S.DECLARED: "info", S.ACCEPTED: "ok", S.PUBLISHED: "ok", S.CONFIRMED: "ok",
    S.NOT_PASSED: "danger", S.NOT_RECOMMENDED: "danger", S.RECTIFYING: "danger",
}  # fmt: skip


@dataclass(frozen=True)
class OverdueKind:
    key: str
    label: str
    statuses: tuple
    deadline_field: str


OVERDUE_KINDS = [
    OverdueKind("self", "支部自评逾期", (S.DRAFT, S.RETURNED), "self_deadline"),
    OverdueKind("committee", "党(工)委审核逾期", tuple(COMMITTEE_WAITING), "committee_deadline"),
    OverdueKind("district", "区委组织部验收逾期", (S.DECLARED,), "district_deadline"),
]


@dataclass(frozen=True)
class Target:
    """The seed's stage-2 goal: every branch qualified (合格支部) by the end of 2017."""

    rate: Decimal
    by: datetime.date
    label: str


def period_target(period) -> Target:
    """The period's goal: its target rate by its date (the district deadline when not set)."""
    by = period.target_on or period.district_deadline
    stage = period.get_stage_display().split("：")[0]
    rate = period.target_rate
    return Target(rate, by, f"{stage}：{by.year}年{by.month}月{by.day}日前合格率达到{rate.normalize():f}%")

# (low inclusive, high exclusive, label); the last bin includes 100.
SCORE_BINS = [
    (None, Decimal("60"), "<60"),
    (Decimal("60"), Decimal("70"), "60–70"),
    (Decimal("70"), Decimal("80"), "70–80"),
    (Decimal("80"), Decimal("85"), "80–85"),
    (Decimal("85"), Decimal("90"), "85–90"),
    (Decimal("90"), Decimal("95"), "90–95"),
    (Decimal("95"), None, "95–100"),
]


def _bin_q(lo, hi):
    q = Q()
    if lo is not None:
        q &= Q(score__gte=lo)
    if hi is not None:
        q &= Q(score__lt=hi)
    return q & Q(score__isnull=False)


def bin_index(score) -> int | None:
    """Which bin a score falls in (for tests and the export); 85 goes into 85–90."""
    if score is None:
        return None
    for i, (lo, hi, _) in enumerate(SCORE_BINS):
        if (lo is None or score >= lo) and (hi is None or score < hi):
            return i
    return None


def today():
    return timezone.localdate()


# ---------------------------------------------------------------- periods


def dashboard_periods():
    return list(Period.objects.exclude(status=PeriodStatus.DRAFT).order_by("-year", "-created_at", "-id"))


def pick_period(periods, pk=None):
    """The chosen period, else the latest open one, else the latest."""
    if pk:
        for p in periods:
            if str(p.pk) == str(pk):
                return p
    return next((p for p in periods if p.status == PeriodStatus.OPEN), None) or (periods[0] if periods else None)


# ---------------------------------------------------------------- filters


@dataclass
class Filters:
    committee: Organization | None = None
    status: str = ""  # an AssessmentStatus value or a STATUS_GROUPS key
    veto: bool | None = None
    score_min: Decimal | None = None
    score_max: Decimal | None = None

    def q(self) -> Q:
        """Conditions on assessments annotated with ``score`` (the committee goes into WHERE)."""
        q = Q()
        if self.status in GROUPS_BY_KEY:
            q &= Q(status__in=GROUPS_BY_KEY[self.status].statuses)
        elif self.status in S.values:
            q &= Q(status=self.status)
        if self.veto is not None:
            q &= Q(has_veto=self.veto)
        if self.score_min is not None:
            q &= Q(score__gte=self.score_min)
        if self.score_max is not None:
            q &= Q(score__lte=self.score_max)
        return q

    @property
    def active(self):
        return bool(self.status or self.veto is not None or self.score_min is not None or self.score_max is not None)


def assessments_in(user, period, filters: Filters):
    qs = Assessment.objects.filter(period=period).filter(scope_q(user, Action.VIEW, prefix="branch__"))
    if filters.committee is not None:
        qs = qs.filter(branch__path__startswith=filters.committee.path)
    return qs.annotate(score=Coalesce("district_total", "self_total"))


def overdue_q(period, on) -> Q | None:
    """Assessments whose step is past its deadline on ``on`` (the deadline day itself is not late)."""
    q = None
    for kind in OVERDUE_KINDS:
        if on > getattr(period, kind.deadline_field):
            part = Q(status__in=kind.statuses)
            q = part if q is None else q | part
    return q


def overdue_kind_for(period, status, on):
    for kind in OVERDUE_KINDS:
        deadline = getattr(period, kind.deadline_field)
        if status in kind.statuses and on > deadline:
            return kind, deadline
    return None, None


# ---------------------------------------------------------------- district dashboard


@dataclass
class CommitteeRow:
    org: Organization | None
    branches: int = 0  # active branches under it (the target's denominator)
    assessments: int = 0  # this period, before filters
    confirmed: int = 0  # before filters: the pass rate is never filtered
    matching: int = 0
    by_status: dict = field(default_factory=dict)
    vetoes: int = 0
    overdue: dict = field(default_factory=dict)
    bins: list = field(default_factory=lambda: [0] * len(SCORE_BINS))
    by_district: int = 0
    by_self: int = 0
    unscored: int = 0
    target_rate: Decimal = Decimal("100")  # the period's (``period_target``)

    @property
    def groups(self):
        return [(g, sum(self.by_status.get(s, 0) for s in g.statuses)) for g in STATUS_GROUPS]

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.branches:
            return None
        return (Decimal(self.confirmed) * 100 / self.branches).quantize(Decimal("0.1"))

    @property
    def gap_branches(self) -> int:
        """Branches still to qualify to reach the target."""
        need = (self.target_rate * self.branches / 100).to_integral_value(rounding=ROUND_CEILING)
        return max(0, int(need) - self.confirmed)

    @property
    def gap_points(self) -> Decimal | None:
        rate = self.pass_rate
        return None if rate is None else max(Decimal("0"), self.target_rate - rate)

    @property
    def overdue_total(self):
        return sum(self.overdue.values())

    def add(self, other):
        for name in ("branches", "assessments", "confirmed", "matching", "vetoes", "by_district", "by_self",
                     "unscored"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.by_status.items():
            self.by_status[k] = self.by_status.get(k, 0) + v
        for k, v in other.overdue.items():
            self.overdue[k] = self.overdue.get(k, 0) + v
        self.bins = [a + b for a, b in zip(self.bins, other.bins, strict=True)]


@dataclass
class Bar:
    label: str
    count: int
    lo: Decimal | None
    hi: Decimal | None
    x: int = 0
    y: int = 0
    height: int = 0
    width: int = 0

    passing: bool = False

    @property
    def score_max(self):
        """The inclusive upper bound for a filter link (totals have one decimal)."""
        return None if self.hi is None else self.hi - Decimal("0.1")

    @property
    def cx(self):
        return self.x + self.width // 2

    @property
    def label_y(self):
        return self.y - 6


CHART_W, CHART_H, CHART_TOP, CHART_BOTTOM = 700, 220, 20, 30


def histogram(bins, pass_line=Decimal("85")) -> list[Bar]:
    """Bars with SVG geometry for the template (no script needed)."""
    n = len(SCORE_BINS)
    slot = CHART_W // n
    top = max(bins) if bins and max(bins) else 1
    plot_h = CHART_H - CHART_TOP - CHART_BOTTOM
    bars = []
    for i, ((lo, hi, label), count) in enumerate(zip(SCORE_BINS, bins, strict=True)):
        h = round(plot_h * count / top)
        bars.append(Bar(label, count, lo, hi, x=i * slot + 10, y=CHART_TOP + plot_h - h, height=h, width=slot - 20,
                        passing=lo is not None and lo >= pass_line))  # fmt: skip
    return bars


@dataclass
class DistrictOverview:
    period: Period
    on: datetime.date
    rows: list
    total: CommitteeRow
    bars: list
    overdue_rows: list
    pending_objections: int
    target: Target | None = None
    chart: dict = field(default_factory=lambda: {"w": CHART_W, "h": CHART_H, "base": CHART_H - CHART_BOTTOM})


def committees_list():
    """The depth-2 organizations (党(工)委/党组), for rows and the filter (one query)."""
    return list(Organization.objects.filter(depth=COMMITTEE_DEPTH).exclude(kind=OrgKind.BRANCH).order_by("path"))


def district_overview(user, period, filters: Filters, *, committees=None, on=None) -> DistrictOverview:
    """Everything the district dashboard shows, in five queries (four when ``committees`` is
    given) whatever the number of committees and branches."""
    on = on or today()
    committees = committees_list() if committees is None else committees
    if filters.committee is not None:
        committees = [c for c in committees if c.pk == filters.committee.pk]
    committees = {c.path: c for c in committees}

    branches = Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE, depth__gt=COMMITTEE_DEPTH)
    if filters.committee is not None:
        branches = branches.filter(path__startswith=filters.committee.path)
    branch_counts = dict(
        branches.annotate(prefix=Substr("path", 1, PREFIX_LEN))
        .order_by()  # the tree manager orders by path, which would split the groups
        .values("prefix")
        .annotate(n=Count("id"))
        .values_list("prefix", "n")
    )  # 2

    fq = filters.q()

    def count(q=None):
        q = fq & q if q is not None else fq
        return Count("id", filter=q) if q else Count("id")

    aggs = {
        "n_all": Count("id"),
        "n_confirmed": Count("id", filter=Q(status=S.CONFIRMED)),
        "n": count(),
        "n_veto": count(Q(has_veto=True)),
        "n_district": count(Q(district_total__isnull=False)),
        "n_self": count(Q(district_total__isnull=True, self_total__isnull=False)),
    }
    for s in S.values:
        aggs[f"s_{s}"] = count(Q(status=s))
    for i, (lo, hi, _) in enumerate(SCORE_BINS):
        aggs[f"b_{i}"] = count(_bin_q(lo, hi))
    late = []
    for kind in OVERDUE_KINDS:
        if on > getattr(period, kind.deadline_field):
            aggs[f"o_{kind.key}"] = count(Q(status__in=kind.statuses))
            late.append(kind.key)
    base = assessments_in(user, period, filters)
    grouped = (
        base.annotate(prefix=Substr("branch__path", 1, PREFIX_LEN)).order_by().values("prefix").annotate(**aggs)
    )  # 3

    rows = {path: CommitteeRow(org=c, branches=branch_counts.get(path, 0)) for path, c in committees.items()}
    total = CommitteeRow(org=None)
    for r in grouped:
        row = CommitteeRow(
            org=None, assessments=r["n_all"], confirmed=r["n_confirmed"], matching=r["n"], vetoes=r["n_veto"],
            by_district=r["n_district"], by_self=r["n_self"], unscored=r["n"] - r["n_district"] - r["n_self"],
            by_status={s: r[f"s_{s}"] for s in S.values if r[f"s_{s}"]},
            bins=[r[f"b_{i}"] for i in range(len(SCORE_BINS))], overdue={k: r[f"o_{k}"] for k in late},
        )  # fmt: skip
        total.add(row)
        if r["prefix"] in rows:
            row.org, row.branches = rows[r["prefix"]].org, rows[r["prefix"]].branches
            rows[r["prefix"]] = row
    # Branches outside any listed committee still count district-wide.
    total.branches = sum(branch_counts.values())
    shown = [
        row
        for row in rows.values()
        if row.assessments or row.branches or row.org.status == OrgStatus.ACTIVE or filters.committee is not None
    ]

    overdue_rows = []
    oq = overdue_q(period, on)
    if oq is not None:
        late_qs = base.filter(fq & oq).select_related("branch").order_by("branch__path")[:OVERDUE_ROWS]  # 4
        for a in late_qs:
            kind, deadline = overdue_kind_for(period, a.status, on)
            committee = committees.get(a.branch.path[:PREFIX_LEN])
            overdue_rows.append({"a": a, "kind": kind, "deadline": deadline, "days": (on - deadline).days,
                                 "committee": committee})  # fmt: skip

    pending = Objection.objects.filter(status=ObjectionStatus.PENDING).count()  # 5
    target = period_target(period)
    for row in [*shown, total]:
        row.target_rate = target.rate
    return DistrictOverview(period=period, on=on, rows=shown, total=total, bars=histogram(total.bins, period.pass_line),
                            overdue_rows=overdue_rows, pending_objections=pending, target=target)  # fmt: skip


# ---------------------------------------------------------------- committee dashboard


@dataclass
class Deadline:
    label: str
    on: datetime.date
    days_left: int
    pending: int  # assessments still at that step

    @property
    def overdue(self):
        return self.days_left < 0

    @property
    def days_late(self):
        return max(0, -self.days_left)


def committee_overview(committee, period, *, status="", waiting=False, on=None):
    """Counts, deadlines, the day-to-day follow-up (branches silent for 30 days, records
    returned for completion, also per branch: ``returns_by_branch``, which the rows show) and
    the (unevaluated) list of a committee's assessments in ``period``.

    Four queries here plus the page's rows (none while the rows' fragment is cached)."""
    from ledgers.activities.selectors import silent_branches
    from ledgers.models import Activity

    on = on or today()
    base = Assessment.objects.filter(period=period, branch__path__startswith=committee.path)
    silent = silent_branches(Organization.objects.filter(path__startswith=committee.path), on=on).count()
    returns_by_branch = dict(
        Activity.objects.filter(branch__path__startswith=committee.path, returned=True)
        .order_by().values_list("branch").annotate(n=Count("id"))
    )  # fmt: skip
    counts = dict(base.order_by().values_list("status").annotate(n=Count("id")))
    groups = [(g, sum(counts.get(s, 0) for s in g.statuses)) for g in STATUS_GROUPS]
    waiting_counts = {}
    for s, label in COMMITTEE_WAITING.items():
        waiting_counts[label] = waiting_counts.get(label, 0) + counts.get(s, 0)
    deadlines = [
        Deadline(kind.label.replace("逾期", "截止"), getattr(period, kind.deadline_field),
                 (getattr(period, kind.deadline_field) - on).days, sum(counts.get(s, 0) for s in kind.statuses))
        for kind in OVERDUE_KINDS
    ]  # fmt: skip
    rows = base.select_related("branch").order_by("branch__path")
    if status in GROUPS_BY_KEY:
        rows = rows.filter(status__in=GROUPS_BY_KEY[status].statuses)
    elif status in S.values:
        rows = rows.filter(status=status)
    if waiting:
        rows = rows.filter(status__in=list(COMMITTEE_WAITING))
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "groups": groups,
        "waiting_counts": waiting_counts,
        "waiting_total": sum(waiting_counts.values()),
        "deadlines": deadlines,
        "silent_branches": silent,
        "returned_records": sum(returns_by_branch.values()),
        "returns_by_branch": returns_by_branch,
        "rows": rows,
        "rows_count": rows_count(counts, status=status, waiting=waiting),
    }


def rows_count(counts, *, status="", waiting=False):
    """How many rows ``committee_overview`` lists for these filters, from its status counts:
    the page's paginator needs no count query of its own."""
    wanted = set(counts)
    if status in GROUPS_BY_KEY:
        wanted &= set(GROUPS_BY_KEY[status].statuses)
    elif status in S.values:
        wanted &= {status}
    if waiting:
        wanted &= set(COMMITTEE_WAITING)
    return sum(counts[s] for s in wanted)


