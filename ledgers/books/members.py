"""党员信息台账: a branch's members in a year, generated from the roster and the records.

Nothing here is typed by the branch. ``member_ledger`` reads, in a fixed number of queries:
the roster of everyone on it at some time in the year (《党员基本情况登记表》); the year's
member records by kind (training, rewards, penalties, help, visits, integrity) and the
Party sanctions in force; dues (the year's verified base, a twelve-month grid and the
arrears from ``dues.dues_arrears_for``); development (applicants by their stage at year
end, with the steps they took in the year); the pre-1949 and hardship members with the
year's help and visits; and the transfers of organizational relation. The web page, the
PDF (WeasyPrint) and the Excel workbook (openpyxl) are three renderings of it, following
the 党组织生活台账 (``ledgers.ledger``).

Flags (困难, 流动 …) and the dues roster of the arrears are the members' present state;
dates (joined, full member, left) are read as of the year's end.
"""

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from branches.models import MemberStatus, MemberTransfer, Sanction, Standing
from branches.permissions import Action, can
from ledgers import development as dev
from ledgers import dues
from ledgers.books.life import cn_date, xlsx_header, xlsx_text
from ledgers.books.pdfs import LedgerNames, ledger_html, render_pdf
from ledgers.models import Applicant, DevStage, DuesBase, DuesGroup, DuesPayment, MemberRecord, RecordKind

TITLE = "党员信息台账"
NAME_SEP = "、"
MONTHS = range(1, 13)


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
    if m.is_flowing:
        flags.append(f"流动党员（{m.get_flow_direction_display()}）" if m.flow_direction else "流动党员")
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


# ---------------------------------------------------------------- dues


@dataclass
class DuesCell:
    month: int
    state: str  # paid | unpaid | open (not yet due) | exempt (not collected) | untracked
    payment: object | None = None

    @property
    def text(self) -> str:
        if self.payment is not None:
            return dues.yuan(self.payment.amount_fen)
        return {"unpaid": "未交", "exempt": "—"}.get(self.state, "")


@dataclass
class DuesRow:
    member: object
    base: DuesBase | None  # the year's verified base
    expected_fen: int | None
    note: str
    cells: list[DuesCell]
    arrears: object | None  # dues.ArrearsRow at the year's end, if any

    @property
    def group_label(self) -> str:
        return DuesGroup(self.base.group).label if self.base else ""

    @property
    def expected_yuan(self) -> str:
        return dues.yuan(self.expected_fen)

    @property
    def expected_text(self) -> str:
        if self.expected_fen is None:
            return "未核定"
        return "免交" if self.expected_fen == 0 else dues.yuan(self.expected_fen)

    @property
    def paid_fen(self) -> int:
        return sum(c.payment.amount_fen for c in self.cells if c.payment is not None)

    @property
    def paid_yuan(self) -> str:
        return dues.yuan(self.paid_fen)

    @property
    def paid_months(self) -> int:
        return sum(1 for c in self.cells if c.payment is not None)

    @property
    def unpaid_months(self) -> int:
        return sum(1 for c in self.cells if c.state == "unpaid")

    @property
    def base_text(self) -> str:
        b = self.base
        if b is None:
            return self.note or "未核定"
        text = b.rule_text
        if b.reduced:
            text += f"；经批准{'免交' if b.monthly_fen == 0 else '减交'}（{b.reduction_reason}）"
        return text


@dataclass
class DuesSection:
    rows: list[DuesRow]
    arrears: object  # dues.Arrears
    last_due: datetime.date  # the last complete month counted

    @property
    def paid_fen(self) -> int:
        return sum(r.paid_fen for r in self.rows)

    @property
    def paid_yuan(self) -> str:
        return dues.yuan(self.paid_fen)

    @property
    def unpaid_months(self) -> int:
        return sum(r.unpaid_months for r in self.rows)

    @property
    def as_of(self) -> str:
        return dues.month_label(self.arrears.last_month)

    @property
    def months(self):
        return MONTHS

    @property
    def month_totals(self) -> list[str]:
        """Paid in each month of the year (yuan), over every member."""
        totals = [0] * 12
        for r in self.rows:
            for c in r.cells:
                if c.payment is not None:
                    totals[c.month - 1] += c.payment.amount_fen
        return [dues.yuan(t) if t else "" for t in totals]


