from decimal import Decimal

import pytest

from assessment.models import RubricSection, RubricVersion
from assessment.scoring import floor_half, parse_score, passes, proportional, totals
from wujin_branch.errors import DomainError

D = Decimal


@pytest.mark.parametrize("raw,ok", [("0", D("0")), ("2.5", D("2.5")), ("6", D("6")), ("", None), ("  ", None)])
def test_parse_score_accepts(raw, ok):
    assert parse_score(raw, D("6")) == ok


@pytest.mark.parametrize("raw", ["-0.5", "6.5", "2.3", "2.25", "abc", "NaN", "Infinity", "1e1"])
def test_parse_score_refuses(raw):
    with pytest.raises(DomainError):
        parse_score(raw, D("6"))


def test_proportional_rounds_down_to_half():
    assert proportional(D("6"), 11, 12) == D("5.5")
    assert proportional(D("6"), 12, 12) == D("6")
    assert proportional(D("2"), 3, 4) == D("1.5")
    assert proportional(D("8"), 1, 2) == D("4")
    assert proportional(D("6"), 0, 12) == D("0")
    assert proportional(D("2"), 1, 3) == D("0.5")
    assert floor_half(D("0.49")) == D("0")


@pytest.mark.django_db
def test_full_activities_column_totals_30_not_32():
    version = RubricVersion.objects.get(code="2016")
    sections = list(RubricSection.objects.filter(version=version).prefetch_related("items"))

    class S:
        def __init__(self, v):
            self.self_score = v

    full = {i.pk: S(i.points) for s in sections for i in s.items.all()}
    t = totals(sections, full, "self_score")
    by_name = {s.name: s for s in t.sections}
    assert by_name["活动开展有序"].raw == D("32") and by_name["活动开展有序"].capped == D("30")
    assert by_name["活动开展有序"].declared_mismatch and by_name["活动开展有序"].over_cap
    assert t.total == D("100") and t.complete


def test_pass_line_edges():
    assert not passes(D("84.5"), D("85"), False)
    assert passes(D("85"), D("85"), False)
    assert not passes(D("100"), D("85"), True)
    assert not passes(None, D("85"), False)
