"""联系服务群众台账: a branch's year of service to the masses, generated from the records.

年初有目标、月月有举措、年终有考核: the year's ``ServiceSystem`` (the chosen system, its
goal and the year-end review) and the service ``Plan``; month by month the 联系服务群众
activities (type SERVICE) with their topic, participants, content and photos; and the
problems passed upwards (``Escalation``) with their status and the replies. Nothing is
typed for the ledger. ``service_ledger`` reads it in a fixed number of queries and the web
page, the PDF and the Excel workbook render it, like the 党组织生活台账.
"""

import datetime
import io
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import F, Prefetch
from django.utils import timezone

from ledgers.books.life import cn_date, xlsx_header, xlsx_text
from ledgers.books.members import parent_name, year_bounds
from ledgers.books.members_xlsx import xlsx_align_row
from ledgers.books.pdfs import LedgerNames, cached_pdf, ledger_html, render_pdf
from ledgers.models import (
    Activity,
    ActivityType,
    Escalation,
    EscalationStatus,
    Photo,
    Plan,
    PlanKind,
    ServiceSystem,
)
from wujin_branch import xlsx

TITLE = "联系服务群众台账"
MONTH_STATES = {
    "held": "已开展",
    "missing": "未开展",
    "current": "本月待开展",
    "future": "未到",
    "na": "支部尚未成立",
}


@dataclass
class ServiceEntry:
    activity: Activity
    number: int
    photos: list[Photo] = field(default_factory=list)
    photo_uris: list[str] = field(default_factory=list)  # stored: addresses of the display copies, for the PDF

    @property
    def when(self) -> str:
        a = self.activity
        return f"{cn_date(a.held_on)} {a.start_time:%H:%M}" if a.start_time else cn_date(a.held_on)


@dataclass
class ServiceMonth:
    month: int
    state: str  # held | missing | current | future | na
    entries: list[ServiceEntry] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return MONTH_STATES[self.state]

    @property
    def participants(self) -> int:
        return sum(e.activity.present_count for e in self.entries)


def month_state(branch, year: int, month: int, held: bool, on: datetime.date) -> str:
    """The same reading as the 联系服务群众 page: a month counts once it has ended."""
    start = datetime.date(year, month, 1)
    end = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
    if held:
        return "held"
    if branch.founded_on and end < branch.founded_on:
        return "na"
    if start > on:
        return "future"
    if end >= on:
        return "current"
    return "missing"


@dataclass
class ServiceLedger(LedgerNames):
    KIND = TITLE

    branch: object
    year: int
    parent_name: str
    system: ServiceSystem | None
    plan: Plan | None
    months: list[ServiceMonth]
    entries: list[ServiceEntry]
    escalations: list[Escalation]
    generated_at: datetime.datetime

    @property
    def system_label(self) -> str:
        s = self.system
        if s is None:
            return ""
        return f"{s.get_kind_display()}（{s.name}）" if s.name else s.get_kind_display()

    @property
    def months_held(self) -> int:
        return sum(1 for m in self.months if m.state == "held")

    @property
    def months_due(self) -> int:
        """Months that have ended (or hold a record) since the branch was founded."""
        return sum(1 for m in self.months if m.state in ("held", "missing"))

    @property
    def missing_months(self) -> list[int]:
        return [m.month for m in self.months if m.state == "missing"]

    @property
    def participants(self) -> int:
        return sum(e.activity.present_count for e in self.entries)

    @property
    def photo_count(self) -> int:
        return sum(len(e.photos) for e in self.entries)

    @property
    def escalation_counts(self) -> list[tuple[str, int]]:
        counts = Counter(e.status for e in self.escalations)
        return [(label, counts[value]) for value, label in EscalationStatus.choices]

    @property
    def summary(self) -> list[tuple[str, str]]:
        s = self.system
        missing = "、".join(f"{m}月" for m in self.missing_months)
        esc = "，".join(f"{label} {n} 件" for label, n in self.escalation_counts)
        return [
            ("年初有目标", f"{self.system_label}：已确定年度目标" if s else "尚未确定服务制度和年度目标"),
            ("联系服务群众计划", "已制定" if self.plan else "未制定"),
            (
                "月月有举措",
                f"开展活动 {len(self.entries)} 次，覆盖 {self.months_held} 个月"
                + (f"（未开展：{missing}）" if missing else "")
                + f"；参加党员 {self.participants} 人次；照片 {self.photo_count} 张",
            ),
            (
                "年终有考核",
                f"已于{cn_date(s.reviewed_on)}考核" if s and s.reviewed_on else "尚未进行年终考核",
            ),
            ("向上级反映的问题", f"共 {len(self.escalations)} 件" + (f"（{esc}）" if self.escalations else "")),
        ]


