"""Printable score sheets (评分表) and committee declarations (申报表), made with WeasyPrint.

A sheet follows the annex of 《武进区党支部规范化建设考核细则》: 考核项目 / 考核要求 / 考核标准 /
分值 / 自评分 / 考核分, with the committee's column (党(工)委评分) between the last two,
section subtotals capped at the declared maximum (and a note where the items add up to
more, as in 活动开展有序: 32 against 30), the vetoes, the total, the result and the
signature lines.

``score_sheets`` reads any number of assessments in a fixed number of queries (the bulk
export calls it once per chunk); ``PdfRenderer`` keeps one font configuration and one
font stylesheet for a whole run, so a worker loads the CJK font once, not once a sheet.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from assessment import scoring
from assessment.models import Assessment, ItemScore, RubricItem, RubricSection, Veto
from branches.models import Organization
from review.models import Declaration, DeclarationEntry

SHEET_TITLE = "《武进区党支部规范化建设考核细则》评分表"
DECLARATION_TITLE = "党支部规范化建设考核申报表"
PASSED, FAILED, NOT_RATED = "合格", "不合格", "未评定"
COMMITTEE_DEPTH = 2  # district → committee → … → branch
SHEET_COLUMNS = ("self_score", "committee_score", "district_score")  # 自评分, 党(工)委评分, 考核分


def cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- data


@dataclass
class SheetRow:
    item: RubricItem
    score: ItemScore | None
    section_span: int = 0  # rowspan of the 考核项目 cell on the section's first row, else 0
    requirement_span: int = 0  # rowspan of the 考核要求 cell on a group's first row, else 0


@dataclass
class SheetSection:
    section: RubricSection
    rows: list[SheetRow]
    totals: dict  # column → scoring.SectionTotal

    @property
    def items_points(self) -> Decimal:
        return self.totals["self_score"].items_points

    @property
    def over_declared(self) -> bool:
        """The items add up to more than the section's declared maximum (the cap applies)."""
        return self.items_points > self.section.max_points

    @property
    def cells(self) -> list[dict]:
        """The subtotals of the printed columns: capped value, and the raw sum where it was cut."""
        out = []
        for c in SHEET_COLUMNS:
            t = self.totals[c]
            scored = t.missing < len(self.rows)
            out.append({"value": t.capped if scored else None, "raw": t.raw if t.over_cap else None})
        return out


@dataclass
class Sheet:
    assessment: Assessment
    committee_name: str
    sections: list[SheetSection]
    totals: dict  # column → scoring.Totals
    vetoes: list[Veto]
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def branch(self):
        return self.assessment.branch

    @property
    def period(self):
        return self.assessment.period

    @property
    def title(self) -> str:
        return SHEET_TITLE

    @property
    def declared_total(self) -> Decimal:
        return sum((s.section.max_points for s in self.sections), Decimal("0"))

    @property
    def total_cells(self) -> list[dict]:
        """Per printed column: the total, or None when nothing is scored; ``partial`` when some
        items still lack a score."""
        n_items = sum(len(s.rows) for s in self.sections)
        out = []
        for c in SHEET_COLUMNS:
            t = self.totals[c]
            missing = sum(s.missing for s in t.sections)
            out.append({"value": t.total if missing < n_items else None, "partial": 0 < missing < n_items})
        return out

    @property
    def district_total(self) -> Decimal | None:
        t = self.totals["district_score"]
        return t.total if t.complete else None

    @property
    def has_veto(self) -> bool:
        return self.assessment.has_veto or bool(self.vetoes)

    @property
    def result(self) -> str:
        """合格 / 不合格 by the district score (scoring.passes), 未评定 until every item has one."""
        total = self.district_total
        if total is None:
            return NOT_RATED
        return PASSED if scoring.passes(total, self.period.pass_line, self.has_veto) else FAILED

    @property
    def filename(self) -> str:
        return f"{self.branch.name}-{self.period.name}-评分表.pdf"


def _rows(section, scores: dict) -> list[SheetRow]:
    items = list(section.items.all())
    rows = [SheetRow(item=i, score=scores.get(i.pk)) for i in items]
    if rows:
        rows[0].section_span = len(rows) + 1  # + the subtotal row
    start = 0
    for n in range(1, len(rows) + 1):
        if n == len(rows) or rows[n].item.requirement != rows[start].item.requirement:
            rows[start].requirement_span = n - start
            start = n
    return rows


def rubric_sections(rubric) -> list[RubricSection]:
    """The rubric's sections with their items in order (two queries)."""
    return list(
        RubricSection.objects.filter(version=rubric)
        .order_by("order")
        .prefetch_related(Prefetch("items", queryset=RubricItem.objects.order_by("order")))
    )


