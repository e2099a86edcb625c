"""Item 18 (党课) reads the year's 党课 plan and whether the main leader lectured (issue #17):
before, every lecturer could be an ordinary member and the plan deleted and the item still
scored 2/2."""

import datetime
from decimal import Decimal

import pytest

from ledgers.models import ActivityType, LecturerRole, Plan, PlanKind
from tests.assessment.test_rules import activity, one

pytestmark = pytest.mark.django_db

D = Decimal


def _four_lectures(branch, role=LecturerRole.MEMBER):
    return [
        activity(branch, datetime.date(2025, m, 10), type=ActivityType.LECTURE, lecturer=f"讲者{m}", lecturer_role=role)
        for m in (2, 5, 8, 11)
    ]


def test_ordinary_lecturers_and_no_plan_lose_a_point(branch):
    _four_lectures(branch)
    s = one("freq_lecture", branch)
    assert s.score == D("1")
    assert "2025年度没有党课计划" in s.reason and "党组织主要负责同志在考核期内没有讲党课" in s.reason


def test_plan_and_leader_lecture_give_full_points(branch):
    lectures = _four_lectures(branch)
    lectures[0].lecturer_role = LecturerRole.BRANCH_LEADER
    lectures[0].save()
    Plan.objects.create(branch=branch, year=2025, kind=PlanKind.LECTURE, text="全年党课计划")
    s = one("freq_lecture", branch)
    assert s.score == D("2")
    assert "党组织主要负责同志讲党课1次（讲者2）" in s.reason
    assert any("党课计划" in e["label"] for e in s.evidence)


def test_a_plan_of_another_kind_or_year_does_not_count(branch):
    _four_lectures(branch, role=LecturerRole.BRANCH_LEADER)
    Plan.objects.create(branch=branch, year=2025, kind=PlanKind.WORK, text="工作计划")
    Plan.objects.create(branch=branch, year=2024, kind=PlanKind.LECTURE, text="去年的党课计划")
    assert one("freq_lecture", branch).score == D("1.5")


def test_upper_leaders_are_shown_and_leader_missing_only_noted_before_the_window_ends(branch):
    Plan.objects.create(branch=branch, year=2025, kind=PlanKind.LECTURE, text="全年党课计划")
    activity(branch, datetime.date(2025, 2, 10), type=ActivityType.LECTURE, lecturer="王部长",
             lecturer_role=LecturerRole.UPPER_LEADER)  # fmt: skip
    s = one("freq_lecture", branch, today=datetime.date(2025, 4, 15))
    assert s.score == D("2")  # one quarter due, one held; the leader may still lecture this year
    assert "上级党组织负责人讲党课1次（王部长）" in s.reason and "尚未讲党课" in s.reason
    assert any("上级党组织负责人" in e["label"] for e in s.evidence)


def test_a_leader_lecture_that_does_not_count_is_not_read(branch):
    _four_lectures(branch)
    activity(branch, datetime.date(2025, 6, 1), type=ActivityType.LECTURE, lecturer="书记",
             lecturer_role=LecturerRole.BRANCH_LEADER, photo_count=0)  # fmt: skip
    Plan.objects.create(branch=branch, year=2025, kind=PlanKind.LECTURE, text="全年党课计划")
    assert one("freq_lecture", branch).score == D("1.5")
