"""Printable score sheets (评分表, built by ``assessment.sheets``) and committee declarations
(申报表), laid out by WeasyPrint through the kernel's ``PdfRenderer``."""

import datetime
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from assessment.sheets import Sheet, score_sheet
from review.models import Declaration, DeclarationEntry
from wujin_branch.pdf import PdfRenderer

DECLARATION_TITLE = "党支部规范化建设考核申报表"


def cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass
class DeclarationSheet:
    declaration: Declaration
    entries: list[DeclarationEntry]
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def title(self) -> str:
        return f"{self.declaration.period.name}{DECLARATION_TITLE}"

    @property
    def submitted_on(self) -> str:
        return cn_date(timezone.localtime(self.declaration.submitted_at).date())

    @property
    def filename(self) -> str:
        d = self.declaration
        return f"{d.committee.name}-{d.period.name}-申报表.pdf"


def declaration_sheet(declaration) -> DeclarationSheet:
    entries = list(
        DeclarationEntry.objects.filter(declaration=declaration)
        .select_related("assessment__branch")
        .order_by("assessment__branch__path", "pk")
    )
    return DeclarationSheet(declaration=declaration, entries=entries)


# ---------------------------------------------------------------- rendering


def sheet_renderer() -> PdfRenderer:
    """Score sheets and declarations have no images: the built font and nothing else."""
    return PdfRenderer(label="评分表 PDF")


def _context(**extra):
    from wujin_branch.fonts import font_family_css

    return {"font_family": font_family_css(), **extra}


def sheet_html(sheet: Sheet) -> str:
    return render_to_string("review/sheet_pdf.html", _context(sheet=sheet))


def declaration_html(d: DeclarationSheet) -> str:
    return render_to_string("review/declaration_pdf.html", _context(d=d))


def score_sheet_pdf(assessment, *, renderer: PdfRenderer | None = None) -> tuple[bytes, str]:
    """The PDF of one branch's sheet and its download name."""
    sheet = score_sheet(assessment)
    return (renderer or sheet_renderer()).pdf(sheet_html(sheet)), sheet.filename


def declaration_pdf(declaration) -> tuple[bytes, str]:
    d = declaration_sheet(declaration)
    return sheet_renderer().pdf(declaration_html(d)), d.filename
