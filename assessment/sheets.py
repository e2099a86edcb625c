"""The score sheet (评分表) of an assessment, built once for the pages and the PDFs.

It follows the annex of 《武进区党支部规范化建设考核细则》: 考核项目 / 考核要求 / 考核标准 / 分值 /
自评分 / 党(工)委评分 / 考核分, section subtotals capped at the declared maximum (with the raw
sum where the items add up to more, as in 活动开展有序: 32 against 30), the vetoes, the total and
the result. ``score_sheets`` reads any number of assessments in a fixed number of queries (the
bulk export calls it once per chunk).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from assessment import scoring
from assessment.models import Assessment, ItemScore, RubricItem, RubricSection, Veto
from assessment.models import AssessmentStatus as S
from branches.models import Organization

SHEET_TITLE = "《武进区党支部规范化建设考核细则》评分表"
PASSED, PROPOSED, ON_NOTICE, FAILED, NOT_RATED = "合格", "拟定合格", "拟定合格（公示中）", "不合格", "未评定"
COMMITTEE_DEPTH = 2  # district → committee → … → branch
SHEET_COLUMNS = ("self_score", "committee_score", "district_score")  # 自评分, 党(工)委评分, 考核分


@dataclass(frozen=True)
class Result:
    """考核结果 and why, in words. Only a confirmed branch is 合格 (a 合格支部): accepted ones are
    拟定合格, and 拟定合格（公示中） while published; 不合格 names the veto or the pass line."""

    verdict: str
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.verdict == FAILED

    @property
    def passed(self) -> bool:
        return self.verdict == PASSED

    def __str__(self):
        return f"{self.verdict}（{self.reason}）" if self.reason else self.verdict

    @property
    def short(self) -> str:
        """For lists and exports: the verdict, with the reason only when it failed."""
        return str(self) if self.failed else self.verdict


def _points(value: Decimal) -> str:
    text = f"{Decimal(value).quantize(Decimal('0.1')):f}"
    return text[:-2] if text.endswith(".0") else text


def assessment_result(a: Assessment, veto_texts: list[str]) -> Result:
    """The result of ``a`` by its review state; ``veto_texts`` are its active vetoes
    ("党支部书记缺职：…"). One function for the sheet, the pages and the results export."""
    line = a.period.pass_line
    total = a.district_total
    score = f"考核分{_points(total)}分" if total is not None else ""
    if a.status == S.CONFIRMED:
        return Result(PASSED, f"{score}，无一票否决情形，经公示无异议，确认为合格支部".lstrip("，"))
    if a.status == S.PUBLISHED:
        return Result(ON_NOTICE, f"{score}，无一票否决情形，公示期满无异议后确认为合格支部".lstrip("，"))
    if a.status == S.ACCEPTED:
        return Result(PROPOSED, f"{score}，无一票否决情形，验收通过，待公示".lstrip("，"))
    if a.status in (S.NOT_PASSED, S.NOT_RECOMMENDED, S.RECTIFYING):
        if veto_texts:
            reason = "一票否决：" + "；".join(veto_texts)
        elif total is not None and total < line:
            reason = f"{score}，低于合格分数线{_points(line)}分"
        elif a.status == S.NOT_PASSED:
            reason = "验收不合格"
        else:
            reason = "党(工)委未推荐申报"
        return Result(FAILED, reason + ("，整顿中" if a.status == S.RECTIFYING else ""))
    return Result(NOT_RATED, f"区委组织部尚未验收评定；合格须达到{_points(line)}分且无一票否决情形，并经公示无异议")


def veto_text(veto: Veto) -> str:
    """党支部书记缺职：党支部书记自2026年1月15日出缺，至今未补选 (no full stop: texts are joined with ；)."""
    detail = veto.detail.rstrip("。")
    return f"{veto.kind.name}：{detail}" if detail else veto.kind.name


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
    def pairs(self) -> list[tuple]:
        """(item, score) per row, for the pages' ``{% for item, score in sec.pairs %}``."""
        return [(r.item, r.score) for r in self.rows]

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
    vetoes: list[Veto]  # the active ones (printed)
    all_vetoes: list[Veto] = field(default_factory=list)  # lifted ones too (the pages list them)
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
    def result(self) -> Result:
        """By the review state, not by the district score alone (see ``assessment_result``)."""
        return assessment_result(self.assessment, [veto_text(v) for v in self.vetoes])

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
            Prefetch("scores", queryset=ItemScore.objects.all(), to_attr="sheet_scores"),  # the pages read every column
            Prefetch("vetoes", queryset=Veto.objects.select_related("kind", "entered_by"), to_attr="sheet_vetoes"),
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
        columns = {c: scoring.totals(sections, scores, c) for c in scoring.COLUMNS}
        out = [
            SheetSection(section=s, rows=_rows(s, scores), totals={c: columns[c].sections[n] for c in scoring.COLUMNS})
            for n, s in enumerate(sections)
        ]
        sheets.append(
            Sheet(
                assessment=a,
                committee_name=names.get(a.branch.path[:size], ""),
                sections=out,
                totals=columns,
                vetoes=[v for v in a.sheet_vetoes if v.active],
                all_vetoes=a.sheet_vetoes,
            )
        )
    return sheets


def score_sheet(assessment) -> Sheet:
    return score_sheets([assessment.pk])[0]
