import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import Assessment, Period, RubricVersion, Veto, VetoKind
from assessment.models import AssessmentStatus as S
from branches.models import OrgStatus, Role
from review import dashboard_cache, dashboards, results
from tests.factories import UserFactory, grant, make_branch
from wujin_branch import versions

D = Decimal
pytestmark = pytest.mark.django_db


def make_period(*, today=None, self_days=10, committee_days=20, district_days=30, status="open"):
    """A period whose deadlines sit ``*_days`` after ``today``."""
    today = today or datetime.date.today()
    return Period.objects.create(
        name="2017年度考核", year=2017, stage=2, window_start=datetime.date(2017, 1, 1),
        window_end=datetime.date(2017, 12, 31), self_deadline=today + datetime.timedelta(days=self_days),
        committee_deadline=today + datetime.timedelta(days=committee_days),
        district_deadline=today + datetime.timedelta(days=district_days),
        rubric=RubricVersion.objects.get(code="2016"), status=status,
    )  # fmt: skip


def assess(period, branch, status, *, self_total=None, committee_total=None, district_total=None, veto=False):
    a = Assessment.objects.create(
        period=period, branch=branch, status=status, self_total=self_total, committee_total=committee_total,
        district_total=district_total, has_veto=veto,
    )  # fmt: skip
    if veto:
        kind = VetoKind.objects.order_by("order", "id").first()
        Veto.objects.create(assessment=a, kind=kind, source="entered", detail="书记缺职")
    return a


@pytest.fixture
def world(committee, other_committee, branch, other_branch):
    """Committee: 6 active branches (+1 dissolved); other committee: 2 branches."""
    period = make_period()
    statuses = [
        (branch, S.DRAFT, {"self_total": D("59.9")}),
        (make_branch(committee), S.RETURNED, {"self_total": D("60")}),
        (make_branch(committee), S.SUBMITTED, {"self_total": D("90"), "veto": True}),
        (make_branch(committee), S.RECOMMENDED, {"self_total": D("88"), "committee_total": D("86")}),
        (make_branch(committee), S.CONFIRMED, {"self_total": D("95"), "district_total": D("85")}),
        (make_branch(committee), S.NOT_PASSED, {"self_total": D("90"), "district_total": D("84.9")}),
        (other_branch, S.CONFIRMED, {"self_total": D("100"), "district_total": D("100")}),
        (make_branch(other_committee), S.DECLARED, {"self_total": D("95")}),
    ]
    out = {s: assess(period, b, s, **kw) for b, s, kw in statuses if s != S.CONFIRMED}
    out["confirmed"] = [assess(period, b, s, **kw) for b, s, kw in statuses if s == S.CONFIRMED]
    gone = make_branch(committee, name="已撤销支部")
    gone.status = OrgStatus.DISSOLVED
    gone.save()
    make_branch(committee)  # active, no assessment yet: still in the target's denominator
    return {"period": period, **out}


def row_for(o, org):
    return next(r for r in o.rows if r.org.pk == org.pk)


# ---------------------------------------------------------------- access


def test_district_pages_for_district_staff_only(client, world, district_user, reviewer, secretary, committee):
    for user, ok in ((district_user, True), (reviewer, False), (secretary, False)):
        client.force_login(user)
        for name in ("district_dashboard", "results_xlsx"):
            assert client.get(reverse(name)).status_code == (200 if ok else 404), (user, name)


def test_committee_dashboard_roles(client, world, district_user, reviewer, secretary, committee, other_committee,
                                   branch):  # fmt: skip
    url = reverse("committee_dashboard", args=[committee.pk])
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    assert client.get(reverse("committee_dashboard", args=[other_committee.pk])).status_code == 404
    assert client.get(reverse("committee_dashboard", args=[999999])).status_code == 404
    other_reviewer = grant(UserFactory(), other_committee, Role.REVIEWER)
    client.force_login(other_reviewer)
    assert client.get(url).status_code == 404
    client.force_login(secretary)
    assert client.get(url).status_code == 404
    client.force_login(district_user)
    assert client.get(url).status_code == 200
    assert client.get(reverse("committee_dashboard", args=[branch.pk])).status_code == 404  # not a committee


