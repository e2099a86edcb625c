"""党员信息台账: a branch's members in a year, generated from the roster and the records.

Nothing here is typed by the branch. ``member_ledger`` reads, in a fixed number of queries:
the roster of everyone on it at some time in the year (《党员基本情况登记表》); the year's
member records by kind (training, rewards, penalties, help, visits, integrity) and the
Party sanctions in force; dues (the year's verified base, a twelve-month grid and the
arrears from ``dues.dues_arrears_for``); development (applicants by their stage at year
end, with the steps they took in the year); the pre-1949 and hardship members with the
year's help and visits; and the transfers of organizational relation. The web page, the
PDF (WeasyPrint) and the Excel workbook (openpyxl) are three renderings of it, following
the 党组织生活台账 (``ledgers.books.life``).

Flags (困难, 流动 …) and the dues roster of the arrears are the members' present state;
dates (joined, full member, left) are read as of the year's end.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Q
from django.utils import timezone

from branches.models import FlowDirection, MemberFlow, MemberStatus, MemberTransfer, Sanction, Standing
from branches.permissions import Action, can
from branches.selectors import with_flow_direction
from ledgers import development as dev
from ledgers import dues
from ledgers.books.life import cn_date
from ledgers.books.members_dues import MONTHS, DuesRow, DuesSection, dues_cells
from ledgers.books.pdfs import LedgerNames, cached_pdf, ledger_html, render_pdf, store_pdf, stored_pdf
from ledgers.models import Applicant, DevStage, DuesBase, DuesPayment, MemberRecord, RecordKind

TITLE = "党员信息台账"
NAME_SEP = "、"


def parent_name(branch) -> str:
    """The name of the 上级党组织 (one query; none for a root)."""
    if branch.depth <= 1:
        return ""
    name = type(branch).objects.filter(path=branch.path[: -branch.steplen]).values_list("name", flat=True).first()
    return name or ""


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# ---------------------------------------------------------------- the roster


@dataclass
class RosterRow:
    number: int
    member: object
    id_text: str
    status_label: str  # 正式党员 / 预备党员 at the year's end
    flags: list[str] = field(default_factory=list)

    @property
    def group_name(self) -> str:
        g = self.member.party_group
        return g.name if g and g.is_active else ""

    @property
    def flags_text(self) -> str:
        return NAME_SEP.join(self.flags)


def status_at(member, day: datetime.date) -> str:
    """正式党员 or 预备党员 on ``day``: a probationary member stays so until the full-member date."""
    if member.status == MemberStatus.PROBATIONARY or (member.full_member_on and member.full_member_on > day):
        return MemberStatus.PROBATIONARY.label
    return MemberStatus.FULL.label


def member_flags(member, year: int) -> list[str]:
    m = member
    flags = []
    if m.joined_on.year == year:
        flags.append("本年入党")
    if m.full_member_on and m.full_member_on.year == year:
        flags.append("本年转正")
    if m.is_pre_1949:
        flags.append("建国前老党员")
    if m.is_hardship:
        flags.append("困难党员")
    if getattr(m, "flow_direction", None):  # annotated: the open flow (branches.selectors.with_flow_direction)
        flags.append(f"流动党员（{FlowDirection(m.flow_direction).label}）")
    if m.is_lost:
        flags.append("失联党员")
    if m.is_kongua:
        flags.append("空挂党员")
    if m.standing != Standing.ACTIVE:
        when = f"（{cn_date(m.left_on)}）" if m.left_on else ""
        flags.append(f"{m.get_standing_display()}{when}")
    return flags


# ---------------------------------------------------------------- records and sanctions


@dataclass
class RecordSection:
    kind: str
    label: str
    records: list = field(default_factory=list)


@dataclass
class SanctionRow:
    sanction: Sanction
    in_year: bool  # imposed in the year (otherwise imposed earlier, still in force)

    @property
    def note(self) -> str:
        s = self.sanction
        until = f"影响期至{cn_date(s.effective_until)}" if s.effective_until else ""
        if self.in_year:
            return until
        return "以前年度给予，本年仍在影响期内" + (f"（{until}）" if until else "")




# ---------------------------------------------------------------- development


DEV_KEY_STEPS = [
    (1, "申请入党"),
    (3, "确定为积极分子"),
    (7, "确定为发展对象"),
    (17, "接收为预备党员"),
    (24, "转为正式党员"),
]
DEV_GROUP_LABELS = {
    DevStage.APPLICANT: "入党申请人",
    DevStage.ACTIVIST: "入党积极分子",
    DevStage.CANDIDATE: "发展对象",
    DevStage.PROBATIONARY: "预备党员",
    DevStage.FULL: "本年转为正式党员",
    DevStage.STOPPED: "本年终止培养",
}
DEV_GROUP_ORDER = [*dev.STAGE_ORDER, DevStage.STOPPED]


def stage_on(dates: dict, day: datetime.date) -> str:
    """The stage a person was at on ``day``, from the dated steps (not the present stage)."""
    if dev.STOP_CODE in dates and dates[dev.STOP_CODE] <= day:
        return DevStage.STOPPED
    stage = DevStage.APPLICANT
    for code, to in dev.TRANSITIONS.items():
        if code in dates and dates[code] <= day and dev.STAGE_ORDER.index(to) > dev.STAGE_ORDER.index(stage):
            stage = to
    return stage


@dataclass
class DevRow:
    applicant: Applicant
    dates: dict  # step code → date
    steps_in_year: list  # (code, name, date)

    @property
    def key_dates(self) -> list[tuple[str, datetime.date | None]]:
        return [(label, self.dates.get(code)) for code, label in DEV_KEY_STEPS]

    @property
    def steps_text(self) -> str:
        return "；".join(f"{d:%m-%d} {name}" for _, name, d in self.steps_in_year)


@dataclass
class DevGroup:
    stage: str
    label: str
    rows: list[DevRow] = field(default_factory=list)


def _development(branch, year) -> list[DevGroup]:
    """Applicants on the path during the year, grouped by their stage at its end (two queries)."""
    start, end = year_bounds(year)
    groups = {s: DevGroup(s, DEV_GROUP_LABELS[s]) for s in DEV_GROUP_ORDER}
    people = Applicant.objects.filter(branch=branch).prefetch_related(dev.steps_prefetch()).order_by("id")
    for a in people:
        dates = {s.code: s.done_on for s in a.steps.all()}
        applied = dates.get(1)
        if applied is None or applied > end:
            continue
        stopped, full = dates.get(dev.STOP_CODE), dates.get(24)
        if (stopped and stopped < start) or (full and full < start):
            continue  # finished before the year
        in_year = sorted((d, code) for code, d in dates.items() if start <= d <= end)
        steps = [(code, dev.STEP[code].name if code in dev.STEP else "终止培养", d) for d, code in in_year]
        groups[stage_on(dates, end)].rows.append(DevRow(a, dates, steps))
    for g in groups.values():
        g.rows.sort(key=lambda r: (r.dates.get(1), r.applicant.pk))
    return list(groups.values())


# ---------------------------------------------------------------- care and transfers


@dataclass
class CareRow:
    member: object
    reasons: list[str]
    records: list  # the year's help and visit records

    @property
    def reasons_text(self) -> str:
        return NAME_SEP.join(self.reasons)


@dataclass
class TransferRow:
    transfer: MemberTransfer
    incoming: bool

    @property
    def direction_label(self) -> str:
        t = self.transfer
        if t.direction == "internal":
            return "区内转入" if self.incoming else "区内转出"
        return "转入" if self.incoming else "转出"

    @property
    def counterpart(self) -> str:
        t = self.transfer
        other = t.from_branch if self.incoming else t.to_branch
        return t.counterpart or (other.name if other else "")


@dataclass
class FlowRow:
    """A flow touching the branch in the year, seen from the branch: 流出 (协管) or 流入 (主管)."""

    flow: object
    incoming: bool

    @property
    def direction_label(self) -> str:
        return "流入（主管）" if self.incoming else "流出（协管）"


# ---------------------------------------------------------------- the ledger


@dataclass
class MemberLedger(LedgerNames):
    KIND = TITLE

    branch: object
    year: int
    parent_name: str
    show_id: bool
    roster: list[RosterRow]
    record_sections: list[RecordSection]
    sanctions: list[SanctionRow]
    dues: DuesSection
    development: list[DevGroup]
    care: list[CareRow]
    transfers: list[TransferRow]
    flows: list[FlowRow]
    summary: list[tuple[str, str]]
    generated_at: datetime.datetime

    @property
    def records_count(self) -> int:
        return sum(len(s.records) for s in self.record_sections)

    @property
    def development_count(self) -> int:
        return sum(len(g.rows) for g in self.development)


def _summary(ledger: MemberLedger, end) -> list[tuple[str, str]]:
    on_roster = [r for r in ledger.roster if r.member.standing == Standing.ACTIVE or r.member.left_on > end]
    full = sum(1 for r in on_roster if r.status_label == MemberStatus.FULL.label)
    joined = sum(1 for r in ledger.roster if r.member.joined_on.year == ledger.year)
    incoming = sum(1 for t in ledger.transfers if t.incoming)
    kinds = "，".join(f"{s.label} {len(s.records)} 条" for s in ledger.record_sections)
    arrears = ledger.dues.arrears.rows
    flagged = sum(1 for a in arrears if a.flagged)
    dev_counts = "，".join(f"{g.label} {len(g.rows)} 人" for g in ledger.development)
    pre1949 = sum(1 for c in ledger.care if c.member.is_pre_1949)
    hardship = sum(1 for c in ledger.care if c.member.is_hardship)
    care_records = sum(len(c.records) for c in ledger.care)
    return [
        ("年末在册党员", f"{len(on_roster)} 人（正式党员 {full} 人，预备党员 {len(on_roster) - full} 人）"),
        ("本年入党", f"{joined} 人"),
        ("组织关系接转", f"转入 {incoming} 人次，转出 {len(ledger.transfers) - incoming} 人次"),
        ("党员信息记录", f"{kinds}；党纪处分 {len(ledger.sanctions)} 件"),
        (
            "党费交纳",
            f"本年交纳 {ledger.dues.paid_yuan} 元，应交未交 {ledger.dues.unpaid_months} 人次·月；"
            f"截至{ledger.dues.as_of}欠交 {len(arrears)} 人，其中连续六个月以上未交 {flagged} 人",
        ),
        ("发展党员", dev_counts),
        (
            "老党员和困难党员",
            f"建国前老党员 {pre1949} 人，困难党员 {hardship} 人，本年帮扶和走访慰问 {care_records} 次",
        ),
    ]


def arrears_date(year: int) -> datetime.date:
    """Arrears are counted up to the last complete month of the year (or up to today)."""
    return min(timezone.localdate(), datetime.date(year + 1, 1, 1))


def member_ledger(branch, year: int, *, user) -> MemberLedger:
    """The 党员信息台账 of ``branch`` for ``year``, in 14 queries however many members and records
    (the dues arrears selector's four among them).

    ``user`` decides whether identity numbers are shown in full (Action.SEE_ID) or masked;
    ``None`` (the background build) masks them.
    """
    start, end = year_bounds(year)
    show_id = user is not None and can(user, Action.SEE_ID, branch)
    members = list(
        with_flow_direction(dues.members_with_dues(branch, year))  # the year's base, transfer-in date, flow
        .filter(joined_on__lte=end)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gte=start))
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    roster = [
        RosterRow(
            number=i,
            member=m,
            id_text=m.id_number if show_id else m.id_number_masked,
            status_label=status_at(m, end),
            flags=member_flags(m, year),
        )
        for i, m in enumerate(members, start=1)
    ]

    sections = {k: RecordSection(k, label) for k, label in RecordKind.choices}
    care_records = defaultdict(list)
    records = (
        MemberRecord.objects.filter(member__branch=branch, occurred_on__range=(start, end))
        .select_related("member")
        .only(
            "id", "kind", "occurred_on", "title", "detail", "amount_fen", "by_whom", "member_id",
            "member__id", "member__name", "member__name_pinyin",
        )
        .order_by("occurred_on", "member__name_pinyin", "id")
    )  # fmt: skip
    for r in records:
        r.amount_yuan = dues.yuan(r.amount_fen) if r.amount_fen else ""
        sections[r.kind].records.append(r)
        if r.kind in (RecordKind.HELP, RecordKind.VISIT):
            care_records[r.member_id].append(r)

    sanctions = [
        SanctionRow(s, s.imposed_on >= start)
        for s in Sanction.objects.filter(member__branch=branch)
        .filter(Q(imposed_on__range=(start, end)) | Q(imposed_on__lt=start, effective_until__gte=start))
        .select_related("member")
        .order_by("imposed_on", "id")
    ]

    # Dues: the year's bases, payments and the arrears selector (four queries of its own).
    bases = {b.member_id: b for b in DuesBase.objects.filter(member__branch=branch, year=year)}
    payments = defaultdict(dict)
    for p in DuesPayment.objects.filter(member__branch=branch, month__range=(start, datetime.date(year, 12, 1))).only(
        "id", "member_id", "month", "amount_fen", "paid_on", "method"
    ):
        payments[p.member_id][p.month.month] = p
    arrears = dues.dues_arrears_for(branch, arrears_date(year))
    arrears_by_member = {a.member.pk: a for a in arrears.rows}
    last_due = arrears.last_month
    dues_rows = []
    for m in members:
        fen, note = dues.expected_amount(m, year)
        if fen == 0:
            note = "经批准免交"
        if getattr(m, "dues_elsewhere", False):  # 区外流入: paid where the relation is
            note = dues.DUES_ELSEWHERE_NOTE
        cells = dues_cells(m, fen, payments[m.pk], year, last_due)
        dues_rows.append(DuesRow(m, bases.get(m.pk), fen, note, cells, arrears_by_member.get(m.pk)))

    care = []
    for m in members:
        reasons = [r for r, on in (("建国前老党员", m.is_pre_1949), ("困难党员", m.is_hardship)) if on]
        if reasons:
            if m.is_hardship and m.hardship_note:
                reasons[-1] += f"（{m.hardship_note}）"
            care.append(CareRow(m, reasons, care_records[m.pk]))

    transfers = [
        TransferRow(t, incoming=t.to_branch_id == branch.pk)
        for t in MemberTransfer.objects.filter(occurred_on__range=(start, end))
        .filter(Q(from_branch=branch) | Q(to_branch=branch))
        .select_related("member", "from_branch", "to_branch")
        .order_by("occurred_on", "id")
    ]

    flows = [
        FlowRow(f, incoming=f.in_branch_id == branch.pk or f.direction == FlowDirection.IN)
        for f in MemberFlow.objects.filter(started_on__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .touching(branch)
        .select_related("member__branch", "in_branch")
        .order_by("started_on", "id")
    ]

    ledger = MemberLedger(
        branch=branch,
        year=year,
        parent_name=parent_name(branch),
        show_id=show_id,
        roster=roster,
        record_sections=list(sections.values()),
        sanctions=sanctions,
        dues=DuesSection(dues_rows, arrears, last_due),
        development=_development(branch, year),
        care=care,
        transfers=transfers,
        flows=flows,
        summary=[],
        generated_at=timezone.localtime(),
    )
    ledger.summary = _summary(ledger, end)
    return ledger


# ---------------------------------------------------------------- PDF


def member_ledger_html_for_pdf(ledger: MemberLedger) -> str:
    return ledger_html("ledgers/member_ledger_pdf.html", ledger, months=MONTHS)


PDF_KIND = "members"


def masked(ledger: MemberLedger) -> MemberLedger:
    """The same ledger with identity numbers masked: what is stored and served to everyone."""
    if not ledger.show_id:
        return ledger
    roster = [replace(r, id_text=r.member.id_number_masked) for r in ledger.roster]
    return replace(ledger, show_id=False, roster=roster)


def member_ledger_pdf(branch, year: int, *, user, ledger: MemberLedger | None = None, full_ids: bool = False) -> bytes:
    """The PDF: the stored copy made from the same (masked) HTML, else laid out now and kept
    (``ledgers.books.pdfs``); a worker builds it after the changes that alter it. With
    ``full_ids`` and a user who may see them (district staff) it is laid out afresh with the
    full identity numbers and never stored anywhere."""
    ledger = ledger or member_ledger(branch, year, user=user)
    if full_ids and ledger.show_id:
        return render_pdf(member_ledger_html_for_pdf(ledger))
    return cached_pdf(PDF_KIND, branch.pk, year, member_ledger_html_for_pdf(masked(ledger)))


def build_stored_pdf(branch, year: int) -> bool:
    """Make and keep the masked PDF unless the stored one is already made from the same HTML;
    returns whether it was made. What the background task does after a member change."""
    html = member_ledger_html_for_pdf(member_ledger(branch, year, user=None))
    if stored_pdf(PDF_KIND, branch.pk, year, html) is not None:
        return False
    store_pdf(PDF_KIND, branch.pk, year, html, render_pdf(html))
    return True
