"""Text for Excel cells, shared by every workbook the platform writes.

What users typed (a record's topic, a member's name, an organization's name) must reach the
reader as text. openpyxl stores any string starting with "=" as a formula, and Excel or WPS
turn text starting with "=", "+", "-", "@", a tab or a carriage return into a live formula
when the cell is edited or the sheet is saved as CSV (``=HYPERLINK(...)``,
``=cmd|' /C calc'!A0``). Such text gets a leading apostrophe, as OWASP advises for formula
injection: the apostrophe is part of the value, so it survives editing and CSV conversion.
Characters openpyxl refuses (control characters) are dropped.

Writers pass whole rows through ``row`` (or single values through ``text``), so a column
added later is covered without anyone remembering to wrap it.
"""

from openpyxl.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` without control characters, with an apostrophe before a formula trigger."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def unescape(value: str) -> str:
    """What ``safe_text`` was given: for reading back a workbook the platform wrote."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


def text(ws, value) -> Cell:
    """A cell holding ``value`` (``None`` → empty text) as a string, never as a formula."""
    cell = Cell(ws, row=1, column=1, value=safe_text(value or ""))
    cell.data_type = "s"
    return cell


def row(ws, values) -> list:
    """A row for ``ws.append``: strings become safe text cells, cells built by the caller
    (fonts, number formats) have their text made safe, everything else is kept."""
    out = []
    for v in values:
        if isinstance(v, str):
            v = text(ws, v)
        elif isinstance(v, Cell) and isinstance(v.value, str):
            v.value = safe_text(v.value)
            v.data_type = "s"
        out.append(v)
    return out
