"""Item 9 (以理想信念教育为主) suggests from the education content category chosen for 党课 and
study records (issue #17): before, the rubric suggested nothing. Never from keywords."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from ledgers.activities import services
from ledgers.models import Activity, ActivityType, ContentCategory
from tests.assessment.test_rules import activity, one, run
from tests.ledgers.test_activities import base_data

pytestmark = pytest.mark.django_db

D = Decimal


def cat(code):
    return ContentCategory.objects.get(code=code)


def _lectures(branch, codes):
    for i, code in enumerate(codes, start=1):
        activity(branch, datetime.date(2025, i, 10), type=ActivityType.LECTURE, lecturer="书记",
                 content_category=cat(code) if code else None)  # fmt: skip


def test_no_category_chosen_is_manual_whatever_the_words_say(branch):
    activity(branch, type=ActivityType.LECTURE, lecturer="书记", topic="坚定理想信念专题党课")
    assert branch.pk not in run("education_content", branch)  # no basis: the branch scores it by hand


@pytest.mark.parametrize(
    "codes,expected",
    [
        (["ideals", "ideals", "skills", "policy"], "3"),  # 50 % ideals, and 业务
        (["ideals", "policy", "policy", "culture"], "2"),  # 25 %, and 科学文化
        (["ideals", "ideals", "policy", "policy"], "2"),  # 50 %, nothing of 业务/文化
        (["policy", "policy", "skills", "party_spirit"], "1"),
        (["ideals", "ideals", None, None, None], "2"),  # records without a category are not read
    ],
)
def test_share_of_ideals_and_skills(branch, codes, expected):
    _lectures(branch, codes)
    s = one("education_content", branch)
    assert s.score == D(expected), s.reason
    assert any("理想信念" in e["label"] for e in s.evidence) == ("ideals" in codes)


def test_a_record_that_does_not_count_is_not_read(branch):
    _lectures(branch, ["policy", "policy"])
    activity(branch, datetime.date(2025, 6, 1), type=ActivityType.LECTURE, lecturer="书记",
             content_category=cat("ideals"), photo_count=0)  # fmt: skip
    assert one("education_content", branch).score == D("0")


def test_the_category_is_one_tap_on_the_form_and_dropped_for_other_types(client, branch, secretary):
    client.force_login(secretary)
    page = client.get(reverse("activity_new", args=[branch.pk]) + "?type=lecture").content.decode()
    assert 'type="radio"' in page and "理想信念" in page
    data = base_data(type=ActivityType.COMMITTEE, content_category=cat("ideals"))
    a = services.activity_create(actor=secretary, branch=branch, attendance={}, data=data)
    assert Activity.objects.get(pk=a.pk).content_category is None
    b = services.activity_create(actor=secretary, branch=branch, attendance={},
                                 data=base_data(type=ActivityType.LECTURE, lecturer="书记",
                                                content_category=cat("ideals")))  # fmt: skip
    assert Activity.objects.get(pk=b.pk).content_category.name == "理想信念"
