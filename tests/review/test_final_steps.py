"""Final steps with a safety net (issue 14): each asks once, a recommendation below the line or
with a veto is warned about, the batch 申报 leaves those unticked, and 确认 is offered only when
it will be taken."""

import datetime
import re

import pytest
from django.urls import reverse

from assessment.models import Assessment
from review import services
from review.models import Publication
from tests.review import test_workflow
from tests.review.test_workflow import full_rows, to_submitted

pytestmark = pytest.mark.django_db
world = test_workflow.world  # the workflow tests' fixture: a period opened, the branch without vetoes


def test_every_confirmation_sits_on_a_form_or_its_submit_button():
    """confirm.js reads ``data-confirm`` from the submit button or the submitted <form>: anywhere
    else (a link, a div) it is never asked (the browser test in tests/e2e/test_confirm.py)."""
    from pathlib import Path

    from django.conf import settings

    tag = re.compile(r"<(?!form\b|button\b)([a-z]+)\b[^>]*\bdata-confirm=")
    found = [
        (str(path), m.group(1))
        for base in settings.TEMPLATES[0]["DIRS"]
        for path in Path(base).rglob("*.html")
        for m in tag.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found


def _confirms(html):
    return re.findall(r'<form[^>]*data-confirm="([^"]+)"', html)


def test_submit_asks_once_and_says_what_is_frozen(client, world, secretary):
    client.force_login(secretary)
    page = client.get(reverse("assessment_self", args=[world["a"].pk])).content.decode()
    assert any("冻结" in m and "不能再修改" in m for m in _confirms(page))
    assert "confirm.js" in page


def test_below_the_line_is_warned_and_left_unticked_in_the_batch(client, world, secretary, reviewer, committee):
    a = to_submitted(world["a"], secretary)
    low = {k: ("0", "记录缺失") for k in full_rows(a)}
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=low)
    client.force_login(reviewer)
    page = client.get(reverse("assessment_view", args=[a.pk])).content.decode()
    assert 'id="recommend-warning"' in page and "低于合格标准" in page
    assert any("注意：考核分低于合格标准" in m for m in _confirms(page))
    services.committee_decide(actor=reviewer, assessment=a, recommend=True)  # warned, not blocked

    page = client.get(reverse("declaration_new", args=[committee.pk])).content.decode()
    assert 'id="doubtful"' in page
    row = re.search(r'<tr class="doubtful">.*?</tr>', page, re.S).group(0)
    assert f'value="{a.pk}"' in row and "checked" not in row and "低于合格标准" in row
    r = client.post(reverse("declaration_new", args=[committee.pk]), {"period": a.period_id, "assessment": [a.pk]})
    assert r.status_code == 302  # ticked on purpose: declared
    assert Assessment.objects.get(pk=a.pk).status == "declared"


def test_confirm_is_offered_only_after_the_notice(client, world, secretary, reviewer, district_user, committee):
    a = test_workflow.to_declared(world["a"], secretary, reviewer, committee)
    a = services.district_scores_save(actor=district_user, assessment=a, version=a.version, rows=full_rows(a))
    a = services.accept(actor=district_user, assessment=a)
    pub = services.publish(actor=district_user, period=a.period, assessments=[a], title="公示", contact="0519-1")
    client.force_login(district_user)
    url = reverse("assessment_view", args=[a.pk])
    page = client.get(url).content.decode()
    assert "公示期满，确认为合格支部" not in page
    first = pub.ends_on + datetime.timedelta(days=1)
    assert f"公示期满后可确认（{first.month}月{first.day}日起）" in page
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    month_ago = pub.starts_on - datetime.timedelta(days=30)
    Publication.objects.filter(pk=pub.pk).update(starts_on=month_ago, ends_on=yesterday)
    page = client.get(url).content.decode()
    assert "公示期满，确认为合格支部" in page and any("不能撤销" in m for m in _confirms(page))


def test_the_secretarys_home_shows_what_was_returned_first(client, world, secretary, reviewer, branch):
    from ledgers.activities import returns
    from ledgers.activities import services as records
    from tests.ledgers.test_activities import base_data

    record = records.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    returns.activity_return(actor=reviewer, activity=record, reason="请补充会议内容")
    a = to_submitted(world["a"], secretary)
    services.committee_return(actor=reviewer, assessment=a, comment="第16项缺少照片")
    client.force_login(secretary)
    page = client.get(reverse("branch_detail", args=[branch.pk])).content.decode()
    assert 'id="returned-first"' in page and page.index("退回待修改") < page.index("本期待开展")
    assert reverse("assessment_self", args=[a.pk]) in page and reverse("activity_detail", args=[record.pk]) in page
