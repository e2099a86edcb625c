"""Item 19 (组织生活会) reads the content, the upper 班子会 and the committee's 备案 (issue #17):
before, a branch with every 对照检查 cleared and 备案 unticked still scored 8/8."""

import datetime
from decimal import Decimal

import pytest

from ledgers.life.selectors import upper_of
from ledgers.models import (
    ActivityType,
    Attendance,
    AttendanceStatus,
    FilingStatus,
    LifeMeetingLevel,
    LifeSpeech,
    MinutesFiling,
    TeamMeeting,
)
from tests.assessment.test_rules import activity, members, one
from tests.factories import make_branch

pytestmark = pytest.mark.django_db
D = Decimal


def life(branch, held_on, *, checks=True, speakers=(), level=LifeMeetingLevel.BRANCH, **kw):
    a = activity(branch, held_on, type=ActivityType.LIFE, life_level=level, present_count=len(speakers),
                 team_check="班子对照检查材料" if checks else "", personal_check="个人对照检查" if checks else "",
                 **kw)  # fmt: skip
    Attendance.objects.bulk_create(Attendance(activity=a, member=m, status=AttendanceStatus.PRESENT) for m in speakers)
    LifeSpeech.objects.bulk_create(LifeSpeech(activity=a, member=m, gist="发言要点") for m in speakers)
    return a


def file(a, status=FilingStatus.ACCEPTED, reason=""):
    return MinutesFiling.objects.create(activity=a, status=status, reason=reason, speech_count=a.present_count)


def upper_meeting(branch, held_on):
    return TeamMeeting.objects.create(organization=upper_of(branch), held_on=held_on, place="会议室", host="书记",
                                      attendees="班子成员", content="逐一开展批评和自我批评")  # fmt: skip


def test_cleared_checks_and_no_filing_no_longer_score_full(branch):
    """The scenario of the issue: two meetings held, 对照检查 empty, 备案 ticked by nobody."""
    life(branch, datetime.date(2025, 4, 10), checks=False, minutes_filed=False)
    life(branch, datetime.date(2025, 10, 10), checks=False, minutes_filed=False)
    s = one("freq_life", branch)
    assert s.score == D("4")  # held 4 of 8 each half; content and filing missing
    assert "书记代表班子对照检查" in s.reason and "书记个人对照检查" in s.reason
    assert "党员发言记录" in s.reason and "会议记录报送上级党组织备案" in s.reason
    assert "上级党委（党总支）会前班子会议" in s.reason


def test_a_ticked_checkbox_is_not_a_filing(branch):
    """``minutes_filed`` set on the record (the old checkbox) without the committee's 备案 gives nothing."""
    people = members(branch, 2)
    for day in (datetime.date(2025, 4, 10), datetime.date(2025, 10, 10)):
        life(branch, day, speakers=people, minutes_filed=True, minutes_filed_on=day)
        upper_meeting(branch, day - datetime.timedelta(days=5))
    s = one("freq_life", branch)
    assert s.score == D("6")
    assert "会议记录报送上级党组织备案" in s.reason


def test_complete_and_accepted_scores_full(branch):
    people = members(branch, 3)
    for day in (datetime.date(2025, 4, 10), datetime.date(2025, 10, 10)):
        file(life(branch, day, speakers=people))
        upper_meeting(branch, day - datetime.timedelta(days=3))
    s = one("freq_life", branch)
    assert s.score == D("8")
    assert s.reason.count("齐全") == 2
    assert any("报送备案" in e["label"] for e in s.evidence)


def test_pending_returned_and_partial_speeches_are_named(branch):
    people = members(branch, 3)
    upper_meeting(branch, datetime.date(2025, 1, 5))
    a = life(branch, datetime.date(2025, 4, 10), speakers=people)
    file(a, FilingStatus.FILED)
    b = life(branch, datetime.date(2025, 10, 10), speakers=people[:2])
    b.present_count = 3
    b.save()
    file(b, FilingStatus.RETURNED, reason="缺少党员发言记录")
    s = one("freq_life", branch)
    assert "已报送，尚未备案" in s.reason and "会议记录被退回：缺少党员发言记录" in s.reason
    assert "党员逐一发言记录（出席3人，记录2人）" in s.reason
    assert "2025年下半年（10月10日）得" in s.reason and "上级党委（党总支）会前班子会议" in s.reason
    # 上半年: 4 + 2 (all content, 班子会 in Jan) = 6; 下半年: 4 + 2×2/4 = 5 → 8 × 11/16 = 5.5
    assert s.score == D("5.5")


