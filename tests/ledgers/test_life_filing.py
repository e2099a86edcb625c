"""组织生活会 filing (报送 → 已备案 / 退回 → 再报送), the upper 班子会 and 不合格党员处置:
role × object × action, the committee's lists at a constant query count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Role
from ledgers.activities import services as activity_services
from ledgers.appraisal import disposals
from ledgers.life import services
from ledgers.life.selectors import upper_of
from ledgers.models import (
    Activity,
    ActivityType,
    Appraisal,
    AppraisalResult,
    DisposalKind,
    FilingStatus,
    Grade,
    LifeMeetingLevel,
    MinutesFiling,
)
from tests.factories import MemberFactory, UserFactory, grant, make_branch
from tests.ledgers.test_activities import base_data, jpeg
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db
DAY = datetime.date.today() - datetime.timedelta(days=3)


@pytest.fixture
def other_reviewer(other_committee):
    return grant(UserFactory(username="other_reviewer"), other_committee, Role.REVIEWER)


def life_meeting(branch, secretary, n=2, checks=True):
    people = [MemberFactory(branch=branch) for _ in range(n)]
    data = base_data(type=ActivityType.LIFE, life_level=LifeMeetingLevel.BRANCH, held_on=DAY, topic="专题组织生活会",
                     team_check="班子对照检查" if checks else "",
                     personal_check="个人对照检查" if checks else "")  # fmt: skip
    a = activity_services.activity_create(actor=secretary, branch=branch, data=data, attendance={}, photos=[jpeg()])
    return a, people


def post_filing(client, a, people, gists=True, note="请备案"):
    data = {"note": note, "form_token": ""}
    for m in people:
        data[f"gist_{m.pk}"] = f"{m.name}的发言要点" if gists else ""
    return client.post(reverse("minutes_filing", args=[a.pk]), data)


def test_file_accept_and_the_record_shows_it(client, branch, secretary, reviewer):
    a, people = life_meeting(branch, secretary)
    client.force_login(secretary)
    r = post_filing(client, a, people)
    assert r.status_code == 302
    f = MinutesFiling.objects.get(activity=a)
    assert f.status == FilingStatus.FILED and f.speech_count == 2
    assert not Activity.objects.get(pk=a.pk).minutes_filed  # not until the committee says so
    assert Notice.objects.filter(user=reviewer, url=reverse("minutes_filing", args=[a.pk])).exists()
    client.force_login(reviewer)
    inbox = client.get(reverse("minutes_filing_inbox")).content.decode()
    assert "专题组织生活会" in inbox
    assert client.post(reverse("minutes_filing_accept", args=[a.pk])).status_code == 302
    a.refresh_from_db()
    assert a.minutes_filed and a.minutes_filed_on == datetime.date.today()
    f.refresh_from_db()
    assert f.status == FilingStatus.ACCEPTED and f.decided_by == reviewer and f.history.count() == 2
    client.force_login(secretary)
    assert "备案" in client.get(reverse("activity_detail", args=[a.pk])).content.decode()
    with pytest.raises(DomainError, match="已备案"):
        services.minutes_file(actor=secretary, activity=a, speeches={})
    with pytest.raises(DomainError, match="可能已被他人处理"):  # a second tap, or a colleague, finds it done
        services.minutes_accept(actor=reviewer, activity=a)
    assert Notice.objects.filter(user=secretary, title__contains="已备案").exists()


def test_incomplete_package_is_refused_and_keeps_what_was_typed(client, branch, secretary):
    a, people = life_meeting(branch, secretary, checks=False)
    client.force_login(secretary)
    r = post_filing(client, a, people, note="我写的说明")
    body = r.content.decode()
    assert r.status_code == 200 and "报送前请补齐：书记代表班子对照检查、书记个人对照检查" in body
    assert "我写的说明" in body and f"{people[0].name}的发言要点" in body
    assert not MinutesFiling.objects.exists()
    a2, people2 = life_meeting(branch, secretary)
    data = {f"gist_{people2[0].pk}": "只有一人发言"}
    r = client.post(reverse("minutes_filing", args=[a2.pk]), data)
    assert "党员逐一发言记录（出席4人，记录1人）" in r.content.decode()  # the whole roster was present


def test_return_with_reason_branch_sees_it_and_files_again(client, branch, secretary, reviewer):
    a, people = life_meeting(branch, secretary)
    client.force_login(secretary)
    post_filing(client, a, people)
    client.force_login(reviewer)
    r = client.post(reverse("minutes_filing_return", args=[a.pk]), {"reason": ""})
    assert r.status_code == 200 and "必填" in r.content.decode()
    client.post(reverse("minutes_filing_return", args=[a.pk]), {"reason": "发言记录过于简单"})
    assert MinutesFiling.objects.get(activity=a).status == FilingStatus.RETURNED
    client.force_login(secretary)
    assert "发言记录过于简单" in client.get(reverse("activity_detail", args=[a.pk])).content.decode()
    assert "发言记录过于简单" in client.get(reverse("minutes_filing", args=[a.pk])).content.decode()
    assert post_filing(client, a, people).status_code == 302
    assert list(MinutesFiling.objects.filter(activity=a).order_by("id").values_list("status", flat=True)) == [
        FilingStatus.RETURNED, FilingStatus.FILED]  # fmt: skip


def test_roles_and_foreign_ids(client, branch, other_branch, secretary, other_secretary, reviewer, other_reviewer):
    a, people = life_meeting(branch, secretary)
    services.minutes_file(actor=secretary, activity=a, speeches={m.pk: "要点" for m in people})
    page = reverse("minutes_filing", args=[a.pk])
    client.force_login(other_secretary)
    assert client.get(page).status_code == 404
    assert post_filing(client, a, people).status_code == 404
    client.force_login(other_reviewer)
    assert client.get(page).status_code == 404
    assert client.post(reverse("minutes_filing_accept", args=[a.pk])).status_code == 404
    assert "专题组织生活会" not in client.get(reverse("minutes_filing_inbox")).content.decode()
    client.force_login(secretary)  # the branch may not decide on its own filing
    assert client.post(reverse("minutes_filing_accept", args=[a.pk])).status_code == 404
    assert client.get(reverse("minutes_filing_inbox")).status_code == 404
    with pytest.raises(DomainError):
        services.minutes_accept(actor=secretary, activity=a)
    other_kind = activity_services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    assert client.get(reverse("minutes_filing", args=[other_kind.pk])).status_code == 404
    client.force_login(reviewer)
    body = client.get(page).content.decode()
    assert "已备案" in body and "退回支部" in body


def test_inbox_constant_queries(client, committee, reviewer):
    client.force_login(reviewer)
    url = reverse("minutes_filing_inbox")

    def add(n):
        for _ in range(n):
            b = make_branch(committee)
            sec = grant(UserFactory(), b, Role.SECRETARY)
            a, people = life_meeting(b, sec, n=1)
            services.minutes_file(actor=sec, activity=a, speeches={people[0].pk: "要点"})

    add(1)
    client.get(url)  # warm-up: the menu's cached counts
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(4)
    client.get(url)  # the new filings told the reviewer: the badge's count is cached again
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("专题组织生活会") == 5
    assert len(many) == len(few)


def test_team_meeting_recorded_by_the_committee_before_the_branch_meeting(client, branch, committee, secretary,
                                                                          reviewer, other_reviewer):  # fmt: skip
    url = reverse("team_meetings", args=[committee.pk])
    data = {"held_on": (DAY - datetime.timedelta(days=5)).isoformat(), "place": "镇党委会议室", "host": "镇党委书记",
            "attendees": "班子成员7人", "content": "班子成员逐一开展批评和自我批评"}  # fmt: skip
    client.force_login(other_reviewer)
    assert client.get(url).status_code == 404
    client.force_login(secretary)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    client.force_login(reviewer)
    assert client.post(url, {**data, "place": ""}).status_code == 200
    assert client.post(url, data).status_code == 302
    assert upper_of(branch) == committee and committee.team_meetings.count() == 1
    a, _ = life_meeting(branch, secretary)
    client.force_login(secretary)
    assert "已于" in client.get(reverse("minutes_filing", args=[a.pk])).content.decode()
    assert client.get(reverse("team_meetings", args=[branch.pk])).status_code == 404  # a branch has none


def unqualified(branch, grade=Grade.UNQUALIFIED):
    appraisal, _ = Appraisal.objects.get_or_create(
        branch=branch, year=DAY.year,
        defaults={"held_on": DAY - datetime.timedelta(days=20), "self_notes": "自评", "mutual_notes": "互评"},
    )  # fmt: skip
    m = MemberFactory(branch=branch)
    return AppraisalResult.objects.create(appraisal=appraisal, member=m, good=1, average=1, poor=8,
                                          suggested_grade=grade, grade=grade)  # fmt: skip


def test_disposal_of_an_unqualified_member(client, branch, secretary, reviewer, other_reviewer, other_secretary):
    result = unqualified(branch)
    url = reverse("disposal_page", args=[result.pk])
    client.force_login(secretary)
    data = {"kind": DisposalKind.CORRECTION, "decided_on": DAY.isoformat(),
            "decision": "经支部党员大会讨论，限期三个月改正"}  # fmt: skip
    r = client.post(url, data)
    assert r.status_code == 200 and "限期改正请填写改正期限" in r.content.decode()
    assert "限期三个月改正" in r.content.decode()
    r = client.post(url, {**data, "deadline": (DAY + datetime.timedelta(days=90)).isoformat()})
    assert r.status_code == 302
    d = result.disposals.get()
    assert d.is_open and d.history.count() == 1
    assert "未办结" in client.get(reverse("appraisal_page", args=[branch.pk]) + f"?year={DAY.year}").content.decode()
    client.force_login(reviewer)
    assert result.member.name in client.get(reverse("disposal_inbox")).content.decode()
    assert client.post(url, data).status_code == 404  # the committee sees, the branch records
    client.force_login(other_reviewer)
    assert result.member.name not in client.get(reverse("disposal_inbox")).content.decode()
    client.force_login(other_secretary)
    assert client.get(url).status_code == 404
    assert client.get(reverse("disposal_inbox")).status_code == 404
    client.force_login(secretary)
    close = reverse("disposal_close", args=[d.pk])
    r = client.post(close, {"version": d.version, "closed_on": DAY.isoformat(), "outcome": "removed"})
    assert "除名须经上级党组织批准" in r.content.decode()
    r = client.post(close, {"version": d.version, "closed_on": DAY.isoformat(), "outcome": "corrected"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert not d.is_open and d.outcome == "corrected"
    client.force_login(reviewer)
    assert result.member.name not in client.get(reverse("disposal_inbox")).content.decode()
    with pytest.raises(DomainError, match="只有评定为不合格"):
        disposals.disposal_create(actor=secretary, result=unqualified(branch, Grade.QUALIFIED),
                                  kind=DisposalKind.PERSUADE, decided_on=DAY, decision="x")  # fmt: skip


def test_disposal_inbox_constant_queries(client, committee, reviewer):
    client.force_login(reviewer)
    url = reverse("disposal_inbox")

    def add(n):
        for _ in range(n):
            b = make_branch(committee)
            sec = grant(UserFactory(), b, Role.SECRETARY)
            disposals.disposal_create(actor=sec, result=unqualified(b), kind=DisposalKind.PERSUADE, decided_on=DAY,
                                      decision="劝其退党")  # fmt: skip

    add(1)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count("劝其退党") == 5
    assert len(many) == len(few)


def test_a_record_waiting_for_filing_is_frozen(branch, secretary, reviewer):
    a, people = life_meeting(branch, secretary)
    services.minutes_file(actor=secretary, activity=a, speeches={m.pk: "要点" for m in people})
    data = base_data(type=ActivityType.LIFE, life_level=LifeMeetingLevel.BRANCH, held_on=DAY, topic="改过的主题")
    with pytest.raises(DomainError, match="等待备案期间不能修改"):
        activity_services.activity_update(actor=secretary, activity=a, version=a.version, data=data, attendance={})
    with pytest.raises(DomainError, match="不能再修改"):
        services.life_speeches_save(actor=secretary, activity=a, speeches={})
    services.minutes_return(actor=reviewer, activity=a, reason="请补充")
    a.refresh_from_db()
    activity_services.activity_update(actor=secretary, activity=a, version=a.version, data=data, attendance={})
    assert Activity.objects.get(pk=a.pk).topic == "改过的主题"
