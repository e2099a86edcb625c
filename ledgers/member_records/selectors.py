"""The care list (pre-1949 and hardship members with visits) and the yearly statistics
(年度党内统计) for any subtree, with its Excel."""

import datetime
import io
from dataclasses import dataclass

from django.db.models import Count, Q
from openpyxl import Workbook
from openpyxl.styles import Font

from branches.flow_models import open_flow, relation_outside
from branches.models import (
    PRE_1949_CUTOFF,
    Education,
    FlowDirection,
    Gender,
    Member,
    MemberFlow,
    MemberStatus,
    MemberTransfer,
    Occupation,
    Standing,
    TransferDirection,
    add_years,
)
from ledgers.models import MemberRecord, RecordKind
from wujin_branch import xlsx


def care_list(branch):
    """建国前老党员 and 困难党员 of a branch with their latest help/visit record (two queries)."""
    members = list(
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .filter(Q(joined_on__lt=PRE_1949_CUTOFF) | Q(is_hardship=True))
        .order_by("name_pinyin")
    )
    latest = {}
    for r in (
        MemberRecord.objects.filter(member__in=members, kind__in=[RecordKind.HELP, RecordKind.VISIT])
        .order_by("member_id", "-occurred_on", "-id")
        .only("member_id", "occurred_on", "title", "kind")
    ):
        latest.setdefault(r.member_id, r)
    return [(m, latest.get(m.pk)) for m in members]


# ---------------------------------------------------------------- statistics

AGE_BANDS = [(None, 30, "30岁及以下"), (31, 35, "31-35岁"), (36, 45, "36-45岁"), (46, 55, "46-55岁"),
             (56, 60, "56-60岁"), (61, 70, "61-70岁"), (71, None, "71岁及以上")]  # fmt: skip


NO_SHARE = {"本年变动", "流入（不计入党员总数）"}  # sections that are no share of the total


@dataclass
class Stats:
    total: int
    rows: list  # (section, label, count)
    year: int


def _age_q(on, low, high):
    """Members aged in [low, high] on ``on`` as a birth-date range."""
    q = Q()
    if high is not None:
        q &= Q(birth_date__gt=add_years(on, -(high + 1)))
    if low is not None:
        q &= Q(birth_date__lte=add_years(on, -low))
    return q


def yearly_statistics(org, year) -> Stats:
    """年度党内统计 for everything under ``org`` as of 31 December of ``year`` (or today), in four queries."""
    on = min(datetime.date(year, 12, 31), datetime.date.today())
    subtree = Member.objects.filter(branch__path__startswith=org.path)
    # counted where the organizational relation is (branches.flow_models): a member flowing from
    # one branch to another counts once, in their own branch; one whose relation is outside the
    # district is shown apart and not in the total
    active = subtree.filter(standing=Standing.ACTIVE).filter(~relation_outside())
    aggs = {"total": Count("id")}
    labels = []

    def add(section, label, q):
        key = f"k{len(labels)}"
        aggs[key] = Count("id", filter=q)
        labels.append((section, label, key))

    for g in Gender:
        add("性别", g.label, Q(gender=g.value))
    add("民族", "少数民族", ~Q(ethnicity="汉族"))
    for low, high, label in AGE_BANDS:
        add("年龄", label, _age_q(on, low, high))
    for e in Education:
        add("学历", e.label, Q(education=e.value))
    for o in Occupation:
        add("职业", o.label, Q(occupation=o.value))
    for s in MemberStatus:
        add("类别", s.label, Q(status=s.value))
    add("特殊情况", "流动党员（流出至区内其他支部）", open_flow(FlowDirection.OUT, in_branch__isnull=False))
    add("特殊情况", "流动党员（流出至区外）", open_flow(FlowDirection.OUT, in_branch__isnull=True))
    add("特殊情况", "空挂党员", Q(is_kongua=True))
    add("特殊情况", "失联党员", Q(is_lost=True))
    add("特殊情况", "困难党员", Q(is_hardship=True))
    add("特殊情况", "建国前入党的老党员", Q(joined_on__lt=PRE_1949_CUTOFF))
    data = active.aggregate(**aggs)
    rows = [(section, label, data[key]) for section, label, key in labels]
    flows_in = MemberFlow.objects.open().filter(member__standing=Standing.ACTIVE).aggregate(
        within=Count(
            "id", filter=Q(in_branch__path__startswith=org.path) & ~Q(member__branch__path__startswith=org.path)
        ),
        outside=Count("id", filter=Q(direction=FlowDirection.IN, member__branch__path__startswith=org.path)),
    )
    rows += [
        ("流入（不计入党员总数）", "从区内其他组织流入（在原支部统计）", flows_in["within"]),
        ("流入（不计入党员总数）", "从区外流入（组织关系在区外）", flows_in["outside"]),
    ]

    changes = subtree.aggregate(
        joined=Count("id", filter=Q(joined_on__year=year)),
        became_full=Count("id", filter=Q(full_member_on__year=year)),
        deceased=Count("id", filter=Q(standing=Standing.DECEASED, left_on__year=year)),
        left=Count("id", filter=Q(standing=Standing.LEFT, left_on__year=year)),
    )
    moves = MemberTransfer.objects.filter(occurred_on__year=year).filter(
        Q(from_branch__path__startswith=org.path) | Q(to_branch__path__startswith=org.path)
    )
    transfers = moves.aggregate(
        t_in=Count("id", filter=Q(direction=TransferDirection.IN)),
        t_out=Count("id", filter=Q(direction=TransferDirection.OUT)),
        internal=Count("id", filter=Q(direction=TransferDirection.INTERNAL)),
    )
    rows += [
        ("本年变动", "发展党员（本年入党）", changes["joined"]),
        ("本年变动", "预备党员转正", changes["became_full"]),
        ("本年变动", "从区外转入", transfers["t_in"]),
        ("本年变动", "转出本区", transfers["t_out"]),
        ("本年变动", "区内组织关系接转", transfers["internal"]),
        ("本年变动", "去世", changes["deceased"]),
        ("本年变动", "出党", changes["left"]),
    ]
    return Stats(total=data["total"], rows=rows, year=year)


def statistics_xlsx(org, stats: Stats) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "党内统计"
    ws.append(xlsx.row(ws, [f"{org.name} {stats.year}年度党内统计"]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(xlsx.row(ws, ["党员总数", stats.total]))
    ws.append([])
    ws.append(xlsx.row(ws, ["项目", "分类", "人数", "占比"]))
    for c in ws[4]:
        c.font = Font(bold=True)
    for section, label, count in stats.rows:
        share = f"{count * 100 / stats.total:.1f}%" if stats.total and section not in NO_SHARE else ""
        ws.append(xlsx.row(ws, [section, label, count, share]))
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = 28
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
