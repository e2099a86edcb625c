"""The dashboards' cached aggregates (review.dashboard_cache): served from the cache while the
data is unchanged, and a change made through a service shows on the very next request."""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Assessment, VetoKind
from assessment.models import AssessmentStatus as S
from assessment.services import veto_enter
from branches import services as branches
from branches.models import OrgKind
from tests.review.test_dashboards import assess, make_period
from wujin_branch import versions

pytestmark = pytest.mark.django_db


def stat(html, label):
    """The big number of the card titled ``label``."""
    return int(re.search(rf'<div class="muted">{re.escape(label)}</div><div class="stat">(\d+)', html).group(1))


def get(client, url):
    """(the page without its per-request CSRF token, its number of queries)."""
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode()), len(ctx.captured_queries)


@pytest.fixture
def period(committee, branch):
    p = make_period()
    assess(p, branch, S.DRAFT, self_total=80)
    return p


def _veto(reviewer, branch, period):
    veto_enter(actor=reviewer, assessment=Assessment.objects.get(branch=branch, period=period),
               kind=VetoKind.objects.order_by("order", "id").first(), detail="书记受党内警告处分")  # fmt: skip


def test_district_overview_is_cached_until_a_service_changes_it(client, district_user, reviewer, committee, branch,
                                                                 period):  # fmt: skip
    client.force_login(district_user)
    url = reverse("district_dashboard")
    first, n_first = get(client, url)
    again, n_again = get(client, url)
    assert again == first and n_again < n_first  # the aggregates came from the cache
    assert stat(again, "一票否决") == 0

    _veto(reviewer, branch, period)
    html, n = get(client, url)
    assert stat(html, "一票否决") == 1 and n > n_again  # at once, rendered afresh

    branches.org_create(actor=district_user, parent=committee, kind=OrgKind.BRANCH, name="新设支部",
                        founded_on=datetime.date(2020, 1, 1), branch_type="village")  # fmt: skip
    assert stat(get(client, url)[0], "党支部（在册正常）") == stat(html, "党支部（在册正常）") + 1


def test_a_change_behind_the_services_back_is_seen_and_the_cache_really_serves(client, district_user, branch,
                                                                              period):  # fmt: skip
    """A queryset update past the services changes the token too (a database trigger on the
    assessments); the control: with the triggers suspended it bumps nothing, and the page is
    served from the cache until the token changes."""
    from wujin_branch import branch_versions

    client.force_login(district_user)
    url = reverse("district_dashboard")
    assert stat(get(client, url)[0], "一票否决") == 0
    Assessment.objects.filter(branch=branch).update(has_veto=True)
    assert stat(get(client, url)[0], "一票否决") == 1
    branch_versions.suspend()  # for the rest of this test's transaction
    Assessment.objects.filter(branch=branch).update(has_veto=False)
    assert stat(get(client, url)[0], "一票否决") == 1
    versions.bump(versions.ASSESSMENTS)
    assert stat(get(client, url)[0], "一票否决") == 0


def test_committee_summary_follows_a_veto_at_once(client, reviewer, committee, branch, period):
    client.force_login(reviewer)
    url = reverse("committee_dashboard", args=[committee.pk])
    html, n_first = get(client, url)
    assert 'id="committee-summary"' in html and stat(html, "一票否决") == 0
    assert get(client, url)[1] < n_first
    _veto(reviewer, branch, period)
    assert stat(get(client, url)[0], "一票否决") == 1


def test_filters_and_viewers_have_their_own_entries(client, district_user, reviewer, committee, branch,
                                                    other_branch, period):  # fmt: skip
    assess(period, other_branch, S.CONFIRMED, self_total=90, district_total=90)
    client.force_login(district_user)
    url = reverse("district_dashboard")
    everyone = get(client, url)[0]
    mine = get(client, url + f"?committee={committee.pk}")[0]
    assert stat(everyone, "党支部（在册正常）") == 2 and stat(mine, "党支部（在册正常）") == 1
    client.force_login(reviewer)  # a committee's reviewer sees its own summary, not the district's page
    assert stat(get(client, reverse("committee_dashboard", args=[committee.pk]))[0], "一票否决") == 0