def committee_names(branches) -> dict[str, str]:
    """Path of the depth-2 ancestor (the 党(工)委) → its name, for these branches (one query)."""
    size = Organization.steplen * COMMITTEE_DEPTH
    paths = {b.path[:size] for b in branches if b.depth >= COMMITTEE_DEPTH}
    if not paths:
        return {}
    return dict(Organization.objects.filter(path__in=paths).values_list("path", "name"))


def score_sheets(assessment_ids, *, sections_by_rubric: dict | None = None) -> list[Sheet]:
    """The sheets of these assessments, in branch order, in a fixed number of queries however
    many there are: assessments, scores, vetoes, committee names, plus two per rubric not in
    ``sections_by_rubric`` (a cache the caller may keep across calls: rubric id → sections)."""
    ids = list(assessment_ids)
    assessments = list(
        Assessment.objects.filter(pk__in=ids)
        .select_related("branch", "period")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=ItemScore.objects.only(
                    "assessment_id", "item_id", "self_score", "committee_score", "district_score",
                    "self_remark", "committee_remark", "district_remark",
                ),
                to_attr="sheet_scores",
            ),
            Prefetch(
                "vetoes", queryset=Veto.objects.filter(active=True).select_related("kind"), to_attr="sheet_vetoes"
            ),
        )
        .order_by("branch__path", "pk")
    )  # fmt: skip
    cache = sections_by_rubric if sections_by_rubric is not None else {}
    names = committee_names([a.branch for a in assessments])
    size = Organization.steplen * COMMITTEE_DEPTH
    sheets = []
    for a in assessments:
        rubric_id = a.period.rubric_id
        if rubric_id not in cache:
            cache[rubric_id] = rubric_sections(rubric_id)
        sections = cache[rubric_id]
        scores = {s.item_id: s for s in a.sheet_scores}
        columns = {c: scoring.totals(sections, scores, c) for c in SHEET_COLUMNS}
        out = [
            SheetSection(section=s, rows=_rows(s, scores), totals={c: columns[c].sections[n] for c in SHEET_COLUMNS})
            for n, s in enumerate(sections)
        ]
        sheets.append(
            Sheet(
                assessment=a,
                committee_name=names.get(a.branch.path[:size], ""),
                sections=out,
                totals=columns,
                vetoes=a.sheet_vetoes,
            )
        )
    return sheets


def score_sheet(assessment) -> Sheet:
    return score_sheets([assessment.pk])[0]


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


def _font_fetcher():
    """These documents have no images: WeasyPrint may read the built font and nothing else."""
    from urllib.request import url2pathname

    from weasyprint.urls import URLFetcher

    from wujin_branch.fonts import font_dir

    root = font_dir().resolve()

    class FontOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("file:"):
                raise ValueError(f"评分表 PDF 不读取外部资源：{url[:80]}")
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not path.is_relative_to(root):
                raise ValueError(f"评分表 PDF 不读取该文件：{path}")
            return super().fetch(path.as_uri(), headers)

    return FontOnlyFetcher(allowed_protocols=["file"])


class PdfRenderer:
    """One font configuration and one parsed @font-face stylesheet for many documents.

    WeasyPrint registers the fonts of a stylesheet with fontconfig when it is parsed; doing
    that once per run instead of once per document is most of the saving in bulk.
    """

    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from wujin_branch.fonts import pdf_font_css

        self.fetcher = _font_fetcher()
        self.font_config = FontConfiguration()
        self.font_css = CSS(string=pdf_font_css(), font_config=self.font_config, url_fetcher=self.fetcher)

    def render(self, html: str):
        """Lay out one document (``weasyprint.Document``)."""
        import weasyprint

        return weasyprint.HTML(string=html, url_fetcher=self.fetcher).render(
            stylesheets=[self.font_css], font_config=self.font_config
        )

    @staticmethod
    def combine(documents, target=None):
        """One PDF of the pages of these documents, in order (fonts subset once for all)."""
        pages = [page for doc in documents for page in doc.pages]
        return documents[0].copy(pages).write_pdf(target)

    def pdf(self, html: str) -> bytes:
        return self.render(html).write_pdf()


def _context(**extra):
    from wujin_branch.fonts import font_family_css

    return {"font_family": font_family_css(), **extra}


def sheet_html(sheet: Sheet) -> str:
    return render_to_string("review/sheet_pdf.html", _context(sheet=sheet, passed=PASSED, failed=FAILED))


def declaration_html(d: DeclarationSheet) -> str:
    return render_to_string("review/declaration_pdf.html", _context(d=d))


def score_sheet_pdf(assessment, *, renderer: PdfRenderer | None = None) -> tuple[bytes, str]:
    """The PDF of one branch's sheet and its download name."""
    sheet = score_sheet(assessment)
    return (renderer or PdfRenderer()).pdf(sheet_html(sheet)), sheet.filename


def declaration_pdf(declaration) -> tuple[bytes, str]:
    d = declaration_sheet(declaration)
    return PdfRenderer().pdf(declaration_html(d)), d.filename
