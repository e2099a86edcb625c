"""Terms by rule (issue #17, item 8): allowed term lengths are data by rule set and branch
type, chosen per period; the upper committee's 整顿/选派/兼任 on an overdue term is recorded.
Before, a 5-year term was accepted for a 机关 branch and scored as on time."""

import datetime
from decimal import Decimal

import pytest

from branches import committees
from branches.models import CommitteeTerm, InterventionKind, Organization, Position, TermIntervention, TermRuleSet
from tests.assessment.test_rules import THREE, elect, members, run
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db

D = Decimal


def _score(branch, rule_set=None):
    from assessment.models import RubricItem
    from assessment.rules import RULES, Context

    item = RubricItem.objects.get(section__version__code="2016", rule="elections")
    ctx = Context(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), [branch.pk], today=datetime.date(2026, 3, 1),
                  term_rule_set_id=rule_set.pk if rule_set else None)  # fmt: skip
    return RULES["elections"].fn(ctx, item)[branch.pk]


def test_a_five_year_term_of_an_organ_branch_is_not_on_time(branch):
    Organization.objects.filter(pk=branch.pk).update(branch_type="organ")
    elect(branch, members(branch, 8), THREE, elected_on=datetime.date(2024, 1, 10), term_years=5)
    s = _score(branch)
    assert s.score == D("1.5")
    assert "本届任期5年，不符合《中国共产党支部工作条例（试行）》（本类支部3年）" in s.reason


def test_village_five_years_allowed_by_the_2018_rules_not_by_the_1990_ones_chosen_for_the_period(branch):
    elect(branch, members(branch, 8), THREE, elected_on=datetime.date(2024, 1, 10), term_years=5)
    assert _score(branch).score == D("3")
    old_rules = TermRuleSet.objects.get(code="1990")
    s = _score(branch, old_rules)
    assert s.score == D("1.5") and "本类支部2年或3年" in s.reason
    assert run("elections", branch)[branch.pk].score == D("3")  # the plain context: rules of the election day


def test_a_term_elected_before_2018_is_judged_by_the_rules_then_in_force(branch):
    elect(branch, members(branch, 8), THREE, elected_on=datetime.date(2016, 3, 1), term_years=2)
    CommitteeTerm.objects.filter(branch=branch).update(due_on=datetime.date(2026, 6, 1))  # postponed far, say
    assert "不符合" not in _score(branch).reason


def test_the_election_service_refuses_lengths_the_rules_do_not_allow(branch, secretary):
    people = members(branch, 8)
    seats = [(p, m, "") for p, m in zip(THREE, people, strict=False)]
    Organization.objects.filter(pk=branch.pk).update(branch_type="organ")
    branch.refresh_from_db()
    with pytest.raises(DomainError, match="机关党支部每届任期为3年"):
        committees.term_elect(actor=secretary, branch=branch, elected_on=datetime.date(2025, 3, 1), term_years=5,
                              seats=seats)  # fmt: skip
    Organization.objects.filter(pk=branch.pk).update(branch_type="village")
    branch.refresh_from_db()
    term = committees.term_elect(actor=secretary, branch=branch, elected_on=datetime.date(2025, 3, 1), term_years=5,
                                 seats=seats)  # fmt: skip
    assert term.due_on == datetime.date(2030, 3, 1)


def test_the_upper_committee_records_a_dispatch_on_an_overdue_term(branch, reviewer, secretary, other_branch):
    people = members(branch, 8)
    term = elect(branch, people, THREE, elected_on=datetime.date(2021, 3, 1), term_years=3)
    kw = {"kind": InterventionKind.DISPATCH, "person": "王强", "note": "镇党委选派王强任第一书记，督促年内完成换届。"}
    with pytest.raises(DomainError, match="没有权限"):
        committees.term_intervention_record(actor=secretary, term=term, decided_on=datetime.date(2025, 4, 1), **kw)
    with pytest.raises(DomainError, match="届满后才需督促换届"):
        committees.term_intervention_record(actor=reviewer, term=term, decided_on=datetime.date(2024, 1, 1), **kw)
    with pytest.raises(DomainError, match="人员姓名"):
        committees.term_intervention_record(actor=reviewer, term=term, decided_on=datetime.date(2025, 4, 1),
                                            **{**kw, "person": " "})  # fmt: skip
    row = committees.term_intervention_record(actor=reviewer, term=term, decided_on=datetime.date(2025, 4, 1), **kw)
    assert row.history.first().history_user == reviewer
    other_term = elect(other_branch, members(other_branch, 8), THREE, elected_on=datetime.date(2021, 3, 1))
    with pytest.raises(DomainError, match="没有权限"):  # another committee's branch
        committees.term_intervention_record(actor=reviewer, term=other_term, decided_on=datetime.date(2025, 4, 1),
                                            **kw)  # fmt: skip
    s = _score(branch)
    assert s.score == D("1.5") and "上级党组织已采取措施（4月1日选派王强）" in s.reason
    assert TermIntervention.objects.count() == 1 and Position.SECRETARY


def test_intervention_page_reviewer_only_foreign_ids_404_and_typed_text_kept(client, branch, reviewer, secretary,
                                                                            other_branch):  # fmt: skip
    from django.urls import reverse

    term = elect(branch, members(branch, 8), THREE, elected_on=datetime.date(2021, 3, 1), term_years=3)
    other_term = elect(other_branch, members(other_branch, 8), THREE, elected_on=datetime.date(2021, 3, 1))
    url = reverse("term_intervention", args=[term.pk])
    client.force_login(secretary)
    assert client.get(url).status_code == 404
    client.force_login(reviewer)
    assert client.get(reverse("term_intervention", args=[other_term.pk])).status_code == 404
    post = {
        "kind": InterventionKind.CONCURRENT,
        "person": "",
        "decided_on": "2025-04-01",
        "note": "由镇党委委员兼任书记",
    }
    r = client.post(url, post)
    assert r.status_code == 200 and "人员姓名" in r.content.decode() and "由镇党委委员兼任书记" in r.content.decode()
    r = client.post(url, {**post, "person": "李明"})
    assert r.status_code == 302 and TermIntervention.objects.get().person == "李明"
    page = client.get(reverse("branch_detail", args=[branch.pk])).content.decode()
    assert "兼任 李明" in page and "concurrent" not in page
