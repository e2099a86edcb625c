"""Excel roster (党员花名册): template, all-or-nothing import, export.

The import reads and checks the whole file before writing anything, so a secretary fixes
the listed rows and uploads the same file again instead of untangling half an import.
Each row goes through the same member rules as the member form (``services.member_rules``)
so the two ways in cannot drift apart.
"""

import datetime
import io
import re
import unicodedata
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history

from branches.models import Education, Gender, Member, MemberStatus, Occupation, OrgKind, PartyGroup, Standing
from branches.permissions import Action, can
from branches.services import member_rules, validate_id_number
from branches.signals import announce_members_changed
from wujin_branch import xlsx
from wujin_branch.errors import DomainError
from wujin_branch.services import clean

ROSTER_SHEET = "党员花名册"
HELP_SHEET = "填写说明"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

# (Member field, header, column width). The import finds columns by header, not position.
COLUMNS = [
    ("name", "姓名", 10),
    ("gender", "性别", 6),
    ("ethnicity", "民族", 8),
    ("birth_date", "出生日期", 12),
    ("education", "学历", 12),
    ("occupation", "职业类别", 22),
    ("id_number", "身份证号", 21),
    ("phone", "手机号", 14),
    ("joined_on", "入党日期", 12),
    ("full_member_on", "转正日期", 12),
    ("status", "党员类别", 10),
    ("party_group", "党小组", 14),
    ("dues_from", "党费起算月", 12),
    ("work_unit", "工作单位及职务", 24),
    ("address", "家庭住址", 30),
]
HEADERS = [header for _, header, _ in COLUMNS]
REQUIRED = {"name", "gender", "birth_date", "education", "occupation", "id_number", "joined_on", "status"}
OPTIONAL_COLUMNS = {"dues_from", "work_unit", "address"}  # files made with an older template do not have them
DEFAULTS = {"ethnicity": "汉族", "phone": "", "full_member_on": None, "party_group": None, "dues_from": None,
            "work_unit": "", "address": ""}  # fmt: skip
DATE_FIELDS = {"birth_date", "joined_on", "full_member_on"}
CHOICES = {"gender": Gender, "education": Education, "occupation": Occupation, "status": MemberStatus}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")

UNREADABLE = "无法读取该文件。请上传用本系统模板填写的 .xlsx 格式 Excel 文件（.xls、.csv 等请先另存为 .xlsx）。"
ID_TAKEN = "该身份证号已登记在册（可能在其他支部），请通过组织关系接转办理"


class RowError(NamedTuple):
    row: int  # the Excel row number, header = 1
    reason: str

    def __str__(self):
        return f"第 {self.row} 行：{self.reason}"


class RosterImportError(DomainError):
    """The file has bad rows; ``errors`` lists every one so they can all be fixed at once."""

    def __init__(self, errors: list[RowError]):
        rows = len({e.row for e in errors})
        super().__init__(f"花名册中有 {rows} 行存在错误，未导入任何党员。请按下列提示修改后重新上传。")
        self.errors = errors


# ---------------------------------------------------------------- template and export


