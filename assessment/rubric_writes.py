"""Writes to the rubric: a version copied for revision, its items and sections edited while no
period uses it."""

from decimal import Decimal

from django.db import transaction

from assessment import scoring
from assessment.models import RubricItem, RubricSection, RubricVersion
from branches.permissions import require_district
from wujin_branch.errors import DomainError


@transaction.atomic
def rubric_copy(
    *, actor, source: RubricVersion, code: str, name: str, vacancy_grace_days: int | None = None
) -> RubricVersion:
    """A new version starts as a copy of an existing one and is edited before any period uses it."""
    require_district(actor)
    code = (code or "").strip()
    if not code or RubricVersion.objects.filter(code=code).exists():
        raise DomainError("版本代码不能为空，且不能与已有版本重复。", field="code")
    grace = source.vacancy_grace_days if vacancy_grace_days is None else vacancy_grace_days
    if not 0 <= grace <= 366:
        raise DomainError("书记出缺补选期限应在 0 到 366 天之间。", field="vacancy_grace_days")
    new = RubricVersion.objects.create(code=code, name=name or source.name, source=source.source, based_on=source,
                                       vacancy_grace_days=grace, created_by=actor)  # fmt: skip
    for s in source.sections.prefetch_related("items"):
        ns = RubricSection.objects.create(version=new, order=s.order, name=s.name, max_points=s.max_points)
        RubricItem.objects.bulk_create(
            RubricItem(
                section=ns,
                order=i.order,
                code=i.code,
                requirement=i.requirement,
                standard=i.standard,
                points=i.points,
                rule=i.rule,
                evaluation=i.evaluation,
            )  # fmt: skip
            for i in s.items.all()
        )
    return new


def _editable_version(version):
    if version.periods.exists():
        raise DomainError("该版本已被考核周期使用，不能再修改；请复制出新版本后修改。")


@transaction.atomic
def rubric_item_update(*, actor, item: RubricItem, standard: str, points, requirement: str) -> RubricItem:
    require_district(actor)
    _editable_version(item.section.version)
    points = scoring.parse_score(points, Decimal("100"), label="分值")
    if not points:
        raise DomainError("分值须大于 0。", field="points")
    item.standard, item.points, item.requirement = standard.strip(), points, requirement.strip()
    item._history_user = actor
    item.save()
    return item


@transaction.atomic
def rubric_section_update(*, actor, section: RubricSection, name: str, max_points) -> RubricSection:
    require_district(actor)
    _editable_version(section.version)
    section.name = name.strip()
    section.max_points = scoring.parse_score(max_points, Decimal("100"), label="分值上限") or Decimal("0")
    section._history_user = actor
    section.save()
    return section