def service_ledger(branch, year: int, *, on: datetime.date | None = None) -> ServiceLedger:
    """The ledger of ``branch`` for ``year`` in six queries, however many records and photos.

    Service system, service plan, activities (date order, then start time), their photos
    (upload order), the escalations raised in the year (date order), the parent's name.
    """
    on = on or timezone.localdate()
    start, end = year_bounds(year)
    system = ServiceSystem.objects.filter(branch=branch, year=year).first()
    plan = Plan.objects.filter(branch=branch, year=year, kind=PlanKind.SERVICE).first()
    photos = Photo.objects.only("id", "activity_id", "display", "thumb", "width", "height", "taken_at").order_by("id")
    activities = (
        Activity.objects.filter(branch=branch, type=ActivityType.SERVICE, held_on__range=(start, end))
        .prefetch_related(Prefetch("photos", queryset=photos, to_attr="ledger_photos"))
        .order_by("held_on", F("start_time").asc(nulls_first=True), "id")
    )
    entries = [ServiceEntry(a, number, a.ledger_photos) for number, a in enumerate(activities, start=1)]
    by_month = {m: [] for m in range(1, 13)}
    for e in entries:
        by_month[e.activity.held_on.month].append(e)
    months = [ServiceMonth(m, month_state(branch, year, m, bool(by_month[m]), on), by_month[m]) for m in by_month]
    escalations = list(
        Escalation.objects.filter(branch=branch, raised_on__range=(start, end))
        .select_related("replied_by")
        .order_by("raised_on", "id")
    )
    return ServiceLedger(
        branch=branch,
        year=year,
        parent_name=parent_name(branch),
        system=system,
        plan=plan,
        months=months,
        entries=entries,
        escalations=escalations,
        generated_at=timezone.localtime(),
    )


# ---------------------------------------------------------------- PDF


def service_ledger_html_for_pdf(ledger: ServiceLedger) -> str:
    return ledger_html("ledgers/service_ledger_pdf.html", ledger)


def service_ledger_pdf(branch, year: int, *, ledger: ServiceLedger | None = None, cached: bool = False) -> bytes:
    html = service_ledger_html_for_pdf(ledger or service_ledger(branch, year))
    return cached_pdf("service", branch.pk, year, html) if cached else render_pdf(html)


# ---------------------------------------------------------------- Excel

ACTIVITY_COLUMNS = [
    ("序号", 6), ("月份", 7), ("日期", 12), ("开始时间", 9), ("地点", 20), ("形式", 10), ("主持人", 10),
    ("主题", 30), ("参加党员人数", 10), ("内容", 60), ("成效和后续安排", 40), ("照片数", 7),
]  # fmt: skip
MONTH_COLUMNS = [("月份", 8), ("情况", 12), ("活动次数", 9), ("参加党员人次", 12), ("活动主题", 60)]
ESCALATION_COLUMNS = [("反映日期", 12), ("问题", 30), ("具体情况", 50), ("状态", 12), ("上级答复", 50),
                      ("答复日期", 12), ("答复人", 12)]  # fmt: skip


def service_ledger_xlsx(branch, year: int, *, ledger: ServiceLedger | None = None) -> bytes:
    from openpyxl import Workbook

    ledger = ledger or service_ledger(branch, year)
    wb = Workbook()
    wb.properties.title = ledger.title
    wb.properties.creator = "武进区党支部规范化建设平台"

    ws = wb.active
    xlsx_header(ws, [("项目", 18), ("内容", 100)], "服务制度和计划")
    s = ledger.system
    rows = [
        ("党组织名称", ledger.branch.name),
        ("上级党组织", ledger.parent_name),
        ("年度", f"{ledger.year}年"),
        ("服务制度", ledger.system_label or "未确定"),
        ("年度目标", s.goal if s else ""),
        ("联系服务群众计划", ledger.plan.text if ledger.plan else "未制定"),
        ("年终考核", s.year_end_review if s else ""),
        ("考核日期", s.reviewed_on if s and s.reviewed_on else ""),
        *ledger.summary,
    ]
    for label, value in rows:
        ws.append(xlsx.row(ws, [label, value if isinstance(value, datetime.date) else xlsx_text(ws, value)]))
        xlsx_align_row(ws, 2, date_cols=(2,))
    ws.append([])
    ws.append(xlsx.row(ws, [f"{ledger.title}（根据平台联系服务群众记录生成，{ledger.generated_at:%Y-%m-%d %H:%M}）"]))

    ws = wb.create_sheet()
    xlsx_header(ws, MONTH_COLUMNS, "月度举措")
    for m in ledger.months:
        topics = "；".join(e.activity.topic for e in m.entries)
        ws.append(xlsx.row(ws, [f"{m.month}月", m.state_label, len(m.entries), m.participants, xlsx_text(ws, topics)]))
        xlsx_align_row(ws, len(MONTH_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, ACTIVITY_COLUMNS, "活动记录")
    for e in ledger.entries:
        a = e.activity
        ws.append(xlsx.row(ws, [
            e.number, f"{a.held_on.month}月", a.held_on, a.start_time, xlsx_text(ws, a.place), a.get_form_display(),
            xlsx_text(ws, a.host), xlsx_text(ws, a.topic), a.present_count, xlsx_text(ws, a.content),
            xlsx_text(ws, a.decisions), len(e.photos),
        ]))  # fmt: skip
        xlsx_align_row(ws, len(ACTIVITY_COLUMNS), date_cols=(3,))
        ws.cell(row=ws.max_row, column=4).number_format = "hh:mm"

    ws = wb.create_sheet()
    xlsx_header(ws, ESCALATION_COLUMNS, "问题上报")
    for x in ledger.escalations:
        ws.append(xlsx.row(ws, [
            x.raised_on, xlsx_text(ws, x.title), xlsx_text(ws, x.description), x.get_status_display(),
            xlsx_text(ws, x.reply), x.replied_on, xlsx_text(ws, str(x.replied_by) if x.replied_by else ""),
        ]))  # fmt: skip
        xlsx_align_row(ws, len(ESCALATION_COLUMNS), date_cols=(1, 6))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