def test_a_rolled_back_change_keeps_the_token(db):
    before = versions.tokens(versions.ASSESSMENTS)
    with pytest.raises(RuntimeError), transaction.atomic():
        versions.bump(versions.ASSESSMENTS)
        raise RuntimeError
    assert versions.tokens(versions.ASSESSMENTS) == before
    versions.bump(versions.ASSESSMENTS)
    assert versions.tokens(versions.ASSESSMENTS) != before


def _row(html, branch):
    """The committee dashboard's table row of ``branch``."""
    return re.search(rf"<tr><td><a [^>]*>{re.escape(branch.name)}</a>.*?</tr>", html, re.S).group(0)


def test_committee_rows_are_cached_and_follow_assessments_names_and_returns(client, reviewer, district_user,
                                                                           committee, branch, period):  # fmt: skip
    """The committee dashboard's rows: served from the cache (no rows query) while nothing they
    show changed; a status written past the services, a branch renamed through its service and a
    record returned for completion each show on the next request."""
    from ledgers.models import Activity, ActivityType
    from wujin_branch import branch_versions

    client.force_login(reviewer)
    url = reverse("committee_dashboard", args=[committee.pk])
    first, n_first = get(client, url)
    again, n_again = get(client, url)
    assert again == first and n_again < n_first
    assert S.DRAFT.label in _row(again, branch) and "退回" not in _row(again, branch)

    Assessment.objects.filter(branch=branch, period=period).update(status=S.SUBMITTED)
    assert S.SUBMITTED.label in _row(get(client, url)[0], branch)

    branch.refresh_from_db()
    branch = branches.org_update(actor=district_user, org=branch, version=branch.version, name="东街村党支部（新）")
    assert S.SUBMITTED.label in _row(get(client, url)[0], branch)

    record = Activity.objects.create(branch=branch, type=ActivityType.COMMITTEE, held_on=datetime.date.today(),
                                     place="会议室", topic="支委会", content="学习。")  # fmt: skip
    get(client, url)
    Activity.objects.filter(pk=record.pk).update(returned=True)
    assert "退回 1" in _row(get(client, url)[0], branch)

    # the control: with the triggers off the rows do not see a status change until the token
    # changes (the counts above them are read afresh on every request)
    branch_versions.suspend()
    before = _row(get(client, url)[0], branch)
    Assessment.objects.filter(branch=branch, period=period).update(status=S.DRAFT)
    assert _row(get(client, url)[0], branch) == before and S.SUBMITTED.label in before
    versions.bump(versions.ASSESSMENTS)
    assert S.DRAFT.label in _row(get(client, url)[0], branch)


def test_committee_rows_pages_and_filters_have_their_own_entries(client, reviewer, committee, branch, period):
    from tests.review.test_dashboards import make_branch

    for _ in range(55):
        assess(period, make_branch(committee), S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("committee_dashboard", args=[committee.pk])
    one, two = get(client, url)[0], get(client, url + "?page=2")[0]
    assert "第 1 / 2 页，共 56 条" in one and "第 2 / 2 页，共 56 条" in two
    assert get(client, url + "?page=99")[0] == two  # out of range: the last page, as Django's get_page
    waiting = get(client, url + "?waiting=1")[0]
    assert "第 1 / 2 页，共 55 条" in waiting and branch.name not in waiting  # the draft waits for nobody here
    assert branch.name in get(client, url + "?status=self")[0]


def test_district_filter_selects_are_kept_and_follow_a_committee_renamed(client, district_user, committee, period):
    client.force_login(district_user)
    url = reverse("district_dashboard")
    first, n_first = get(client, url + f"?committee={committee.pk}")
    assert f'<option value="{committee.pk}" selected>{committee.name}</option>' in first
    assert get(client, url + f"?committee={committee.pk}")[1] < n_first  # served from the cache
    assert f'<option value="{committee.pk}" selected>' not in get(client, url)[0]  # its own entry
    committee.refresh_from_db()
    branches.org_update(actor=district_user, org=committee, version=committee.version, name="湖塘镇党委（新）")
    html = get(client, url + f"?committee={committee.pk}")[0]
    assert f'<option value="{committee.pk}" selected>湖塘镇党委（新）</option>' in html
