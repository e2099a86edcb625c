"""Items 15–18 (三会一课) count a record only with a topic and minutes of substance (issue
#17): before, a 支委会 whose minutes read "会议内容" counted like a full one. The reason names
the records that fell short; the calendar and the counts read the same rule."""

import datetime
from decimal import Decimal

import pytest

from ledgers.activities import selectors
from ledgers.models import ActivityType
from tests.assessment.test_rules import END, START, activity, one

pytestmark = pytest.mark.django_db

D = Decimal
LONG = "会议传达学习上级文件精神，讨论本月支部工作安排并形成决议。"


def test_thin_minutes_do_not_count_and_are_named(branch):
    for m in range(1, 13):
        activity(branch, datetime.date(2025, m, 10), content=LONG if m <= 10 else "会议内容")
    s = one("freq_committee", branch)
    assert s.score == D("5")  # 6 × 10/12
    assert "11月10日、12月10日的支委会主题或会议记录过短" in s.reason
    assert sum("记录过短" in e["label"] for e in s.evidence) == 2
    counts = selectors.compliance_counts(START, END, branch_ids=[branch.pk])
    assert counts[branch.pk][ActivityType.COMMITTEE] == 10
    december = selectors.branch_calendar(branch, 2025, today=datetime.date(2026, 3, 1))[1].cells[11]
    assert december.state == "partial"


def test_a_one_character_topic_does_not_count(branch):
    activity(branch, datetime.date(2025, 2, 10), type=ActivityType.CONGRESS, topic="会")
    s = one("freq_congress", branch)
    assert s.score == D("0") and "2月10日的支部党员大会主题或会议记录过短" in s.reason


def test_the_minimum_follows_the_setting(branch, settings):
    activity(branch, datetime.date(2025, 2, 10), type=ActivityType.CONGRESS, content="会" * 12)
    assert one("freq_congress", branch).score == D("0")
    settings.RECORD_MIN_MINUTES_CHARS = 12
    assert one("freq_congress", branch).score == D("0.5")  # 2 × 1/4
