"""作废: a record voided with a reason stays visible and counts nowhere; it can be restored."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment
from assessment.rules import Context
from assessment.rules.reads import window_activities
from branches.models import Position
from ledgers.activities import integrity, selectors, services, voids
from ledgers.activities import returns as record_returns
from ledgers.books import life as life_book
from ledgers.models import Activity, FlagKind, IntegrityFlag, RecordReturn, RecordVoid, ReturnResolution, VoidAction
from tests.factories import MemberFactory, make_term
from tests.ledgers.test_activities import base_data, jpeg
from tests.review.test_workflow import make_period, open_all, to_submitted
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _committee(branch):
    people = [MemberFactory(branch=branch) for _ in range(4)]
    make_term(branch, elected_on=datetime.date(2020, 1, 5),
              seats=[(Position.SECRETARY, people[0]), (Position.ORGANIZATION, people[1])])  # fmt: skip
    return people


@pytest.fixture
def twins(branch, secretary):
    """The same 支委会 saved twice (a double tap before this issue), with the same photo."""
    _committee(branch)
    made = [
        services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={}, photos=[jpeg()])
        for _ in range(2)
    ]
    for a in made:
        integrity.activity_check_integrity(activity_id=a.pk)
    assert all(a.is_complete for a in made)
    return made


def _counted(a):
    day = a.held_on
    counts = selectors.compliance_counts(day.replace(day=1), day.replace(day=28) + datetime.timedelta(days=4))
    return counts.get(a.branch_id, {}).get(a.type, 0)


def _live_month(a):
    """Records that count toward the calendar cell of the record's month."""
    return Activity.objects.counting().filter(branch=a.branch, type=a.type, held_on__month=a.held_on.month).count()


def _window(a):
    return window_activities(Context(a.held_on, a.held_on, [a.branch_id])).get(a.branch_id, [])


def test_a_voided_duplicate_counts_nowhere_and_can_be_restored(twins, secretary, django_capture_on_commit_callbacks):
    first, second = twins
    assert _counted(first) == 1 and len(_window(first)) == 2 and _live_month(first) == 2
    assert IntegrityFlag.objects.filter(activity=second, kind=FlagKind.REUSED_PHOTO, other_activity=first).exists()

    with django_capture_on_commit_callbacks(execute=True):
        step = voids.activity_void(actor=secretary, activity=second, reason="与上一条重复录入")
    second.refresh_from_db()
    assert second.voided and not second.is_complete and step.action == VoidAction.VOID
    assert _live_month(first) == 1 and _counted(first) == 1
    assert [w.id for w in _window(first)] == [first.pk]  # the suggested scores read the same
    cal = selectors.branch_calendar(first.branch, first.held_on.year)
    records = [r for row in cal for cell in row.cells for r in cell.records]
    assert second.pk not in {r.pk for r in records}
    ledger = life_book.life_ledger(first.branch, first.held_on.year)
    assert [e.activity.pk for e in ledger.entries] == [first.pk]  # the 台账 …
    assert [(x.pk, v.reason) for x, v in ledger.voided] == [(second.pk, "与上一条重复录入")]  # … lists it apart
    assert ledger.total.held == 1
    # the first record's own check no longer compares with the voided twin
    integrity.activity_check_integrity(activity_id=first.pk)
    assert not IntegrityFlag.objects.filter(activity=first, other_activity=second).exists()
    assert Activity.all_objects.filter(pk=second.pk).exists() and not Activity.objects.filter(pk=second.pk).exists()
    assert second.history.filter(voided=True).exists() and second.history.filter(voided=False).exists()

    # the month was satisfied by the first alone; void it too and compliance_counts drops to 0
    voids.activity_void(actor=secretary, activity=first, reason="录入错误")
    assert _counted(first) == 0 and _window(first) == [] and _live_month(first) == 0
    voids.activity_restore(actor=secretary, activity=first, reason="误操作")

    with django_capture_on_commit_callbacks(execute=True):
        voids.activity_restore(actor=secretary, activity=second, reason="核实后是另一次会议")
    second.refresh_from_db()
    assert not second.voided and second.is_complete and _live_month(first) == 2
    assert list(RecordVoid.objects.filter(activity=second).values_list("action", flat=True)) == ["restore", "void"]
    assert first.pk in {a.pk for a in Activity.objects.counting()}


def test_reason_required_and_no_double_void(twins, secretary, reviewer):
    _, second = twins
    with pytest.raises(DomainError, match="请填写作废理由"):
        voids.activity_void(actor=secretary, activity=second, reason="   ")
    voids.activity_void(actor=secretary, activity=second, reason="重复")
    with pytest.raises(DomainError, match="已作废"):
        voids.activity_void(actor=secretary, activity=second, reason="再作废一次")
    with pytest.raises(DomainError, match="请先恢复"):
        services.activity_update(actor=secretary, activity=second, version=second.version + 1,
                                 data={"topic": "改"}, attendance={})  # fmt: skip
    with pytest.raises(DomainError, match="已作废"):
        record_returns.activity_return(actor=reviewer, activity=second, reason="退回")
    assert RecordVoid.objects.count() == 1