def test_a_team_meeting_after_the_branch_meeting_does_not_count(branch):
    people = members(branch, 1)
    a = life(branch, datetime.date(2025, 4, 10), speakers=people)
    file(a)
    upper_meeting(branch, datetime.date(2025, 4, 11))
    got = one("freq_life", branch, end=datetime.date(2025, 6, 30))
    assert "上级党委（党总支）会前班子会议" in got.reason and got.score == D("7.5")


def test_a_branch_directly_under_the_district_needs_no_team_meeting(district):
    b = make_branch(district, name="区直属党支部")
    people = members(b, 1)
    file(life(b, datetime.date(2025, 4, 10), speakers=people))
    got = one("freq_life", b, end=datetime.date(2025, 6, 30))
    assert got.score == D("8") and "齐全" in got.reason


def test_group_meeting_needs_no_secretary_checks_and_missing_half_scores_zero(branch):
    from tests.factories import PartyGroupFactory

    people = members(branch, 2)
    group = PartyGroupFactory(branch=branch)
    upper_meeting(branch, datetime.date(2025, 3, 1))
    file(life(branch, datetime.date(2025, 4, 10), checks=False, speakers=people, level=LifeMeetingLevel.GROUP,
              party_group=group))  # fmt: skip
    s = one("freq_life", branch)
    assert s.score == D("4") and "2025年下半年未召开计入的组织生活会" in s.reason


def test_query_count_is_constant(branch, other_branch, django_assert_max_num_queries):
    from assessment.models import RubricItem
    from assessment.rules import RULES, Context

    for b in (branch, other_branch):
        people = members(b, 2)
        file(life(b, datetime.date(2025, 4, 10), speakers=people))
    item = RubricItem.objects.get(section__version__code="2016", rule="freq_life")
    ctx = Context(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), [branch.pk, other_branch.pk],
                  today=datetime.date(2026, 3, 1))  # fmt: skip
    with django_assert_max_num_queries(4):
        RULES["freq_life"].fn(ctx, item)


def test_the_rules_table_explains_the_new_reading(client, reviewer):
    from django.urls import reverse

    client.force_login(reviewer)
    body = client.get(reverse("rules_table")).content.decode()
    assert "经上级党组织备案（而非支部自行勾选）得2分" in body and "书记代表班子和书记个人的对照检查" in body


def test_a_speech_of_a_member_no_longer_present_does_not_count(branch):
    """发言 count for members present only (issue #17 follow-up): three present spoke, then the
    attendance was corrected — one of them was in fact absent, and a fourth member, who has no
    发言, was present. Three 发言 for three present no longer pass as 逐一发言."""
    people = members(branch, 4)
    for day in (datetime.date(2025, 4, 10), datetime.date(2025, 10, 10)):
        a = life(branch, day, speakers=people[:3])
        upper_meeting(branch, day - datetime.timedelta(days=5))
        file(a)
    a.attendance.filter(member=people[2]).update(status=AttendanceStatus.ABSENT)
    Attendance.objects.create(activity=a, member=people[3], status=AttendanceStatus.PRESENT)
    s = one("freq_life", branch)
    assert "下半年（10月10日）得7.5分，缺党员逐一发言记录（出席3人，记录2人）" in s.reason
    assert s.score == D("7.5")


def test_a_filing_lapsed_by_an_edit_scores_nothing_for_filing(branch):
    people = members(branch, 2)
    for day in (datetime.date(2025, 4, 10), datetime.date(2025, 10, 10)):
        a = life(branch, day, speakers=people)
        upper_meeting(branch, day - datetime.timedelta(days=5))
        file(a)
    MinutesFiling.objects.create(activity=a, status=FilingStatus.REOPENED, note="备案后修改了会议记录", speech_count=2)
    s = one("freq_life", branch)
    assert s.score == D("7")
    assert "备案后记录已修改，待重新报送" in s.reason
