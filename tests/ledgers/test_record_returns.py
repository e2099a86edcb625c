"""退回补充: a reviewer returns a thin record with a reason; it stops counting until amended."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.rules import Context
from assessment.rules.reads import window_activities
from branches.models import Position, Role
from ledgers.activities import returns as record_returns
from ledgers.activities import selectors, services
from ledgers.models import Activity, RecordReturn, ReturnResolution
from tests.factories import MemberFactory, UserFactory, grant, make_term
from tests.ledgers.test_activities import base_data, jpeg
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def record(branch, secretary):
    people = [MemberFactory(branch=branch) for _ in range(4)]
    make_term(branch, elected_on=datetime.date(2023, 1, 5),
              seats=[(Position.SECRETARY, people[0]), (Position.ORGANIZATION, people[1])])  # fmt: skip
    data = base_data(content="学习上级文件精神，讨论本季度发展党员计划和党费收缴。")
    a = services.activity_create(actor=secretary, branch=branch, data=data, attendance={}, photos=[jpeg()])
    assert a.is_complete
    return a


def _counted(a):
    day = a.held_on
    counts = selectors.compliance_counts(day.replace(day=1), day.replace(day=28) + datetime.timedelta(days=4))
    return counts.get(a.branch_id, {}).get(a.type, 0)


def test_a_returned_record_stops_counting_until_the_branch_amends_it(record, reviewer, secretary,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    assert _counted(record) == 1
    r = record_returns.activity_return(actor=reviewer, activity=record, reason="会议记录只有一句话，请补充讨论内容。")
    record.refresh_from_db()
    assert record.returned and not record.is_complete
    assert _counted(record) == 0
    ctx = Context(record.held_on, record.held_on, [record.branch_id])
    [act] = window_activities(ctx)[record.branch_id]
    assert act.returned and not act.complete  # the suggested scores see it too
    [n] = Notice.objects.filter(user=secretary)
    assert "退回补充" in n.title and "请补充讨论内容" in n.body
    assert n.url == reverse("activity_detail", args=[record.pk])

    with django_capture_on_commit_callbacks(execute=True):
        amended = {"content": "学习上级文件，讨论发展党员计划，明确下一步培养考察工作。"}
        services.activity_update(actor=secretary, activity=record, version=record.version, data=amended, attendance={})
    record.refresh_from_db()
    r.refresh_from_db()
    assert not record.returned and record.is_complete and _counted(record) == 1
    assert r.resolution == ReturnResolution.AMENDED and r.resolved_by == secretary
    [back] = Notice.objects.filter(user=reviewer)
    assert "已按退回意见修改" in back.title
    assert record.history.filter(returned=True).exists()  # the return is in the record's history


def test_reason_required_and_one_open_return(record, reviewer):
    with pytest.raises(DomainError, match="退回理由"):
        record_returns.activity_return(actor=reviewer, activity=record, reason="  ")
    record_returns.activity_return(actor=reviewer, activity=record, reason="缺少照片说明")
    with pytest.raises(DomainError, match="等待支部修改"):
        record_returns.activity_return(actor=reviewer, activity=record, reason="再退一次")
    assert RecordReturn.objects.count() == 1


def test_withdraw(record, reviewer):
    r = record_returns.activity_return(actor=reviewer, activity=record, reason="核实中")
    record_returns.activity_return_withdraw(actor=reviewer, activity=record)
    record.refresh_from_db()
    r.refresh_from_db()
    assert not record.returned and r.resolution == ReturnResolution.WITHDRAWN
    with pytest.raises(DomainError, match="没有待处理的退回"):
        record_returns.activity_return_withdraw(actor=reviewer, activity=record)


def test_frozen_records_are_returned_through_the_assessment(record, reviewer, settings):
    settings.ACTIVITY_FROZEN_CHECK = "tests.ledgers.test_record_returns.always_frozen"
    with pytest.raises(DomainError, match="逐项退回"):
        record_returns.activity_return(actor=reviewer, activity=record, reason="太简单")
    assert not Activity.objects.get(pk=record.pk).returned


def always_frozen(activity):
    return True


# ---------------------------------------------------------------- pages


def test_reviewer_returns_from_the_record_page(client, record, reviewer, secretary):
    client.force_login(reviewer)
    page = client.get(reverse("activity_detail", args=[record.pk])).content.decode()
    assert "退回支部补充" in page
    response = client.post(reverse("activity_return", args=[record.pk]), {"reason": "请补充决议事项"})
    assert response.status_code == 302
    page = client.get(reverse("activity_detail", args=[record.pk])).content.decode()
    assert "本记录已被退回补充" in page and "请补充决议事项" in page and "撤销退回" in page
    client.force_login(secretary)
    page = client.get(reverse("activity_detail", args=[record.pk])).content.decode()
    assert "按意见修改记录" in page and "撤销退回" not in page and "退回支部补充" not in page
    listing = client.get(reverse("activity_list", args=[record.branch_id])).content.decode()
    assert "退回补充" in listing


def test_a_refused_return_keeps_what_was_typed(client, record, reviewer):
    client.force_login(reviewer)
    record_returns.activity_return(actor=reviewer, activity=record, reason="第一次")
    record_returns.activity_return_withdraw(actor=reviewer, activity=record)
    response = client.post(reverse("activity_return", args=[record.pk]), {"reason": "x" * 501})
    assert response.status_code == 400
    html = response.content.decode()
    assert "不能超过 500 字" in html and "x" * 501 in html


@pytest.mark.parametrize("who", ["secretary", "other_reviewer", "other_secretary"])
def test_only_reviewers_above_the_branch_may_return(client, record, who, other_branch, other_committee,
                                                    secretary, other_secretary):  # fmt: skip
    users = {
        "secretary": secretary,
        "other_secretary": other_secretary,
        "other_reviewer": grant(UserFactory(), other_committee, Role.REVIEWER),
    }
    client.force_login(users[who])
    assert client.post(reverse("activity_return", args=[record.pk]), {"reason": "太简单"}).status_code == 404
    assert client.post(reverse("activity_return_withdraw", args=[record.pk])).status_code == 404
    assert not Activity.objects.get(pk=record.pk).returned


def test_district_may_return_too(client, record, district_user):
    client.force_login(district_user)
    assert client.post(reverse("activity_return", args=[record.pk]), {"reason": "照片与活动无关"}).status_code == 302
    assert Activity.objects.get(pk=record.pk).returned


def test_one_rule_for_what_counts_in_sql_and_on_a_loaded_row(record):
    """``ActivityQuerySet.counts_q`` and ``Activity.is_complete`` say the same for every mix of
    quorum, photos, a return and minutes/topic of substance (19, 20 characters against the
    minimum of 20), and the calendar, counts and rules read the former."""
    long_enough, short = "会" * 20, "会" * 19
    mixes = [(q, p, r, c, t) for q in (True, False) for p in (0, 2) for r in (True, False)
             for c in (long_enough, short) for t in ("学习", "学")]  # fmt: skip
    for quorum_met, photo_count, returned, content, topic in mixes:
        Activity.objects.filter(pk=record.pk).update(
            quorum_met=quorum_met, photo_count=photo_count, returned=returned, content=content, topic=topic
        )
        row = Activity.objects.with_counts().get(pk=record.pk)
        assert row.counts == row.is_complete == Activity.objects.counting().filter(pk=record.pk).exists()
        assert (_counted(record) == 1) == row.is_complete
        [act] = window_activities(Context(row.held_on, row.held_on, [row.branch_id]))[row.branch_id]
        assert act.counts == row.counts


def test_the_minimum_length_is_a_setting(record, settings):
    Activity.objects.filter(pk=record.pk).update(content="会" * 30)
    assert Activity.objects.counting().filter(pk=record.pk).exists()
    settings.RECORD_MIN_MINUTES_CHARS = 31
    assert not Activity.objects.counting().filter(pk=record.pk).exists()
    row = Activity.objects.get(pk=record.pk)
    assert not row.is_complete and row.shortfalls == ["会议记录少于31字"]
