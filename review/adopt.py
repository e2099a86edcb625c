"""采用 in one tap: a score page filled from the level below (the platform's suggestions for the
branch, the branch's self-assessment for the committee, the committee's scores for the district).

Nothing is saved by adopting: the page comes back filled, the person checks it, changes only
what they judge differently and saves through the usual path (version check, all or nothing).
"""

from decimal import Decimal

SOURCES = {  # the score page's column → (the column it adopts, its remark, what the button says)
    "self_score": ("suggested", None, "全部采用建议分"),
    "committee_score": ("self_score", "self_remark", "采用支部自评分"),
    "district_score": ("committee_score", "committee_remark", "采用党(工)委评分"),
}
SOURCE_LABEL = {"suggested": "建议分", "self_score": "支部自评分", "committee_score": "党(工)委评分"}


def _text(value) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def pairs(sheet):
    for sec in sheet["sections"]:
        yield from sec.pairs


def adopted(sheet, column, remark_column) -> tuple[dict, list[str]]:
    """{item_id: (score, remark)} as the form posts it, filled from the level below where it has a
    score (the remark already written is kept); and the codes of the items it has none for."""
    source = SOURCES[column][0]
    posted, missing = {}, []
    for item, score in pairs(sheet):
        value = getattr(score, source)
        if value is None:
            missing.append(item.code)
            continue
        posted[item.pk] = (_text(value), getattr(score, remark_column) or "")
    return posted, missing


def differing(sheet, column) -> set[int]:
    """Items whose score in ``column`` differs from the level below (both given)."""
    source = SOURCES[column][0]
    out = set()
    for item, score in pairs(sheet):
        mine, below = getattr(score, column), getattr(score, source)
        if mine is not None and below is not None and mine != below:
            out.add(item.pk)
    return out


def require_reasons(assessment, rows, column, remark_column) -> None:
    """A score changed to differ from the level below needs a short reason in its remark (it is
    shown on the sheet and in the PDF). Scores left as they were are not asked again."""
    from assessment import scoring
    from assessment.models import ItemScore
    from wujin_branch.errors import DomainError

    source = SOURCES[column][0]
    missing = []
    for s in ItemScore.objects.filter(assessment=assessment, item_id__in=list(rows)).select_related("item"):
        raw, remark = rows[s.item_id]
        try:
            value = scoring.parse_score(raw, s.item.points)
        except DomainError:
            continue  # the save reports it with the others
        below = getattr(s, source)
        changed = value != getattr(s, column)
        if changed and value is not None and below is not None and value != below and not (remark or "").strip():
            missing.append(s.item.code)
    if missing:
        codes = "、".join(sorted(missing, key=lambda c: (len(c), c)))
        raise DomainError(f"第{codes}项的评分与{SOURCE_LABEL[source]}不同，请在意见中写明理由。")
