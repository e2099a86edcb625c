"""Follow-ups of 组织生活会 filing (issue #17): a material edit after 备案 puts the record back
to 待重新报送; 发言 count for members present only; the branch's old self-ticked 备案 is shown
as its own claim, never as 已备案."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from ledgers.activities import services as activity_services
from ledgers.books.life import LedgerEntry
from ledgers.life import services
from ledgers.models import (
    Activity,
    ActivityType,
    AttendanceStatus,
    FilingStatus,
    LifeMeetingLevel,
    LifeSpeech,
    MinutesFiling,
)
from tests.factories import MemberFactory
from tests.ledgers.test_activities import base_data
from tests.ledgers.test_life_filing import DAY, life_meeting
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db


def data(**kw):
    return base_data(type=ActivityType.LIFE, life_level=LifeMeetingLevel.BRANCH, held_on=DAY, topic="专题组织生活会",
                     **kw)  # fmt: skip


def filed(branch, secretary, reviewer, n=2):
    a, people = life_meeting(branch, secretary, n=n)
    speakers = a.attendance.values_list("member_id", flat=True)  # everyone on the roster was present
    services.minutes_file(actor=secretary, activity=a, speeches={pk: "要点" for pk in speakers})
    services.minutes_accept(actor=reviewer, activity=a)
    a.refresh_from_db()
    assert a.minutes_filed
    return a, people


def present_all(people, overrides=None):
    overrides = overrides or {}
    return {m.pk: (overrides.get(m.pk, AttendanceStatus.PRESENT), "") for m in people}


def test_editing_the_minutes_after_filing_reopens_it(client, branch, secretary, reviewer):
    a, people = filed(branch, secretary, reviewer)
    activity_services.activity_update(actor=secretary, activity=a, version=a.version,
                                      data=data(content="会议记录在备案后补写了一段，内容有实质修改。"),
                                      attendance=present_all(people))  # fmt: skip
    a.refresh_from_db()
    assert not a.minutes_filed and a.minutes_filed_on is None
    last = a.filings.order_by("-filed_at", "-id").first()
    assert last.status == FilingStatus.REOPENED and last.filed_by == secretary and "会议记录" in last.note
    assert list(a.filings.values_list("status", flat=True).order_by("filed_at", "id")) == [
        FilingStatus.ACCEPTED,
        FilingStatus.REOPENED,
    ]  # the path keeps the old 备案 and says why it lapsed
    assert Notice.objects.filter(user=reviewer, title__contains="待重新报送").exists()
    client.force_login(secretary)
    page = client.get(reverse("minutes_filing", args=[a.pk])).content.decode()
    assert "备案后记录已修改，待重新报送" in page and "备案已失效" in page and "报送上级党组织备案" in page
    assert "备案后记录已修改，待重新报送" in client.get(reverse("activity_detail", args=[a.pk])).content.decode()
    # filed again and accepted again (a second 备案 of the same record)
    services.minutes_file(actor=secretary, activity=a, speeches={m.pk: "要点" for m in people})
    services.minutes_accept(actor=reviewer, activity=a)
    a.refresh_from_db()
    assert a.minutes_filed and a.filings.filter(status=FilingStatus.ACCEPTED).count() == 2


def test_changing_attendance_after_filing_reopens_it(branch, secretary, reviewer):
    a, people = filed(branch, secretary, reviewer, n=3)
    att = present_all(people, {people[0].pk: AttendanceStatus.ABSENT})
    activity_services.activity_update(actor=secretary, activity=a, version=a.version, data=data(), attendance=att)
    a.refresh_from_db()
    assert not a.minutes_filed
    assert a.filings.order_by("-filed_at", "-id").first().note == "备案后修改了出勤情况"


def test_a_change_the_filing_does_not_cover_keeps_it(client, branch, secretary, reviewer):
    a, people = filed(branch, secretary, reviewer)
    client.force_login(secretary)
    assert "原备案失效" in client.get(reverse("activity_edit", args=[a.pk])).content.decode()  # warned before editing
    activity_services.activity_update(actor=secretary, activity=a, version=a.version,
                                      data=data(place="村委会二楼会议室"), attendance=present_all(people))  # fmt: skip
    a.refresh_from_db()
    assert a.minutes_filed and a.place == "村委会二楼会议室"
    assert not a.filings.filter(status=FilingStatus.REOPENED).exists()


def test_a_speech_of_someone_not_present_is_refused_by_name(branch, secretary):
    a, people = life_meeting(branch, secretary)
    outsider = MemberFactory(branch=branch, name="缺席者")
    with pytest.raises(DomainError, match="缺席者未登记为出席"):
        services.minutes_file(actor=secretary, activity=a, speeches={people[0].pk: "要点", outsider.pk: "代写的发言"})
    assert not LifeSpeech.objects.filter(activity=a).exists() and not a.filings.exists()


def test_the_filing_page_counts_speeches_of_present_members_only(client, branch, secretary):
    """Two present spoke; the attendance is then corrected (one was absent, another present):
    the page asks for the missing 发言 instead of counting the stale one."""
    a, people = life_meeting(branch, secretary, n=3)
    att = present_all(people, {people[2].pk: AttendanceStatus.ABSENT})
    activity_services.activity_update(actor=secretary, activity=a, version=a.version, data=data(), attendance=att)
    services.life_speeches_save(actor=secretary, activity=a, speeches={people[0].pk: "要点", people[1].pk: "要点"})
    a.refresh_from_db()
    att = present_all(people, {people[1].pk: AttendanceStatus.ABSENT})
    activity_services.activity_update(actor=secretary, activity=a, version=a.version, data=data(), attendance=att)
    client.force_login(secretary)
    page = client.get(reverse("minutes_filing", args=[a.pk])).content.decode()
    assert "党员逐一发言记录（出席2人，记录1人）" in page


def test_old_ticks_become_the_branchs_own_claim(branch, secretary, reviewer):
    migration = importlib.import_module("ledgers.migrations.0013_followups")
    ticked, _ = life_meeting(branch, secretary)
    day = datetime.date(2025, 5, 6)
    Activity.all_objects.filter(pk=ticked.pk).update(minutes_filed=True, minutes_filed_on=day)
    accepted, _ = filed(branch, secretary, reviewer)
    migration.forwards(apps, None)
    ticked.refresh_from_db()
    accepted.refresh_from_db()
    assert not ticked.minutes_filed and ticked.minutes_filed_on is None
    assert ticked.minutes_self_reported and ticked.minutes_self_reported_on == day
    assert LedgerEntry(ticked, 1).filed_text == "支部自报已备案（未经党(工)委确认）"
    assert accepted.minutes_filed and not accepted.minutes_self_reported  # a real 备案 stays
    assert LedgerEntry(accepted, 2).filed_text.startswith("已于")
    # the branch files it for real: the committee's 备案 replaces the claim
    people = [m for m in ticked.attendance.values_list("member_id", flat=True)]
    services.minutes_file(actor=secretary, activity=ticked, speeches={pk: "要点" for pk in people})
    services.minutes_accept(actor=reviewer, activity=ticked)
    ticked.refresh_from_db()
    assert ticked.minutes_filed and not ticked.minutes_self_reported
    migration.backwards(apps, None)
    assert MinutesFiling.objects.filter(activity=ticked, status=FilingStatus.ACCEPTED).exists()
