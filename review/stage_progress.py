"""阶段进度: each committee against the period's stage milestones, counted from the records.

- 实施方案报送: the committee's plan accepted by the district (``review.stage_plans``);
- “空壳”党组织清理撤销: branches dissolved or merged since the window opened, out of those
  plus the branches still flagged as likely 空壳 (the 空壳 list's rule, ``shell_flags``);
- “失联”党员处置: 失联 members on the roll with their handling recorded, out of all of them;
- 违法违纪党员排查处理: active branches covered by a screening (排查清理) held since the
  window opened, by the branch itself or any organization above it.

A milestone is late once its day has passed and it is not complete. Read live (never cached:
the records behind it are written all over the platform), in at most six grouped queries
whatever the number of committees, branches and members.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length, Substr

from assessment.models import StageMeasure, StageMilestone
from branches.models import Member, Organization, OrgChange, OrgChangeKind, OrgKind, OrgStatus, Standing
from ledgers.activities.selectors import shell_flags
from ledgers.models import Screening
from review.stage_plan_models import StagePlan, StagePlanStatus
from wujin_branch.services import today

COMMITTEE_DEPTH = 2
PREFIX_LEN = Organization.steplen * COMMITTEE_DEPTH
M = StageMeasure
PLAN_LABELS = {
    StagePlanStatus.SUBMITTED: "待审核",
    StagePlanStatus.RETURNED: "已退回",
    StagePlanStatus.ACCEPTED: "已通过",
}


@dataclass
class Cell:
    milestone: StageMilestone
    done: int = 0
    total: int = 0
    label: str = ""  # the plan's state in words
    late: bool = False

    @property
    def complete(self):
        return self.done >= self.total

    @property
    def text(self):
        if self.milestone.measure == M.PLAN:
            return self.label
        return "无" if self.total == 0 else f"{self.done}/{self.total}"


@dataclass
class StageRow:
    committee: Organization
    cells: list = field(default_factory=list)

    @property
    def late(self):
        return sum(c.late for c in self.cells)


@dataclass
class StageTable:
    milestones: list
    rows: list
    on: datetime.date


def _grouped(qs, prefix_field, **aggs):
    return {
        r["prefix"]: r
        for r in qs.annotate(prefix=Substr(prefix_field, 1, PREFIX_LEN)).order_by().values("prefix").annotate(**aggs)
    }


def stage_progress(period, committees, *, on=None) -> StageTable | None:
    """The table for ``committees`` (the district's list, or one committee), or None when the
    period has no milestones."""
    on = on or today()
    milestones = list(StageMilestone.objects.filter(period=period))  # 1
    if not milestones or not committees:
        return None
    measures = {m.measure for m in milestones}
    start = period.window_start
    within = Q()
    if len(committees) == 1:
        within = Q(path__startswith=committees[0].path)

    branch_stats = {}
    if measures & {M.SHELL, M.SCREENING}:
        branches = Organization.objects.filter(within, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE,
                                               depth__gt=COMMITTEE_DEPTH)  # fmt: skip
        branches, is_shell = shell_flags(branches, on=on)  # + 1 (whether any record exists)
        covered = Screening.objects.filter(
            held_on__gte=start, held_on__lte=on,
            organization__path=Substr(OuterRef("path"), 1, Length("organization__path")),
        )  # fmt: skip
        branch_stats = _grouped(branches.annotate(covered=Exists(covered)), "path", n=Count("id"),
                                shells=Count("id", filter=is_shell), screened=Count("id", filter=Q(covered=True)))  # 2
    dissolved = {}
    if M.SHELL in measures:
        changes = OrgChange.objects.filter(
            kind__in=[OrgChangeKind.DISSOLVED, OrgChangeKind.MERGED], organization__kind=OrgKind.BRANCH,
            occurred_on__gte=start, occurred_on__lte=on,
        )  # fmt: skip
        if len(committees) == 1:
            changes = changes.filter(organization__path__startswith=committees[0].path)
        dissolved = _grouped(changes, "organization__path", n=Count("organization", distinct=True))  # 3
    lost = {}
    if M.LOST in measures:
        members = Member.objects.filter(is_lost=True, standing=Standing.ACTIVE)
        if len(committees) == 1:
            members = members.filter(branch__path__startswith=committees[0].path)
        lost = _grouped(members, "branch__path", n=Count("id"),
                        handled=Count("id", filter=~Q(lost_handling="")))  # 4  # fmt: skip
    plans = {}
    if M.PLAN in measures:
        plans = dict(
            StagePlan.objects.filter(period=period, committee__in=[c.pk for c in committees]).values_list(
                "committee_id", "status"
            )
        )  # 5

    rows = []
    for c in committees:
        row = StageRow(committee=c)
        b, d, lo = branch_stats.get(c.path, {}), dissolved.get(c.path, {}), lost.get(c.path, {})
        for m in milestones:
            cell = Cell(milestone=m)
            if m.measure == M.PLAN:
                status = plans.get(c.pk)
                cell.total, cell.done = 1, int(status == StagePlanStatus.ACCEPTED)
                cell.label = PLAN_LABELS.get(status, "未报送")
            elif m.measure == M.SHELL:
                cell.done = d.get("n", 0)
                cell.total = cell.done + b.get("shells", 0)
            elif m.measure == M.LOST:
                cell.done, cell.total = lo.get("handled", 0), lo.get("n", 0)
            elif m.measure == M.SCREENING:
                cell.done, cell.total = b.get("screened", 0), b.get("n", 0)
            cell.late = on > m.due_on and not cell.complete
            row.cells.append(cell)
        rows.append(row)
    return StageTable(milestones=milestones, rows=rows, on=on)