def test_login_required(client, world):
    r = client.get(reverse("district_dashboard"))
    assert r.status_code == 302 and "login" in r["Location"]


# ---------------------------------------------------------------- numbers


def test_counts_pass_rate_and_target(world, district_user, committee, other_committee):
    o = dashboards.district_overview(district_user, world["period"], dashboards.Filters())
    c = row_for(o, committee)
    assert c.branches == 7  # six assessed + one without an assessment; the dissolved one is not counted
    assert c.assessments == 6
    assert dict((g.key, n) for g, n in c.groups) == {
        "self": 2, "committee": 1, "declaring": 1, "passed": 1, "failed": 1,
    }  # fmt: skip
    assert c.confirmed == 1 and c.pass_rate == D("14.3") and c.gap_branches == 6 and c.gap_points == D("85.7")
    assert c.vetoes == 1
    oc = row_for(o, other_committee)
    assert (oc.branches, oc.confirmed, oc.pass_rate, oc.gap_branches) == (2, 1, D("50.0"), 1)
    assert (o.total.branches, o.total.assessments, o.total.confirmed) == (9, 8, 2)
    assert o.total.pass_rate == D("22.2")
    assert sum(n for _, n in o.total.groups) == 8


def test_target_reached():
    row = dashboards.CommitteeRow(org=None, branches=3, confirmed=3)
    assert row.pass_rate == D("100.0") and row.gap_branches == 0 and row.gap_points == 0
    assert dashboards.CommitteeRow(org=None).pass_rate is None


def test_histogram_bins_at_their_edges(world, district_user):
    # district_total where present, else self_total: 59.9, 60, 90, 88, 85, 84.9, 100, 95
    o = dashboards.district_overview(district_user, world["period"], dashboards.Filters())
    labels = [b.label for b in o.bars]
    counts = dict(zip(labels, [b.count for b in o.bars], strict=True))
    assert counts == {"<60": 1, "60–70": 1, "70–80": 0, "80–85": 1, "85–90": 2, "90–95": 1, "95–100": 2}
    assert (o.total.by_district, o.total.by_self, o.total.unscored) == (3, 5, 0)
    assert [dashboards.bin_index(D(x)) for x in ("59.9", "60", "79.9", "80", "85", "89.9", "95", "100")] == [
        0, 1, 2, 3, 4, 4, 6, 6,
    ]  # fmt: skip
    assert dashboards.bin_index(None) is None
    tallest = max(o.bars, key=lambda b: b.count)
    assert tallest.height == dashboards.CHART_H - dashboards.CHART_TOP - dashboards.CHART_BOTTOM
    assert [b.passing for b in o.bars] == [False, False, False, False, True, True, True]


def test_unscored_are_left_out_of_the_histogram(committee, district_user):
    period = make_period()
    assess(period, make_branch(committee), S.DRAFT)
    o = dashboards.district_overview(district_user, period, dashboards.Filters())
    assert sum(b.count for b in o.bars) == 0 and o.total.unscored == 1
    assert all(b.height == 0 for b in o.bars)


