"""党员信息台账 as an Excel workbook: one sheet per section, the same rows as the page and the PDF."""

import io

from ledgers.books.life import xlsx_header, xlsx_text
from ledgers.books.members import DEV_KEY_STEPS, MemberLedger, member_ledger
from ledgers.books.members_dues import MONTHS
from wujin_branch import xlsx

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
        ws.append(xlsx.row(ws, [
            r.number, xlsx_text(ws, m.name), m.get_gender_display(), m.birth_date, xlsx_text(ws, m.ethnicity),
            m.get_education_display(), m.get_occupation_display(), m.joined_on, m.full_member_on, r.status_label,
            xlsx_text(ws, r.group_name), r.id_text, xlsx_text(ws, r.flags_text),
        ]))  # fmt: skip
        xlsx_align_row(ws, len(ROSTER_COLUMNS), date_cols=(4, 8, 9))
    _autofilter(ws, len(ROSTER_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, RECORD_COLUMNS, "党员信息记录")
    for s in ledger.record_sections:
        for rec in s.records:
            ws.append(xlsx.row(ws, [
                s.label, rec.occurred_on, xlsx_text(ws, rec.member.name), xlsx_text(ws, rec.title),
                xlsx_text(ws, rec.detail), _money(rec.amount_fen), xlsx_text(ws, rec.by_whom),
            ]))  # fmt: skip
            xlsx_align_row(ws, len(RECORD_COLUMNS), date_cols=(2,))
    _autofilter(ws, len(RECORD_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, SANCTION_COLUMNS, "党纪处分")
    for row in ledger.sanctions:
        s = row.sanction
        ws.append(xlsx.row(ws, [
            xlsx_text(ws, s.member.name), s.get_kind_display(), s.imposed_on, s.effective_until,
            xlsx_text(ws, s.reason), xlsx_text(ws, s.decided_by), row.note,
        ]))  # fmt: skip
        xlsx_align_row(ws, len(SANCTION_COLUMNS), date_cols=(3, 4))

    ws = wb.create_sheet()
    xlsx_header(ws, DUES_COLUMNS, "党费交纳")
    for r in ledger.dues.rows:
        a = r.arrears
        ws.append(xlsx.row(ws, [
            xlsx_text(ws, r.member.name), r.group_label, _money(r.expected_fen), xlsx_text(ws, r.base_text),
            *[_money(c.payment.amount_fen) if c.payment else c.text for c in r.cells],
            r.paid_months, _money(r.paid_fen), r.unpaid_months, a.run if a else 0, a.flag_text if a else "",
        ]))  # fmt: skip
        xlsx_align_row(ws, len(DUES_COLUMNS))
    ws.append(xlsx.row(ws, ["合计", "", "", "", *[""] * 12, "", _money(ledger.dues.paid_fen),
                            ledger.dues.unpaid_months]))  # fmt: skip
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)

    ws = wb.create_sheet()
    xlsx_header(ws, DEV_COLUMNS, "发展党员")
    for g in ledger.development:
        for r in g.rows:
            a = r.applicant
            ws.append(xlsx.row(ws, [
                g.label, xlsx_text(ws, a.name), a.get_gender_display(), a.birth_date, a.get_education_display(),
                a.get_occupation_display(), *[d for _, d in r.key_dates], xlsx_text(ws, r.steps_text),
            ]))  # fmt: skip
            xlsx_align_row(ws, len(DEV_COLUMNS), date_cols=(4, 7, 8, 9, 10, 11))
    _autofilter(ws, len(DEV_COLUMNS))

    ws = wb.create_sheet()
    xlsx_header(ws, CARE_COLUMNS, "老党员和困难党员")
    for c in ledger.care:
        rows = c.records or [None]
        for rec in rows:
            ws.append(xlsx.row(ws, [
                xlsx_text(ws, c.member.name), xlsx_text(ws, c.reasons_text),
                *([rec.occurred_on, rec.get_kind_display(), xlsx_text(ws, rec.title), xlsx_text(ws, rec.detail),
                   _money(rec.amount_fen), xlsx_text(ws, rec.by_whom)] if rec else [None, "本年无帮扶、走访记录"]),
            ]))  # fmt: skip
            xlsx_align_row(ws, len(CARE_COLUMNS), date_cols=(3,))

    ws = wb.create_sheet()
    xlsx_header(ws, TRANSFER_COLUMNS, "组织关系接转")
    for t in ledger.transfers:
        ws.append(xlsx.row(ws, [
            t.transfer.occurred_on, xlsx_text(ws, t.transfer.member.name), t.direction_label,
            xlsx_text(ws, t.counterpart), xlsx_text(ws, t.transfer.note),
        ]))  # fmt: skip
        xlsx_align_row(ws, len(TRANSFER_COLUMNS), date_cols=(1,))

    ws = wb.create_sheet()
    xlsx_header(ws, [("项目", 18), ("情况", 100)], "汇总")
    ws.append(xlsx.row(ws, ["党组织名称", xlsx_text(ws, ledger.branch.name)]))
    ws.append(xlsx.row(ws, ["上级党组织", xlsx_text(ws, ledger.parent_name)]))
    ws.append(xlsx.row(ws, ["年度", f"{ledger.year}年"]))
    for label, value in ledger.summary:
        ws.append(xlsx.row(ws, [label, value]))
        xlsx_align_row(ws, 2)
    ws.append([])
    ws.append(xlsx.row(ws, [f"{ledger.title}（根据平台党员名册和记录生成，{ledger.generated_at:%Y-%m-%d %H:%M}）"]))

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
