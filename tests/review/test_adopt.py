"""采用 in one tap (issue 14): each score page fills from the level below, saves nothing by
itself, and after saving marks the items that differ from the level below."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessment.models import ItemScore
from review import services
from tests.review import test_workflow
from tests.review.test_workflow import to_submitted

pytestmark = pytest.mark.django_db
world = test_workflow.world  # the workflow tests' fixture: a period opened, the branch without vetoes


def _inputs(html, prefix):
    return {int(k): v for k, v in re.findall(rf'name="{prefix}_score_(\d+)"[^>]*?value="([^"]*)"', html)}


def _fmt(d):
    return format(d.normalize(), "f") if d is not None else ""


def test_the_branch_adopts_every_suggestion_at_once(client, world, secretary):
    a = world["a"]
    scores = list(ItemScore.objects.filter(assessment=a).select_related("item"))
    assert any(s.suggested is not None for s in scores) and all(s.self_score is None for s in scores)
    client.force_login(secretary)
    url = reverse("assessment_self", args=[a.pk])
    assert "全部采用建议分" in client.get(url).content.decode()
    page = client.get(url + "?adopt=1").content.decode()
    filled = _inputs(page, "self")
    assert filled == {s.item_id: _fmt(s.suggested) if s.suggested is not None else "" for s in scores}
    missing = [s.item.code for s in scores if s.suggested is None]
    assert 'id="adopted"' in page and (not missing or f"以下 {len(missing)} 项没有建议分" in page)
    a.refresh_from_db()
    assert a.self_total is None or a.version == world["a"].version  # adopting saved nothing


def test_committee_and_district_adopt_the_level_below_and_see_what_differs(client, world, secretary, reviewer,
                                                                         district_user, committee):  # fmt: skip
    a = to_submitted(world["a"], secretary)
    client.force_login(reviewer)
    url = reverse("committee_score", args=[a.pk])
    page = client.get(url + "?adopt=1").content.decode()
    assert "采用支部自评分" in page and 'id="adopted"' in page
    filled = _inputs(page, "committee")
    points = {s.item_id: _fmt(s.item.points) for s in ItemScore.objects.filter(assessment=a).select_related("item")}
    assert filled == points  # the branch scored full points on every item (full_rows)
    first = next(iter(points))
    post = {f"committee_score_{k}": v for k, v in filled.items()} | {f"committee_score_{first}": "0",
                                                                    f"committee_remark_{first}": "记录不全，扣分"}
    a.refresh_from_db()
    assert client.post(url, {**post, "version": a.version}).status_code == 302
    page = client.get(url).content.decode()
    assert page.count("与支部自评分不同") == 1  # only the item typed differently
    assert ItemScore.objects.get(assessment=a, item_id=first).committee_score == Decimal("0")

    a.refresh_from_db()
    a = services.committee_decide(actor=reviewer, assessment=a, recommend=True)
    services.declaration_submit(actor=reviewer, committee=committee, period=a.period, assessments=[a])
    client.force_login(district_user)
    page = client.get(reverse("district_score", args=[a.pk]) + "?adopt=1").content.decode()
    assert "采用党(工)委评分" in page
    filled = _inputs(page, "district")
    assert filled[first] == "0" and all(v == points[k] for k, v in filled.items() if k != first)


def test_a_change_from_the_level_below_needs_a_reason(client, world, secretary, reviewer):
    a = to_submitted(world["a"], secretary)
    scores = list(ItemScore.objects.filter(assessment=a).select_related("item"))
    first, second = scores[0], scores[1]
    post = {f"committee_score_{s.item_id}": _fmt(s.self_score) for s in scores}
    post[f"committee_score_{first.item_id}"] = "0"
    post[f"committee_score_{second.item_id}"] = "0"
    post[f"committee_remark_{second.item_id}"] = "缺少会议记录"
    client.force_login(reviewer)
    url = reverse("committee_score", args=[a.pk])
    r = client.post(url, {**post, "version": a.version})
    page = r.content.decode()
    assert r.status_code == 200 and f"第{first.item.code}项的评分与支部自评分不同，请在意见中写明理由" in page
    assert f"第{second.item.code}项" not in page.split("未保存：")[1].split("</div>")[0]  # that one said why
    assert _inputs(page, "committee")[first.item_id] == "0"  # what was typed is kept
    assert not ItemScore.objects.filter(assessment=a, committee_score__isnull=False).exists()
    post[f"committee_remark_{first.item_id}"] = "未见支部书记述职记录"
    assert client.post(url, {**post, "version": a.version}).status_code == 302