def _dues_cells(member, expected_fen, payments: dict, year, last_due, tracking_from) -> list[DuesCell]:
    first = dues.first_expected_month(member)
    cells = []
    for i in MONTHS:
        month = datetime.date(year, i, 1)
        p = payments.get(i)
        if p is not None:
            state = "paid"
        elif month < first or not dues.on_roster_in(member, month) or expected_fen == 0:
            state = "exempt"
        elif tracking_from is None or month < tracking_from:
            state = "untracked"  # before the branch recorded dues on the platform
        elif month <= last_due:
            state = "unpaid"
        else:
            state = "open"
        cells.append(DuesCell(i, state, p))
    return cells


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
    """The 党员信息台账 of ``branch`` for ``year``, in 13 queries however many members and records
    (the dues arrears selector's four among them).

    ``user`` decides whether identity numbers are shown in full (Action.SEE_ID) or masked.
    """
    start, end = year_bounds(year)
    show_id = can(user, Action.SEE_ID, branch)
    members = list(
        dues.members_with_dues(branch, year)  # the year's base and the transfer-in date, as subqueries
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
        cells = _dues_cells(m, fen, payments[m.pk], year, last_due, arrears.tracking_from)
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
        summary=[],
        generated_at=timezone.localtime(),
    )
    ledger.summary = _summary(ledger, end)
    return ledger


# ---------------------------------------------------------------- PDF


def member_ledger_html_for_pdf(ledger: MemberLedger) -> str:
    return ledger_html("ledgers/member_ledger_pdf.html", ledger, months=MONTHS)


def member_ledger_pdf(branch, year: int, *, user, ledger: MemberLedger | None = None) -> bytes:
    """Rendered on every download, never stored: it can carry full ID numbers, and it is a
    few pages, not a book (``ledgers.pdfs`` keeps only the record books)."""
    return render_pdf(member_ledger_html_for_pdf(ledger or member_ledger(branch, year, user=user)))


# ---------------------------------------------------------------- Excel

ROSTER_COLUMNS = [
    ("序号", 6), ("姓名", 10), ("性别", 6), ("出生日期", 12), ("民族", 8), ("学历", 12), ("职业类别", 16),
    ("入党日期", 12), ("转正日期", 12), ("党员类别", 10), ("党小组", 14), ("身份证号", 21), ("情况标记", 30),
]  # fmt: skip
RECORD_COLUMNS = [
    ("类别", 10),
    ("日期", 12),
    ("姓名", 10),
    ("事项", 30),
    ("情况", 50),
    ("金额（元）", 11),
    ("组织/经办人", 18),
]
SANCTION_COLUMNS = [
    ("姓名", 10), ("处分种类", 14), ("处分日期", 12), ("影响期截止", 12), ("事由", 40), ("决定机关", 20), ("说明", 30),
]  # fmt: skip
DUES_COLUMNS = [
    ("姓名", 10), ("类别", 24), ("核定月交纳额（元）", 12), ("计算依据", 36),
    *[(f"{i}月", 8) for i in MONTHS],
    ("本年已交月数", 9), ("本年交纳合计（元）", 12), ("本年未交月数", 9), ("连续未交月数", 9), ("欠交提示", 30),
]  # fmt: skip
DEV_COLUMNS = [("年末阶段", 14), ("姓名", 10), ("性别", 6), ("出生日期", 12), ("学历", 12), ("职业类别", 16),
               *[(label, 13) for _, label in DEV_KEY_STEPS], ("本年完成的步骤", 60)]  # fmt: skip
CARE_COLUMNS = [("姓名", 10), ("情况", 30), ("日期", 12), ("类别", 10), ("事项", 30), ("情况说明", 40),
                ("金额（元）", 11), ("组织/经办人", 18)]  # fmt: skip
TRANSFER_COLUMNS = [("日期", 12), ("姓名", 10), ("类型", 10), ("对方党组织", 30), ("备注", 30)]


def xlsx_align_row(ws, ncols, date_cols=()):
    from openpyxl.styles import Alignment

    top = Alignment(vertical="top", wrap_text=True)
    row = ws.max_row
    for col in range(1, ncols + 1):
        ws.cell(row=row, column=col).alignment = top
    for col in date_cols:
        ws.cell(row=row, column=col).number_format = "yyyy-mm-dd"


def _autofilter(ws, ncols):
    from openpyxl.utils import get_column_letter

    if ws.max_row > 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(ncols)}{ws.max_row}"


def _money(fen):
    """A number of yuan for a cell (None stays empty)."""
    return None if fen is None else round(fen / 100, 2)