def test_overdue_at_the_deadline_edges(committee, district_user):
    period = make_period(self_days=0, committee_days=1, district_days=2)
    today = datetime.date.today()
    draft = assess(period, make_branch(committee), S.DRAFT)
    reviewed = assess(period, make_branch(committee), S.COMMITTEE_REVIEWED)
    recommended = assess(period, make_branch(committee), S.RECOMMENDED)
    declared = assess(period, make_branch(committee), S.DECLARED)
    assess(period, make_branch(committee), S.CONFIRMED)

    def late(on):
        o = dashboards.district_overview(district_user, period, dashboards.Filters(), on=on)
        return o.total.overdue, {r["a"].pk: (r["kind"].key, r["days"]) for r in o.overdue_rows}

    assert late(today) == ({}, {})  # on the self deadline: not late
    counts, rows = late(today + datetime.timedelta(days=1))
    assert counts == {"self": 1} and rows == {draft.pk: ("self", 1)}
    counts, rows = late(today + datetime.timedelta(days=2))
    assert counts == {"self": 1, "committee": 2}
    assert rows == {draft.pk: ("self", 2), reviewed.pk: ("committee", 1), recommended.pk: ("committee", 1)}
    counts, rows = late(today + datetime.timedelta(days=3))
    assert counts == {"self": 1, "committee": 2, "district": 1} and rows[declared.pk] == ("district", 1)


def test_overdue_rows_capped_and_linked(client, committee, district_user):
    period = make_period(self_days=-1)
    for _ in range(dashboards.OVERDUE_ROWS + 2):
        assess(period, make_branch(committee), S.DRAFT)
    client.force_login(district_user)
    r = client.get(reverse("district_dashboard"))
    o = r.context["o"]
    assert o.total.overdue_total == dashboards.OVERDUE_ROWS + 2 and len(o.overdue_rows) == dashboards.OVERDUE_ROWS
    assert reverse("assessment_view", args=[o.overdue_rows[0]["a"].pk]) in r.content.decode()
    assert "仅列出前 50 条" in r.content.decode()


def test_filters(client, world, district_user, committee, other_committee):
    period = world["period"]

    def overview(**kw):
        return dashboards.district_overview(district_user, period, dashboards.Filters(**kw))

    o = overview(status="self")
    assert o.total.matching == 2 and o.total.confirmed == 2  # the pass rate ignores the filters
    assert overview(status=S.CONFIRMED).total.matching == 2
    assert overview(veto=True).total.matching == 1 and overview(veto=False).total.matching == 7
    o = overview(score_min=D("85"), score_max=D("89.9"))  # 88 (self), 85 (district); 84.9 and 90 are out
    assert o.total.matching == 2 and row_for(o, committee).matching == 2 and row_for(o, other_committee).matching == 0
    o = overview(committee=other_committee)
    assert [r.org.pk for r in o.rows] == [other_committee.pk] and o.total.branches == 2

    client.force_login(district_user)
    q = f"?period={period.pk}&committee={committee.pk}&status=failed&veto=0&score_min=80&score_max=85"
    o = client.get(reverse("district_dashboard") + q).context["o"]
    assert o.total.matching == 1 and [r.org.pk for r in o.rows] == [committee.pk]
    # bad values are dropped, not fatal
    r = client.get(reverse("district_dashboard") + "?score_min=abc&status=nope&committee=x&period=0")
    assert r.status_code == 200 and r.context["o"].total.matching == 8


def test_page_shows_target_chart_and_objections(client, world, district_user):
    client.force_login(district_user)
    html = client.get(reverse("district_dashboard")).content.decode()
    period = Period.objects.get(pk=dashboards.dashboard_periods()[0].pk)
    by = period.district_deadline  # no target date set: the district deadline
    assert f"{by.year}年{by.month}月{by.day}日前合格率达到100%" in html and "22.2%" in html
    assert html.count("<rect ") == len(dashboards.SCORE_BINS)
    assert reverse("objection_list") in html
    assert reverse("results_xlsx") in html


def test_no_period(client, district, district_user, reviewer, committee):
    client.force_login(district_user)
    assert "尚无已开始的考核周期" in client.get(reverse("district_dashboard")).content.decode()
    assert client.get(reverse("results_xlsx")).status_code == 404
    client.force_login(reviewer)
    assert client.get(reverse("committee_dashboard", args=[committee.pk])).status_code == 200


