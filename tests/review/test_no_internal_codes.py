"""Pages say what they mean: no internal step code (``review.branch.submitted``) and no raw
status value (``declared``, ``draft``) reaches the visible text of any page of the review chain,
for any role. Attribute values (``<option value="declared">``, ``data-*``) are not text and are fine."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from assessment.models import AssessmentStatus, PeriodStatus
from review import services
from review.models import ReviewEvent
from tests.review.test_workflow import full_rows, to_declared, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

CODE = re.compile(r"review\.[a-z_]+\.[a-z_]+")
RAW = {*AssessmentStatus.values, *PeriodStatus.values}
RAW_WORD = re.compile(r"(?<![A-Za-z_])(" + "|".join(sorted(RAW, key=len, reverse=True)) + r")(?![A-Za-z_])")


class _Text(HTMLParser):
    """The text nodes of a page, outside <script> and <style>."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


def assert_says_what_it_means(client, user, url):
    client.force_login(user)
    r = client.get(url)
    assert r.status_code == 200, (user.username, url, r.status_code)
    text = visible_text(r.content.decode())
    assert not CODE.findall(text), (user.username, url, CODE.findall(text))
    assert not RAW_WORD.findall(text), (user.username, url, RAW_WORD.findall(text))


def test_label_for_every_step_and_a_neutral_word_for_others():
    for step in services.STEPS.values():
        assert ReviewEvent(code=step.code).label == step.label
    assert ReviewEvent(code="review.something.new").label == "其他操作"


@pytest.fixture
def published(world, secretary, reviewer, district_user, committee):  # noqa: F811
    a = to_declared(world["a"], secretary, reviewer, committee)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    a = services.accept(actor=district_user, assessment=a)
    services.publish(actor=district_user, period=a.period, assessments=[a], starts_on=datetime.date.today())
    a.refresh_from_db()
    assert a.status == AssessmentStatus.PUBLISHED
    assert a.events.count() >= 5
    return a


def test_no_internal_codes_on_the_chain(client, published, secretary, reviewer, district_user, committee, branch):
    a = published
    view = reverse("assessment_view", args=[a.pk])
    period = reverse("period_detail", args=[a.period_id])
    branch_page = reverse("branch_detail", args=[branch.pk])
    activities = reverse("activity_list", args=[branch.pk])
    committee_page = reverse("committee_dashboard", args=[committee.pk]) + f"?period={a.period_id}"
    district_page = reverse("district_dashboard") + f"?period={a.period_id}"
    for url in (view, branch_page, activities):
        assert_says_what_it_means(client, secretary, url)
    for url in (view, committee_page, branch_page, activities):
        assert_says_what_it_means(client, reviewer, url)
    notices = reverse("my_notices")
    for user in (secretary, reviewer):
        assert_says_what_it_means(client, user, notices)
    for url in (view, committee_page, district_page, period, reverse("period_list"), branch_page, activities, notices):
        assert_says_what_it_means(client, district_user, url)
    # the filtered dashboards too, by a step group and by a single state
    for status in ("declaring", AssessmentStatus.PUBLISHED):
        assert_says_what_it_means(client, district_user, f"{district_page}&status={status}")
        assert_says_what_it_means(client, reviewer, f"{committee_page}&status={status}")


def test_status_filter_options_are_distinct(client, published, district_user, committee):
    for url in (reverse("district_dashboard"), reverse("committee_dashboard", args=[committee.pk])):
        client.force_login(district_user)
        html = client.get(url + f"?period={published.period_id}").content.decode()
        select = re.search(r'<select name="status".*?</select>', html, re.S).group(0)
        values = re.findall(r'<option value="([^"]*)"', select)
        assert len(values) == len(set(values)), (url, values)
        labels = re.findall(r"<option[^>]*>([^<]*)</option>", select)
        assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), (url, labels)