def member_ledger_xlsx(branch, year: int, *, user, ledger: MemberLedger | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ledger = ledger or member_ledger(branch, year, user=user)
    wb = Workbook()
    wb.properties.title = ledger.title
    wb.properties.creator = "武进区党支部规范化建设平台"

    ws = wb.active
    xlsx_header(ws, ROSTER_COLUMNS, "党员基本情况登记表")
    for r in ledger.roster:
        m = r.member
        ws.append([
            r.number, xlsx_text(ws, m.name), m.get_gender_display(), m.birth_date, xlsx_text(ws, m.ethnicity),
            m.get_education_display(), m.get_occupation_display(), m.joined_on, m.full_member_on, r.status_label,
            xlsx_text(ws, r.group_name), r.id_text, xlsx_text(ws, r.flags_text),
        ])  # fmt: skip
        xlsx_align_row(ws, len(ROSTER_COLUMNS), date_cols=(4, 8, 9))
    _autofilter(ws, len(ROSTER_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, RECORD_COLUMNS, "党员信息记录")
    for s in ledger.record_sections:
        for rec in s.records:
            ws.append([
                s.label, rec.occurred_on, xlsx_text(ws, rec.member.name), xlsx_text(ws, rec.title),
                xlsx_text(ws, rec.detail), _money(rec.amount_fen), xlsx_text(ws, rec.by_whom),
            ])  # fmt: skip
            xlsx_align_row(ws, len(RECORD_COLUMNS), date_cols=(2,))
    _autofilter(ws, len(RECORD_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, SANCTION_COLUMNS, "党纪处分")
    for row in ledger.sanctions:
        s = row.sanction
        ws.append([
            xlsx_text(ws, s.member.name), s.get_kind_display(), s.imposed_on, s.effective_until,
            xlsx_text(ws, s.reason), xlsx_text(ws, s.decided_by), row.note,
        ])  # fmt: skip
        xlsx_align_row(ws, len(SANCTION_COLUMNS), date_cols=(3, 4))

    ws = wb.create_sheet()
    xlsx_header(ws, DUES_COLUMNS, "党费交纳")
    for r in ledger.dues.rows:
        a = r.arrears
        ws.append([
            xlsx_text(ws, r.member.name), r.group_label, _money(r.expected_fen), xlsx_text(ws, r.base_text),
            *[_money(c.payment.amount_fen) if c.payment else c.text for c in r.cells],
            r.paid_months, _money(r.paid_fen), r.unpaid_months, a.run if a else 0, a.flag_text if a else "",
        ])  # fmt: skip
        xlsx_align_row(ws, len(DUES_COLUMNS))
    ws.append(["合计", "", "", "", *[""] * 12, "", _money(ledger.dues.paid_fen), ledger.dues.unpaid_months])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)

    ws = wb.create_sheet()
    xlsx_header(ws, DEV_COLUMNS, "发展党员")
    for g in ledger.development:
        for r in g.rows:
            a = r.applicant
            ws.append([
                g.label, xlsx_text(ws, a.name), a.get_gender_display(), a.birth_date, a.get_education_display(),
                a.get_occupation_display(), *[d for _, d in r.key_dates], xlsx_text(ws, r.steps_text),
            ])  # fmt: skip
            xlsx_align_row(ws, len(DEV_COLUMNS), date_cols=(4, 7, 8, 9, 10, 11))
    _autofilter(ws, len(DEV_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, CARE_COLUMNS, "老党员和困难党员")
    for c in ledger.care:
        rows = c.records or [None]
        for rec in rows:
            ws.append([
                xlsx_text(ws, c.member.name), xlsx_text(ws, c.reasons_text),
                *([rec.occurred_on, rec.get_kind_display(), xlsx_text(ws, rec.title), xlsx_text(ws, rec.detail),
                   _money(rec.amount_fen), xlsx_text(ws, rec.by_whom)] if rec else [None, "本年无帮扶、走访记录"]),
            ])  # fmt: skip
            xlsx_align_row(ws, len(CARE_COLUMNS), date_cols=(3,))

    ws = wb.create_sheet()
    xlsx_header(ws, TRANSFER_COLUMNS, "组织关系接转")
    for t in ledger.transfers:
        ws.append([
            t.transfer.occurred_on, xlsx_text(ws, t.transfer.member.name), t.direction_label,
            xlsx_text(ws, t.counterpart), xlsx_text(ws, t.transfer.note),
        ])  # fmt: skip
        xlsx_align_row(ws, len(TRANSFER_COLUMNS), date_cols=(1,))

    ws = wb.create_sheet()
    xlsx_header(ws, [("项目", 18), ("情况", 100)], "汇总")
    ws.append(["党组织名称", xlsx_text(ws, ledger.branch.name)])
    ws.append(["上级党组织", xlsx_text(ws, ledger.parent_name)])
    ws.append(["年度", f"{ledger.year}年"])
    for label, value in ledger.summary:
        ws.append([label, value])
        xlsx_align_row(ws, 2)
    ws.append([])
    ws.append([f"{ledger.title}（根据平台党员名册和记录生成，{ledger.generated_at:%Y-%m-%d %H:%M}）"])

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