def test_default_period_is_latest_open(world):
    closed = make_period(status="closed")
    Period.objects.filter(pk=closed.pk).update(year=2018)
    draft = make_period(status="draft")
    periods = dashboards.dashboard_periods()
    assert draft not in periods
    assert dashboards.pick_period(periods) == world["period"]
    assert dashboards.pick_period(periods, closed.pk).pk == closed.pk


# ---------------------------------------------------------------- committee dashboard


def test_committee_dashboard_waiting_and_links(client, world, reviewer, committee):
    client.force_login(reviewer)
    url = reverse("committee_dashboard", args=[committee.pk])
    r = client.get(url)
    assert r.context["total"] == 6 and r.context["waiting_total"] == 2
    assert r.context["waiting_counts"] == {"待审核": 1, "待推荐": 0, "待申报": 1}
    html = r.content.decode()
    period = world["period"]
    assert f"{reverse('declaration_new', args=[committee.pk])}?period={period.pk}" in html
    assert reverse("committee_score", args=[world[S.SUBMITTED].pk]) in html
    assert "西庄村" not in html  # another committee's branch
    d = {x.label: x for x in r.context["deadlines"]}
    assert d["支部自评截止"].days_left == 10 and d["支部自评截止"].pending == 2

    waiting = client.get(url + "?waiting=1").context["page"]
    assert {a.status for a in waiting} == {S.SUBMITTED, S.RECOMMENDED}
    assert [a.status for a in client.get(url + "?status=self").context["page"]] == [S.DRAFT, S.RETURNED]
    assert len(client.get(url + "?status=bogus").context["page"]) == 6


def test_committee_dashboard_paginates(client, committee, reviewer):
    period = make_period()
    for _ in range(55):
        assess(period, make_branch(committee), S.SUBMITTED)
    client.force_login(reviewer)
    url = reverse("committee_dashboard", args=[committee.pk])
    page = client.get(url).context["page"]
    assert len(page) == 50 and page.paginator.count == 55
    assert len(client.get(url + "?page=2").context["page"]) == 5


def test_deadline_days_left(committee):
    period = make_period(self_days=-3, committee_days=0, district_days=5)
    o = dashboards.committee_overview(committee, period)
    assert [(x.days_left, x.overdue, x.days_late) for x in o["deadlines"]] == [(-3, True, 3), (0, False, 0),
                                                                               (5, False, 0)]  # fmt: skip


# ---------------------------------------------------------------- export


def _sheet(response):
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(wb.active.iter_rows(values_only=True))


def test_results_xlsx_rows(client, world, district_user, committee):
    client.force_login(district_user)
    r = client.get(reverse("results_xlsx"))
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(r)
    assert rows[0] == tuple(name for name, _ in results.XLSX_COLUMNS)
    assert len(rows) == 1 + 8
    by_branch = {row[1]: row for row in rows[1:]}
    vetoed = by_branch[world[S.SUBMITTED].branch.name]
    assert vetoed[0] == committee.name and vetoed[2] == "村" and vetoed[3] == "已报送党(工)委"
    assert vetoed[7] == "是" and "书记缺职" in vetoed[8] and vetoed[9] == "未评定"
    ok = by_branch["西庄村党支部"]
    assert ok[4:7] == (100, None, 100) and ok[9] == "合格"
    assert by_branch[world[S.NOT_PASSED].branch.name][9] == "不合格（考核分84.9分，低于合格分数线85分）"

    rows = _sheet(client.get(reverse("results_xlsx") + f"?committee={committee.pk}&veto=1"))
    assert [row[1] for row in rows[1:]] == [world[S.SUBMITTED].branch.name]


def test_results_xlsx_text_is_never_a_formula(client, committee, district_user):
    period = make_period()
    assess(period, make_branch(committee, name="=1+1党支部"), S.DRAFT)
    client.force_login(district_user)
    wb = load_workbook(io.BytesIO(client.get(reverse("results_xlsx")).content))
    assert wb.active["B2"].value == "'=1+1党支部" and wb.active["B2"].data_type == "s"


# ---------------------------------------------------------------- query counts


