"""党组织生活台账: a branch's year of organization life, generated from the activity records.

Nothing here is typed by the branch: ``life_ledger`` reads the records (with attendance
and photos, in a fixed number of queries) and the web page, the PDF (WeasyPrint) and the
Excel workbook (openpyxl) are three renderings of it. The layout follows the district's
printed 党组织生活记录本: a cover, a summary with a table of contents, then one section
per activity.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import F, Prefetch
from django.utils import timezone

from ledgers.books.pdfs import LedgerNames, ledger_html, parts_pdf, store_pdf, stored_pdf
from ledgers.models import Activity, ActivityType, Attendance, AttendanceStatus, Photo
from wujin_branch import xlsx

TITLE = "党组织生活台账"
NAME_SEP = "、"


def cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass
class LedgerEntry:
    activity: Activity
    number: int
    present: list[str] = field(default_factory=list)
    leave: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    absent: list[str] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    photo_uris: list[str] = field(default_factory=list)  # stored: addresses of the display copies, for the PDF

    @property
    def type_label(self) -> str:
        a = self.activity
        label = a.get_type_display()
        if a.type == ActivityType.LIFE and a.life_level:
            label += f"（{a.get_life_level_display()}{'·' + a.party_group.name if a.party_group else ''}）"
        elif a.party_group:
            label += f"（{a.party_group.name}）"
        return label

    @property
    def when(self) -> str:
        a = self.activity
        return f"{cn_date(a.held_on)} {a.start_time:%H:%M}" if a.start_time else cn_date(a.held_on)

    @property
    def absent_count(self) -> int:
        a = self.activity
        return max(a.expected_count - a.present_count - a.leave_count, 0)

    @property
    def present_text(self) -> str:
        return NAME_SEP.join(self.present)

    @property
    def leave_text(self) -> str:
        return NAME_SEP.join(f"{name}（{reason}）" if reason else name for name, reason in self.leave)

    @property
    def absent_text(self) -> str:
        return NAME_SEP.join(self.absent)

    @property
    def lecturer_text(self) -> str:
        a = self.activity
        if not a.lecturer:
            return ""
        return f"{a.lecturer}（{a.get_lecturer_role_display()}）" if a.lecturer_role else a.lecturer

    @property
    def filed_text(self) -> str:
        a = self.activity
        if a.minutes_filed:
            return f"已于{cn_date(a.minutes_filed_on)}报上级党组织备案" if a.minutes_filed_on else "已报上级党组织备案"
        if a.minutes_self_reported:
            return "支部自报已备案（未经党(工)委确认）"
        return "尚未报上级党组织备案"


@dataclass
class SummaryRow:
    type: str
    label: str
    held: int = 0
    quorum_met: int = 0
    with_photos: int = 0
    complete: int = 0  # both: what counts on the compliance calendar


@dataclass
class LifeLedger(LedgerNames):
    KIND = TITLE

    branch: object
    year: int
    parent_name: str
    entries: list[LedgerEntry]
    summary: list[SummaryRow]
    total: SummaryRow
    generated_at: datetime.datetime
    # 附录：已作废的记录 (listed, counted nowhere): (activity, its latest void step)
    voided: list = field(default_factory=list)


def _voided(branch, year):
    """The appendix of voided records with the reason of each (two queries)."""
    from ledgers.models import RecordVoid, VoidAction

    rows = list(
        Activity.all_objects.filter(branch=branch, held_on__year=year, voided=True)
        .only("id", "type", "held_on", "topic", "voided", "branch_id")
        .order_by("held_on", "id")
    )
    last = {}
    for v in RecordVoid.objects.filter(activity__in=rows, action=VoidAction.VOID).select_related("actor"):
        last.setdefault(v.activity_id, v)
    return [(a, last.get(a.pk)) for a in rows]


def _summary(entries) -> tuple[list[SummaryRow], SummaryRow]:
    rows = {t: SummaryRow(t, label) for t, label in ActivityType.choices}
    total = SummaryRow("", "合计")
    for e in entries:
        a = e.activity
        for row in (rows[a.type], total):
            row.held += 1
            row.quorum_met += a.quorum_met
            row.with_photos += a.photo_count > 0
            row.complete += a.is_complete
    return list(rows.values()), total


def life_ledger(branch, year: int) -> LifeLedger:
    """The ledger of ``branch`` for ``year``, in five queries however many records and people
    (six when some were voided: they are listed, with their reasons, in an appendix).

    Activities in date order (then start time); attendance split into present, on leave
    (with the reason) and absent, each by pinyin; photos in upload order.
    """
    attendance = (
        Attendance.objects.select_related("member")
        .only("activity_id", "status", "leave_reason", "member__name", "member__name_pinyin")
        .order_by("member__name_pinyin", "member_id")
    )
    photos = Photo.objects.only("id", "activity_id", "display", "thumb", "width", "height", "taken_at").order_by("id")
    activities = (
        Activity.objects.filter(branch=branch, held_on__year=year)
        .select_related("party_group")
        .prefetch_related(
            Prefetch("attendance", queryset=attendance, to_attr="ledger_attendance"),
            Prefetch("photos", queryset=photos, to_attr="ledger_photos"),
        )
        .order_by("held_on", F("start_time").asc(nulls_first=True), "id")
    )
    entries = []
    for number, a in enumerate(activities, start=1):
        e = LedgerEntry(activity=a, number=number, photos=a.ledger_photos)
        for att in a.ledger_attendance:
            if att.status == AttendanceStatus.PRESENT:
                e.present.append(att.member.name)
            elif att.status == AttendanceStatus.LEAVE:
                e.leave.append((att.member.name, att.leave_reason))
            else:
                e.absent.append(att.member.name)
        entries.append(e)
    parent_name = (
        type(branch).objects.filter(path=branch.path[: -branch.steplen]).values_list("name", flat=True).first()
        if branch.depth > 1
        else None
    )
    summary, total = _summary(entries)
    voided = _voided(branch, year)
    return LifeLedger(
        voided=voided,
        branch=branch,
        year=year,
        parent_name=parent_name or "",
        entries=entries,
        summary=summary,
        total=total,
        generated_at=timezone.localtime(),
    )


# ---------------------------------------------------------------- PDF

PDF_KIND = "life"


def ledger_parts_html(ledger: LifeLedger) -> list[str]:
    """The book as parts laid out one by one: the cover with the summary and contents, each
    month's records, the appendix of voided ones. A record changed lays out its month (and the
    contents) again, not the year; each part numbers its own pages (3月记录 · 第 2 页 / 共 4 页)."""
    template = "ledgers/ledger_pdf.html"
    parts = [ledger_html(template, ledger, part="front", font_css="")]  # the renderer brings the font
    months = {}
    for e in ledger.entries:
        months.setdefault(e.activity.held_on.month, []).append(e)
    for month, entries in months.items():
        parts.append(ledger_html(template, ledger, part="month", month=month, entries=entries, font_css=""))
    if ledger.voided:
        parts.append(ledger_html(template, ledger, part="voided", font_css=""))
    return parts


def ledger_html_for_pdf(ledger: LifeLedger, parts: list[str] | None = None) -> str:
    """What the stored book is keyed by: the font it is set in and all its parts."""
    from wujin_branch.fonts import pdf_font_css

    return "\n".join([pdf_font_css(), *(parts if parts is not None else ledger_parts_html(ledger))])


def ledger_pdf(branch, year: int, *, ledger: LifeLedger | None = None, cached: bool = False) -> bytes:
    """The PDF book; with ``cached`` the stored copy made from the same HTML is used (and a
    new one kept, with its parts), see ``ledgers.books.pdfs``."""
    parts = ledger_parts_html(ledger or life_ledger(branch, year))
    if not cached:
        return parts_pdf(PDF_KIND, branch.pk, year, parts, keep=False)
    html = ledger_html_for_pdf(None, parts)
    content = stored_pdf(PDF_KIND, branch.pk, year, html)
    if content is None:
        content = parts_pdf(PDF_KIND, branch.pk, year, parts)
        store_pdf(PDF_KIND, branch.pk, year, html, content)
    return content


def build_stored_pdf(branch, year: int) -> bool:
    """Make and keep the PDF unless the stored one is already made from the same HTML;
    returns whether it was made. What the background task does after records change."""
    parts = ledger_parts_html(life_ledger(branch, year))
    html = ledger_html_for_pdf(None, parts)
    if stored_pdf(PDF_KIND, branch.pk, year, html) is not None:
        return False
    store_pdf(PDF_KIND, branch.pk, year, html, parts_pdf(PDF_KIND, branch.pk, year, parts))
    return True


# ---------------------------------------------------------------- Excel

XLSX_COLUMNS = [
    ("序号", 6), ("类型", 18), ("日期", 12), ("开始时间", 9), ("地点", 18), ("形式", 10), ("主持人", 10),
    ("记录人", 10), ("主题", 30), ("授课人", 16), ("应到", 6), ("实到", 6), ("请假", 6), ("缺席", 6),
    ("到会人数符合要求", 10), ("照片数", 7), ("出席人员", 40), ("请假人员", 30), ("缺席人员", 20),
    ("内容", 60), ("决议", 30), ("对照检查（代表班子）", 30), ("对照检查（个人）", 30), ("备案情况", 24),
]  # fmt: skip
SUMMARY_COLUMNS = [("类型", 22), ("开展次数", 10), ("到会人数符合要求", 16), ("有照片", 10), ("两项均符合", 12)]


# A text cell that never becomes a formula: the kernel's one helper for every workbook.
xlsx_text = xlsx.text


def xlsx_header(ws, columns, title):
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append(xlsx.row(ws, [name for name, _ in columns]))
    for i, (_, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F3E9E0")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"
    ws.title = title


def ledger_xlsx(branch, year: int, *, ledger: LifeLedger | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ledger = ledger or life_ledger(branch, year)
    wb = Workbook()
    wb.properties.title = ledger.title
    wb.properties.creator = "武进区党支部规范化建设平台"
    ws = wb.active
    xlsx_header(ws, XLSX_COLUMNS, "活动记录")
    top = Alignment(vertical="top", wrap_text=True)
    for e in ledger.entries:
        a = e.activity
        is_life = a.type == ActivityType.LIFE
        ws.append(xlsx.row(ws, [
            e.number, xlsx_text(ws, e.type_label), a.held_on, a.start_time, xlsx_text(ws, a.place),
            a.get_form_display(), xlsx_text(ws, a.host), xlsx_text(ws, a.recorder), xlsx_text(ws, a.topic),
            xlsx_text(ws, e.lecturer_text), a.expected_count, a.present_count, a.leave_count, e.absent_count,
            "是" if a.quorum_met else "否", a.photo_count, xlsx_text(ws, e.present_text),
            xlsx_text(ws, e.leave_text), xlsx_text(ws, e.absent_text), xlsx_text(ws, a.content),
            xlsx_text(ws, a.decisions), xlsx_text(ws, a.team_check if is_life else ""),
            xlsx_text(ws, a.personal_check if is_life else ""), e.filed_text if is_life else "",
        ]))  # fmt: skip
        row = ws.max_row
        for col in range(1, len(XLSX_COLUMNS) + 1):
            ws.cell(row=row, column=col).alignment = top
        ws.cell(row=row, column=3).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=4).number_format = "hh:mm"
    if ledger.entries:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_COLUMNS))}{ws.max_row}"

    ws2 = wb.create_sheet()
    xlsx_header(ws2, SUMMARY_COLUMNS, "汇总")
    for r in [*ledger.summary, ledger.total]:
        ws2.append(xlsx.row(ws2, [r.label, r.held, r.quorum_met, r.with_photos, r.complete]))
    for cell in ws2[ws2.max_row]:
        cell.font = Font(bold=True)
    ws2.append([])
    ws2.append(xlsx.row(ws2, [f"{ledger.title}（根据平台组织生活记录生成，{ledger.generated_at:%Y-%m-%d %H:%M}）"]))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