def _roster_sheet(ws):
    ws.title = ROSTER_SHEET
    ws.append(HEADERS)
    required_fill = PatternFill("solid", fgColor="FDE2E2")
    for i, (field, _, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        if field in REQUIRED:
            cell.fill = required_fill
        dim = ws.column_dimensions[get_column_letter(i)]
        # Text format keeps all 18 digits of an identity number (Excel rounds numbers to 15).
        if field in ("id_number", "phone"):
            dim.number_format = "@"
        elif field in DATE_FIELDS:
            dim.number_format = "yyyy-mm-dd"
        elif field == "dues_from":
            dim.number_format = "yyyy-mm"
        dim.width = width
    ws.freeze_panes = "A2"


def _choice_lists(branch):
    lists = {field: [c.label for c in choices] for field, choices in CHOICES.items()}
    lists["party_group"] = list(
        PartyGroup.objects.filter(branch=branch, is_active=True).values_list("name", flat=True)
    )
    return lists


def _help_lines():
    max_rows = settings.ROSTER_IMPORT_MAX_ROWS
    return [
        "党员花名册填写说明",
        "1. 在“党员花名册”工作表中从第 2 行起每行填写一名党员，不要修改第 1 行的表头；空行会被跳过。",
        "2. 红色表头为必填项：姓名、性别、出生日期、学历、职业类别、身份证号、入党日期、党员类别。",
        "3. 性别、学历、职业类别、党员类别、党小组只能填写右侧列出的值（可从下拉列表选择）。",
        "4. 民族不填时默认为“汉族”；手机号可不填；党小组须为本支部现有的党小组，可不填。",
        "5. 日期可填 Excel 日期，或 2020-01-05、2020/1/5、2020.1.5 形式的文字；日期不能晚于今天。",
        "6. 身份证号为 18 位（最后一位校验码须正确），请按文本填写；已登记在册的党员（包括其他支部）"
        "不能重复导入，请办理组织关系接转。",
        "7. 正式党员须填写转正日期，预备党员不填；入党时须年满十八周岁。",
        "8. 党费起算月（如 2026-03）：从这个月起计算应交党费，此前的月份不计欠交（已交的可在党费页面补录）；"
        "不填时为导入当月。",
        f"9. 一次最多导入 {max_rows} 名党员。",
        "10. 整个文件全部正确才会导入：有错误时系统列出行号和原因，一名党员也不会导入，请修改后重新上传。",
    ]


def roster_template_workbook(branch) -> bytes:
    """An empty roster with drop-down lists; the allowed values live on the help sheet."""
    wb = Workbook()
    ws = wb.active
    _roster_sheet(ws)
    help_ws = wb.create_sheet(HELP_SHEET)
    for r, line in enumerate(_help_lines(), start=1):
        help_ws.cell(row=r, column=1, value=line)
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 100

    lists = _choice_lists(branch)
    last_row = settings.ROSTER_IMPORT_MAX_ROWS + 1
    help_col = 3  # lists start in column C of the help sheet
    for i, (field, header, _) in enumerate(COLUMNS, start=1):
        if field not in lists:
            continue
        letter = get_column_letter(help_col)
        help_ws.cell(row=1, column=help_col, value=header).font = Font(bold=True)
        for r, value in enumerate(lists[field], start=2):
            help_ws.cell(row=r, column=help_col, value=xlsx.safe_text(value))  # party group names are typed
        help_ws.column_dimensions[letter].width = 24
        if lists[field]:
            dv = DataValidation(
                type="list",
                formula1=f"'{HELP_SHEET}'!${letter}$2:${letter}${len(lists[field]) + 1}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="输入值无效",
                error=f"{header}请从下拉列表中选择。",
            )
            ws.add_data_validation(dv)
            col = get_column_letter(i)
            dv.add(f"{col}2:{col}{last_row}")
        help_col += 1
    return _save(wb)


def roster_export_workbook(branch, user) -> bytes:
    """Active members sorted by pinyin; identity numbers masked unless the user may see them."""
    show_id = can(user, Action.SEE_ID, branch)
    wb = Workbook()
    ws = wb.active
    _roster_sheet(ws)
    members = (
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .select_related("party_group")
        .order_by("name_pinyin", "id")
    )
    for m in members:
        group = m.party_group.name if m.party_group and m.party_group.is_active else ""
        ws.append(xlsx.row(ws, [
            m.name, m.get_gender_display(), m.ethnicity, m.birth_date,
            m.get_education_display(), m.get_occupation_display(),
            m.id_number if show_id else m.id_number_masked, m.phone, m.joined_on,
            m.full_member_on, m.get_status_display(), group, m.dues_from,
        ]))  # fmt: skip
    return _save(wb)


def _save(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- import


def _cell_value(value):
    """Strings normalized (full-width digits and slashes → ASCII) and stripped; blank → None.
    The apostrophe our own exports put before "=", "+", … is taken off again."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", xlsx.unescape(value)).strip()
        return value or None
    return value


def _read_rows(fileobj):
    """The non-empty data rows as (Excel row number, {field: raw value})."""
    max_rows = settings.ROSTER_IMPORT_MAX_ROWS
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as e:  # a non-xlsx file fails in zipfile, XML parsing or openpyxl, each its own way
        raise DomainError(UNREADABLE) from e
    try:
        ws = wb[ROSTER_SHEET] if ROSTER_SHEET in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = [_cell_value(h) for h in next(rows, ())]
        missing = [h for f, h, _ in COLUMNS if h not in header and f not in OPTIONAL_COLUMNS]
        if missing:
            raise DomainError(f"第 1 行表头缺少：{'、'.join(missing)}。请使用本系统下载的模板，不要修改表头。")
        index = {field: header.index(h) for field, h, _ in COLUMNS if h in header}
        result = []
        for number, values in enumerate(rows, start=2):
            cells = {f: _cell_value(values[index[f]]) if f in index and index[f] < len(values) else None
                     for f, _, _ in COLUMNS}  # fmt: skip
            if all(v is None for v in cells.values()):
                continue
            if len(result) >= max_rows:
                raise DomainError(f"一次最多导入 {max_rows} 名党员，请分批导入。")
            result.append((number, cells))
        return result
    except DomainError:
        raise
    except Exception as e:  # broken XML inside an otherwise valid zip
        raise DomainError(UNREADABLE) from e
    finally:
        wb.close()


def _to_date(value, header):
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        match = _DATE_RE.match(str(value))
        try:
            day = datetime.date(*map(int, match.groups())) if match else None
        except ValueError:  # 2020-13-45
            day = None
        if day is None:
            raise ValueError(f"{header}“{value}”不是有效日期（可填 2020-01-05、2020/1/5 或 2020.1.5）")
    if day > timezone.localdate():
        raise ValueError(f"{header}不能晚于今天")
    return day


def _to_month(value, header):
    """An Excel date or 2026-03 / 2026/3 / 2026年3月 (or a whole date) → the 1st of that month."""
    if isinstance(value, datetime.date | datetime.datetime):
        return _to_date(value, header).replace(day=1)
    match = _MONTH_RE.match(str(value))
    if match is None:
        return _to_date(value, header).replace(day=1)
    try:
        return datetime.date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValueError(f"{header}“{value}”不是有效月份（可填 2026-03 或 2026年3月）") from None


def _convert(field, header, value, groups):
    """One cell → the Member field value, or ValueError with the reason in Chinese."""
    if value is None:
        if field in REQUIRED:
            raise ValueError(f"{header}不能为空")
        return DEFAULTS[field]
    if field in DATE_FIELDS:
        return _to_date(value, header)
    if field == "dues_from":
        return _to_month(value, header)
    if field in CHOICES:
        by_label = {c.label: c.value for c in CHOICES[field]}
        if value not in by_label:
            raise ValueError(f"{header}“{value}”不正确，应为：{'、'.join(by_label)}")
        return by_label[value]
    if field == "party_group":
        if str(value) not in groups:
            raise ValueError(f"党小组“{value}”不是本支部现有的党小组")
        return groups[str(value)]
    if field == "id_number":
        if isinstance(value, float):
            raise ValueError("身份证号被 Excel 存成了数字，后几位可能已丢失；请将该列设为文本格式后重新填写")
        number = str(value).upper()
        if not validate_id_number(number):
            raise ValueError(f"身份证号“{number}”格式不正确（应为18位，最后一位校验码须正确）")
        return number
    if isinstance(value, float) and value.is_integer():  # a phone number typed as a number
        value = int(value)
    return str(value)


def roster_parse(branch, fileobj) -> tuple[list[Member], list[RowError]]:
    """Unsaved members for every valid row, and every problem found, sorted by row.

    Raises ``DomainError`` when the file as a whole cannot be used (not an xlsx, wrong
    headers, too many rows).
    """
    groups = {g.name: g for g in PartyGroup.objects.filter(branch=branch, is_active=True)}
    members, errors = [], []
    first_row_of = {}  # id number → the row it first appeared on
    for number, cells in _read_rows(fileobj):
        reasons, data = [], {}
        for field, header, _ in COLUMNS:
            try:
                data[field] = _convert(field, header, cells[field], groups)
            except ValueError as e:
                reasons.append(str(e))
        id_number = data.get("id_number")
        if id_number in first_row_of:
            reasons.append(f"身份证号与第 {first_row_of[id_number]} 行重复")
        elif id_number:
            first_row_of[id_number] = number
        if not reasons:
            member = Member(branch=branch, **data)
            try:
                member_rules(member)  # also fills name_pinyin / name_initials
                # branch and party_group are known good; id_number uniqueness is checked for
                # the whole file below. Excluding them keeps full_clean from querying per row.
                clean(member, exclude=["branch", "party_group", "id_number"])
            except DomainError as e:
                reasons.append(e.message.rstrip("。"))
            else:
                members.append(member)
        errors.extend(RowError(number, r) for r in reasons)
    taken = Member.objects.filter(id_number__in=list(first_row_of)).values_list("id_number", flat=True)
    errors.extend(RowError(first_row_of[n], ID_TAKEN) for n in taken)
    errors.sort(key=lambda e: e.row)
    return members, errors


def roster_import(*, actor, branch, fileobj) -> int:
    """Import the whole file or nothing; returns the number of members added."""
    if actor is None or not can(actor, Action.EDIT, branch):
        raise DomainError("您没有权限执行此操作。")
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能向正常的党支部导入党员。")
    members, errors = roster_parse(branch, fileobj)
    if errors:
        raise RosterImportError(errors)
    if not members:
        raise DomainError("文件中没有党员数据，请从第 2 行起填写。")
    try:
        with transaction.atomic():
            bulk_create_with_history(members, Member, default_user=actor, default_change_reason="花名册导入")
            announce_members_changed(branch.pk)  # one rebuild of the branch's 党员信息台账, not one per row
    except IntegrityError as e:  # someone registered one of these id numbers since the check
        raise DomainError("导入时发现有身份证号刚被他人登记，未导入任何党员，请重新上传。") from e
    return len(members)