def _populate(period, committees, per_committee):
    statuses = list(S.values)
    for i, c in enumerate(committees):
        for j in range(per_committee):
            assess(period, make_branch(c), statuses[(i + j) % len(statuses)], self_total=D(60 + j),
                   district_total=D(80 + j) if j % 2 else None, veto=j % 3 == 0)  # fmt: skip


@pytest.mark.parametrize("page", ["district", "district_filtered", "committee", "committee_waiting", "xlsx"])
def test_dashboard_pages_constant_queries(client, committee, other_committee, district_user, reviewer, page,
                                          django_assert_max_num_queries):  # fmt: skip
    from tests.factories import make_committee

    period = make_period(self_days=-5, committee_days=-3, district_days=-1)  # every kind of overdue shows
    user = reviewer if page.startswith("committee") else district_user
    client.force_login(user)
    url = {
        "district": reverse("district_dashboard"),
        "district_filtered": reverse("district_dashboard") + f"?committee={committee.pk}&veto=1&score_min=60",
        "committee": reverse("committee_dashboard", args=[committee.pk]),
        "committee_waiting": reverse("committee_dashboard", args=[committee.pk]) + "?waiting=1",
        "xlsx": reverse("results_xlsx"),
    }[page]
    _populate(period, [committee, other_committee], 2)
    versions.tokens(*dashboard_cache.SOURCES)  # their first reading writes them: not the page's queries
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _populate(period, [committee, other_committee, make_committee("新北镇党委"), make_committee("洛阳镇党委")], 15)
    # Written behind the services' back: say so, or the page would be served from its cache.
    versions.bump(*dashboard_cache.SOURCES)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    # the committee page adds its summary (pass rate, target, chart): four set-based queries; a
    # dashboard reads its cache's data tokens (one query) whether or not the cache has the page,
    # the district's once more for its filters' long selects (kept apart from the overview)
    assert len(small.captured_queries) <= (17 if page.startswith("committee") else 13)


def test_committee_dashboard_shows_silent_branches_and_returned_records(client, world, reviewer, committee, branch,
                                                                       other_branch):  # fmt: skip
    from ledgers.models import Activity, ActivityType

    today = datetime.date.today()
    for b, returned in ((branch, True), (branch, True), (other_branch, True)):
        Activity.objects.create(branch=b, type=ActivityType.COMMITTEE, held_on=today, place="会议室", topic="支委会",
                                content="学习。", returned=returned)  # fmt: skip
    client.force_login(reviewer)
    r = client.get(reverse("committee_dashboard", args=[committee.pk]))
    # the committee's 7 active branches have no record but 东街村 (another committee's 西庄村 is not counted)
    assert r.context["silent_branches"] == 6
    assert r.context["returned_records"] == 2
    rows = {a.branch_id: a.open_returns for a in r.context["page"]}
    assert rows[branch.pk] == 2 and sum(rows.values()) == 2
    assert "退回 2" in r.content.decode()


def test_the_committee_dashboard_has_its_own_pass_rate_target_and_chart(client, world, reviewer, committee):
    from branches.models import Organization

    period = world["period"]
    Period.objects.filter(pk=period.pk).update(target_rate=D("90"), target_on=datetime.date(period.year + 1, 6, 30))
    client.force_login(reviewer)
    r = client.get(reverse("committee_dashboard", args=[committee.pk]) + f"?period={period.pk}")
    html, o = r.content.decode(), r.context["summary"]
    mine = Organization.objects.filter(kind="branch", status=OrgStatus.ACTIVE, path__startswith=committee.path)
    assert o.total.branches == mine.count() and o.total.confirmed == 1  # its branches only (not the other's)
    assert 'id="committee-summary"' in html and f"{o.total.pass_rate}%" in html
    assert f"{period.year + 1}年6月30日前合格率达到90%" in html and o.total.gap_branches > 0
    assert html.count("<rect ") == len(dashboards.SCORE_BINS) and "score_min=" not in html  # no filter links here
