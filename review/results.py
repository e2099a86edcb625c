"""The results export of a period: one row per branch with its scores, result and committee, as Excel."""

import io

from assessment.models import AssessmentStatus as S
from assessment.models import Veto
from assessment.sheets import assessment_result
from review.dashboards import PREFIX_LEN, Filters, assessments_in, committees_list
from wujin_branch import xlsx

# ---------------------------------------------------------------- results export

XLSX_COLUMNS = [
    ("党(工)委", 24), ("党支部", 30), ("支部类型", 14), ("状态", 16), ("自评总分", 10), ("党(工)委考核分", 14),
    ("区委组织部考核分", 16), ("一票否决", 9), ("否决情形", 40), ("结果", 40),
]  # fmt: skip


def results_rows(user, period, filters: Filters, *, committees=None):
    """One tuple per assessment for the export, in three queries (two when ``committees`` is given)."""
    committees = {c.path: c.name for c in (committees_list() if committees is None else committees)}
    qs = assessments_in(user, period, filters).filter(filters.q())
    vetoes = {}
    for aid, kind, detail in (
        Veto.objects.filter(active=True, assessment__in=qs.values("pk"))
        .order_by("assessment_id", "kind__order", "id")
        .values_list("assessment_id", "kind__name", "detail")
    ):  # 2
        detail = detail.rstrip("。")
        vetoes.setdefault(aid, []).append(f"{kind}：{detail}" if detail else kind)
    status_labels = dict(S.choices)
    for a in qs.select_related("branch", "period").order_by("branch__path").iterator(chunk_size=2000):  # 3
        b = a.branch
        found = vetoes.get(a.pk, [])
        yield (
            committees.get(b.path[:PREFIX_LEN], ""), b.name, b.type_label(),
            status_labels.get(a.status, a.status), a.self_total, a.committee_total, a.district_total,
            "是" if a.has_veto else "否", "；".join(found), assessment_result(a, found).short,
        )  # fmt: skip


def results_workbook(user, period, filters: Filters, *, committees=None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    wb.properties.creator = "武进区党支部规范化建设平台"
    wb.properties.title = f"{period.name}考核结果"
    ws = wb.create_sheet("考核结果")
    for i, (_, width) in enumerate(XLSX_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name, _ in XLSX_COLUMNS:
        c = WriteOnlyCell(ws, value=name)
        c.font = bold
        header.append(c)
    ws.append(header)
    for row in results_rows(user, period, filters, committees=committees):
        ws.append(xlsx.row(ws, row))  # text never becomes a formula (wujin_branch.xlsx)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
