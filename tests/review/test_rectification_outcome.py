"""整顿 that ends somewhere: district staff mark a branch that does not cooperate 软弱涣散, then
dissolve or merge it through the organization services; the reasons and the outcome stay on the
rectification, each step an event; the branch's records stay readable."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Assessment
from assessment.models import AssessmentStatus as S
from branches.models import Member, OrgChange, OrgStatus, Role
from review import services
from review.models import RectificationOutcome, RectificationStatus, ReviewEvent
from review.rectification_outcome import rectification_end_by_reorganizing, rectification_mark_weak
from tests.factories import MemberFactory, UserFactory, grant, make_branch
from tests.review.test_no_internal_codes import assert_says_what_it_means, visible_text
from tests.review.test_workflow import full_rows, make_period, open_all, to_submitted
from wujin_branch.errors import DomainError

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def rect(district_user, reviewer, secretary, branch, other_branch):
    period = make_period(district_user)
    open_all(district_user, period)
    a = to_submitted(Assessment.objects.get(period=period, branch=branch), secretary)
    a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version, rows=full_rows(a))
    a = services.committee_decide(actor=reviewer, assessment=a, recommend=False, comment="组织生活不正常")
    assert a.status == S.NOT_RECOMMENDED
    return services.rectification_start(actor=reviewer, assessment=a, reason="组织生活长期不正常",
                                         deadline=TODAY, tasks=["按月召开支委会"])  # fmt: skip


def weak(client, r, reason="整改任务逾期三个月未完成，多次督促仍不召开组织生活"):
    return client.post(reverse("rectification_weak", args=[r.pk]), {"marked_on": TODAY.isoformat(), "reason": reason})


def reorganize(client, r, outcome, target=None, reason="不配合整顿，予以撤并"):
    return client.post(reverse("rectification_reorganize", args=[r.pk]), {
        "outcome": outcome, "occurred_on": TODAY.isoformat(), "target": target.pk if target else "", "reason": reason,
    })  # fmt: skip


def test_district_marks_weak_then_merges(client, rect, district_user, reviewer, secretary, committee, branch):
    r = rect
    MemberFactory.create_batch(2, branch=branch)
    sibling = make_branch(committee, name="南街村党支部")
    client.force_login(district_user)
    page = client.get(reverse("rectification_detail", args=[r.pk])).content.decode()
    assert "认定为软弱涣散党组织" in page
    assert re.search(r'<form data-confirm="[^"]*不能撤回[^"]*"[^>]*/weak/', page)  # asks once
    assert "rectification_reorganize" not in page and "/reorganize/" not in page  # not before the mark

    resp = weak(client, r, reason="")
    assert resp.status_code == 200 and not ReviewEvent.objects.filter(code="review.rectification.weak").exists()
    assert weak(client, r).status_code == 302
    r.refresh_from_db()
    assert r.weak_marked_on == TODAY and r.weak_marked_by == district_user and r.status == RectificationStatus.OPEN
    e = ReviewEvent.objects.get(code="review.rectification.weak")
    assert e.actor == district_user and e.label == "认定软弱涣散" and "逾期三个月" in e.comment
    page = client.get(reverse("rectification_detail", args=[r.pk])).content.decode()
    assert "软弱涣散党组织" in page and "南街村党支部" in page and "review.rectification" not in page
    assert re.search(r'<form data-confirm="[^"]+"[^>]*/reorganize/', page)

    resp = reorganize(client, r, "merged", reason="我写的撤并原因")
    body = resp.content.decode()
    assert resp.status_code == 200 and "请选择并入的党支部" in body and "我写的撤并原因" in body
    assert reorganize(client, r, "merged", target=sibling).status_code == 302
    r.refresh_from_db()
    branch.refresh_from_db()
    assert branch.status == OrgStatus.MERGED and branch.merged_into == sibling
    assert Member.objects.filter(branch=sibling).count() == 2
    assert (r.status, r.outcome) == (RectificationStatus.ENDED, RectificationOutcome.MERGED)
    assert r.outcome_change == OrgChange.objects.get(organization=branch, kind="merged")
    assert r.outcome_change.reason == "不配合整顿，予以撤并" and r.history.count() >= 3
    e = ReviewEvent.objects.get(code="review.rectification.merged")
    assert e.details["members_moved"] == 2 and e.details["target"] == sibling.pk

    # The record stays readable (district, the committee), the outcome shown; no second end.
    for user in (district_user, reviewer):
        client.force_login(user)
        page = client.get(reverse("rectification_detail", args=[r.pk])).content.decode()
        assert "整顿结果：撤并" in page and "南街村党支部" in page and "记录保留" in page
        assert client.get(reverse("assessment_view", args=[r.assessment_id])).status_code == 200
    for user in (district_user, reviewer):  # no step code, no raw value among the words
        assert_says_what_it_means(client, user, reverse("rectification_detail", args=[r.pk]))
        text = visible_text(client.get(reverse("rectification_detail", args=[r.pk])).content.decode())
        assert not re.search(r"(?<![A-Za-z_])(merged|dissolved|ended|open)(?![A-Za-z_])", text)
    client.force_login(district_user)
    resp = reorganize(client, r, "dissolved")
    assert resp.status_code == 200 and "该整顿已结束（未配合整顿，已撤销或撤并），不能再处理。" in resp.content.decode()
    # An ended rectification is not reopened by 重新考核, nor its tasks written to.
    with pytest.raises(DomainError, match="不能重新考核"):
        services.reassess(actor=reviewer, rectification=r, summary="整改到位")
    with pytest.raises(DomainError, match="不能再填写进展"):
        services.rectification_task_update(actor=reviewer, task=r.tasks.get(), progress="x", done_on=TODAY)
    assert Assessment.objects.get(pk=r.assessment_id).status == S.RECTIFYING


def test_dissolve_a_branch_without_members(client, rect, district_user, branch):
    client.force_login(district_user)
    weak(client, rect)
    assert reorganize(client, rect, "dissolved", reason="不配合整顿，予以撤销").status_code == 302
    branch.refresh_from_db()
    rect.refresh_from_db()
    assert branch.status == OrgStatus.DISSOLVED and rect.outcome == RectificationOutcome.DISSOLVED
    assert ReviewEvent.objects.get(code="review.rectification.dissolved").label == "未配合整顿，撤销"


def test_dissolving_needs_the_mark_and_a_receiving_branch(rect, district_user, branch):
    MemberFactory(branch=branch)
    with pytest.raises(DomainError, match="请先认定"):
        rectification_end_by_reorganizing(actor=district_user, rectification=rect, outcome="dissolved",
                                          reason="x", occurred_on=TODAY)  # fmt: skip
    rectification_mark_weak(actor=district_user, rectification=rect, reason="不配合", marked_on=TODAY)
    with pytest.raises(DomainError, match="接收党员"):
        rectification_end_by_reorganizing(actor=district_user, rectification=rect, outcome="dissolved",
                                          reason="x", occurred_on=TODAY)  # fmt: skip
    branch.refresh_from_db()
    assert branch.status == OrgStatus.ACTIVE  # nothing half done
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.OPEN
    with pytest.raises(DomainError, match="已被认定"):
        rectification_mark_weak(actor=district_user, rectification=rect, reason="again", marked_on=TODAY)
    with pytest.raises(DomainError, match="晚于今天"):
        rectification_end_by_reorganizing(actor=district_user, rectification=rect, outcome="dissolved", reason="x",
                                          occurred_on=TODAY + datetime.timedelta(days=1))  # fmt: skip


def test_only_district_staff(client, rect, reviewer, secretary, committee, other_committee):
    other_reviewer = grant(UserFactory(username="other_reviewer"), other_committee, Role.REVIEWER)
    for user in (reviewer, secretary, other_reviewer):
        client.force_login(user)
        assert weak(client, rect).status_code == 404, user
        assert client.get(reverse("rectification_weak", args=[rect.pk])).status_code == 404
        assert reorganize(client, rect, "dissolved").status_code == 404
        with pytest.raises(DomainError, match="只有区委组织部"):
            rectification_mark_weak(actor=user, rectification=rect, reason="r", marked_on=TODAY)
    client.force_login(reviewer)  # the committee sees the page, without the district's forms
    page = client.get(reverse("rectification_detail", args=[rect.pk])).content.decode()
    assert "认定为软弱涣散党组织" not in page
    client.force_login(other_reviewer)
    assert client.get(reverse("rectification_detail", args=[rect.pk])).status_code == 404
    rect.refresh_from_db()
    assert not rect.weak_marked_on


def test_foreign_and_missing_ids_404(client, rect, district_user):
    client.force_login(district_user)
    for name in ("rectification_weak", "rectification_reorganize"):
        assert client.get(reverse(name, args=[rect.pk + 999])).status_code == 404