def test_voiding_closes_an_open_return(twins, reviewer, secretary):
    _, second = twins
    r = record_returns.activity_return(actor=reviewer, activity=second, reason="疑似重复，请核实")
    voids.activity_void(actor=reviewer, activity=second, reason="确认重复，审核人员作废")
    r.refresh_from_db()
    second.refresh_from_db()
    assert r.resolution == ReturnResolution.VOIDED and not second.returned and second.voided
    assert not RecordReturn.objects.filter(resolved_at__isnull=True).exists()
    assert Notice.objects.filter(user=secretary, title__contains="已被作废").count() == 1  # a reviewer's void is told


# ---------------------------------------------------------------- pages and who may


@pytest.mark.parametrize(
    "role, allowed",
    [("secretary", True), ("reviewer", True), ("district_user", True), ("other_secretary", False)],
)
def test_who_may_void_through_the_page(client, request, twins, role, allowed):
    _, second = twins
    client.force_login(request.getfixturevalue(role))
    url = reverse("activity_void", args=[second.pk])
    r = client.post(url, {"reason": "重复录入"})
    assert r.status_code == (302 if allowed else 404)
    second.refresh_from_db()
    assert second.voided == allowed
    if allowed:
        assert client.post(reverse("activity_restore", args=[second.pk]), {"reason": "恢复"}).status_code == 302


def test_a_reviewer_of_another_committee_gets_404(client, twins, other_committee):
    from branches.models import Role
    from tests.factories import UserFactory, grant

    stranger = UserFactory()
    grant(stranger, other_committee, Role.REVIEWER)
    client.force_login(stranger)
    _, second = twins
    assert client.post(reverse("activity_void", args=[second.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("activity_detail", args=[second.pk])).status_code == 404
    assert not Activity.all_objects.get(pk=second.pk).voided


def test_the_page_refuses_a_void_without_reason_and_keeps_what_was_typed(client, twins, secretary):
    _, second = twins
    client.force_login(secretary)
    detail = reverse("activity_detail", args=[second.pk])
    assert "作废本记录" in client.get(detail).content.decode()
    r = client.post(reverse("activity_void", args=[second.pk]), {"reason": ""})
    assert r.status_code == 400 and "请填写作废理由" in r.content.decode()
    r = client.post(reverse("activity_void", args=[second.pk]), {"reason": "重" * 501})
    assert r.status_code == 400 and "不能超过 500 字" in r.content.decode() and "重" * 501 in r.content.decode()
    assert not Activity.all_objects.get(pk=second.pk).voided

    r = client.post(reverse("activity_void", args=[second.pk]), {"reason": "重复录入，保留上一条"})
    assert r.status_code == 302
    page = client.get(detail).content.decode()
    assert "本记录已作废" in page and "重复录入，保留上一条" in page and 'class="voided"' in page
    assert "恢复本记录" in page and "修改记录</a>" not in page
    listing = client.get(reverse("activity_list", args=[second.branch_id])).content.decode()
    assert "已作废" in listing and 'class="voided"' in listing  # listed, struck through
    assert client.get(reverse("activity_edit", args=[second.pk])).status_code == 302  # no editing a voided record
    ledger = client.get(reverse("life_ledger", args=[second.branch_id, second.held_on.year])).content.decode()
    assert "附录：已作废的记录" in ledger


def test_frozen_records_are_voided_by_reviewers_and_shown_as_after_declaration(
    client, district_user, reviewer, secretary, branch
):
    from tests.factories import without_vetoes

    period = make_period(district_user)
    without_vetoes(branch, period.year)
    held = datetime.date(period.year, 5, 12)
    twice = [
        services.activity_create(actor=secretary, branch=branch, data=base_data(held_on=held), attendance={})
        for _ in range(2)
    ]
    open_all(district_user, period)
    a = to_submitted(Assessment.objects.get(period=period, branch=branch), secretary)
    assert services.is_frozen(twice[1])

    client.force_login(secretary)
    detail = client.get(reverse("activity_detail", args=[twice[1].pk])).content.decode()
    assert "作废本记录" not in detail and "退回自评中的相关项目" in detail
    r = client.post(reverse("activity_void", args=[twice[1].pk]), {"reason": "重复"})
    assert r.status_code == 400 and "退回自评中的相关项目" in r.content.decode()
    assert not Activity.all_objects.get(pk=twice[1].pk).voided

    client.force_login(reviewer)  # a reviewer may void at any time
    r = client.post(reverse("activity_void", args=[twice[1].pk]), {"reason": "同一次支委会录了两遍"})
    assert r.status_code == 302
    [step] = RecordVoid.objects.all()
    assert step.after_declaration
    page = client.get(reverse("assessment_view", args=[a.pk])).content.decode()
    assert "考核期内作废或恢复的记录" in page and "申报后" in page and "同一次支委会录了两遍" in page


def test_the_demo_voids_a_double_entry(committee, secretary):
    """``seed_review`` ends with it: the demo branch's latest record entered twice, one voided."""
    from types import SimpleNamespace

    from branches.demo import DEMO_BRANCH
    from review.demo.extras import void_a_double_entry
    from tests.factories import grant, make_branch

    demo = make_branch(committee, name=DEMO_BRANCH)
    grant(secretary, demo, "secretary")
    original = services.activity_create(actor=secretary, branch=demo, data=base_data(), attendance={})
    assert void_a_double_entry(SimpleNamespace(submitter={demo.pk: secretary}), TODAY.year) == 1
    [step] = RecordVoid.objects.select_related("activity")
    assert step.activity.voided and step.activity.topic == original.topic and "重复录入" in step.reason
    assert list(Activity.objects.filter(branch=demo)) == [original]
