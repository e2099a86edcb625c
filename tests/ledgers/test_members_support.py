"""民主评议党员, plans and study plans, 联系服务群众: rules at their edges, scoped pages, query counts."""

import datetime
from fractions import Fraction

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from branches.permissions import user_scopes
from ledgers.activities import services as activity_services
from ledgers.appraisal import services as appraisal
from ledgers.models import (
    ActivityType,
    Appraisal,
    AppraisalResult,
    EscalationStatus,
    Grade,
    NoticeCategory,
    Plan,
    PlanKind,
    PublicNotice,
    StudyPlan,
)
from ledgers.plans import services as plans
from ledgers.service import selectors as service_selectors
from ledgers.service import services as service
from tests.factories import MemberFactory, UserFactory, grant, make_branch
from wujin_branch.errors import DomainError, StaleEditError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1
HELD_ON = datetime.date(LAST_YEAR, 12, 20)
T = appraisal.TallyInput


def status_of(client, url):
    """GET; a file download is read to the end, which closes it (the test client's wrapper
    closes the response without closing the test's database connection)."""
    r = client.get(url)
    if r.streaming:
        assert b"".join(r.streaming_content).startswith(b"%PDF")
    return r.status_code


def pdf(name="plan.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n%plan\n", content_type="application/pdf")


@pytest.fixture
def people(branch):
    return [MemberFactory(branch=branch) for _ in range(5)]


@pytest.fixture
def other_reviewer(other_committee):
    return grant(UserFactory(username="other_reviewer"), other_committee, Role.REVIEWER)


def make_appraisal(actor, branch, **kw):
    kw.setdefault("held_on", HELD_ON)
    return appraisal.appraisal_create(
        actor=actor, branch=branch, year=LAST_YEAR, self_notes="每名党员对照检查。", mutual_notes="逐一互评。", **kw
    )


def appraisal_meeting(actor, branch, people, *, absent=(), held_on=HELD_ON):
    return activity_services.activity_create(
        actor=actor,
        branch=branch,
        data={
            "type": ActivityType.APPRAISAL,
            "held_on": held_on,
            "place": "党员活动室",
            "topic": f"{LAST_YEAR}年度民主评议党员大会",
            "content": "个人自评、党员互评、民主测评。",
        },
        attendance={p.pk: ("absent", "") for p in absent},
    )


# ---------------------------------------------------------------- suggested grade


@pytest.mark.parametrize(
    "good,average,poor,ballots,grade",
    [
        (9, 1, 0, 10, Grade.EXCELLENT),  # 好 exactly 90 %, no 差
        (10, 0, 0, 10, Grade.EXCELLENT),
        (8, 2, 0, 10, Grade.QUALIFIED),  # 好 80 %
        (9, 0, 1, 10, Grade.QUALIFIED),  # 90 % 好 but one 差
        (9, 0, 0, 10, Grade.EXCELLENT),  # one ballot left this member unmarked: still 9 of 10
        (8, 0, 0, 10, Grade.QUALIFIED),  # two unmarked: shares are of ballots, not of marks
        (18, 2, 0, 20, Grade.EXCELLENT),
        (17, 3, 0, 20, Grade.QUALIFIED),
        (4, 1, 1, 6, Grade.QUALIFIED),  # 差 1/6
        (3, 1, 2, 6, Grade.BASIC),  # 差 exactly 1/3
        (5, 2, 2, 9, Grade.QUALIFIED),  # 差 2/9, just under 1/3
        (3, 0, 3, 9, Grade.BASIC),  # 差 exactly 1/3
        (0, 3, 3, 6, Grade.BASIC),  # 差 exactly 1/2 is not more than half
        (0, 2, 4, 6, Grade.UNQUALIFIED),  # 差 2/3
        (2, 1, 4, 7, Grade.UNQUALIFIED),  # 差 4/7 > 1/2
        (0, 0, 0, 5, Grade.QUALIFIED),
    ],
)
def test_suggested_grade_at_threshold_edges(good, average, poor, ballots, grade):
    assert appraisal.suggest_grade(good=good, average=average, poor=poor, ballots=ballots) == grade


def test_grade_rule_is_configurable_and_printed():
    stricter = {**appraisal.GRADE_RULE, "excellent_good_at_least": Fraction(1, 1)}
    assert appraisal.suggest_grade(good=9, average=1, poor=0, ballots=10, rule=stricter) == Grade.QUALIFIED
    text = " ".join(appraisal.grade_rule_text())
    assert "50%" in text and "1/3" in text and "90%" in text and "无“差”票" in text


# ---------------------------------------------------------------- tally grid


def test_tallies_over_ballot_count_refused(branch, people, secretary):
    a = make_appraisal(secretary, branch)
    assert appraisal.appraisal_ballots(a) == 5  # no meeting: the roster on the appraisal day
    with pytest.raises(appraisal.AppraisalGridError) as err:
        appraisal.appraisal_results_save(
            actor=secretary,
            appraisal=a,
            version=a.version,
            rows={people[0].pk: T(3, 1, 1), people[1].pk: T(3, 2, 1)},
        )
    assert set(err.value.rows) == {people[1].pk} and "超过参加评议人数 5 人" in err.value.rows[people[1].pk]
    assert not AppraisalResult.objects.exists()  # all or nothing
    appraisal.appraisal_results_save(actor=secretary, appraisal=a, version=a.version, rows={people[0].pk: T(3, 1, 1)})
    assert AppraisalResult.objects.get().good == 3


def test_ballots_from_linked_meeting(branch, people, secretary):
    meeting = appraisal_meeting(secretary, branch, people, absent=people[:2])
    assert meeting.present_count == 3
    a = make_appraisal(secretary, branch, meeting=meeting)
    assert appraisal.appraisal_ballots(a) == 3
    with pytest.raises(appraisal.AppraisalGridError):
        appraisal.appraisal_results_save(
            actor=secretary, appraisal=a, version=a.version, rows={people[0].pk: T(3, 1, 0)}
        )
    appraisal.appraisal_results_save(actor=secretary, appraisal=a, version=a.version, rows={people[0].pk: T(3, 0, 0)})
    # unlinking gives the roster (5) as the count; linking a smaller meeting again is refused
    a.refresh_from_db()
    small = appraisal_meeting(secretary, branch, people, absent=people[:3], held_on=HELD_ON - datetime.timedelta(1))
    with pytest.raises(DomainError, match="票数合计超出"):
        appraisal.appraisal_update(
            actor=secretary,
            appraisal=a,
            version=a.version,
            held_on=HELD_ON,
            meeting=small,
            self_notes=a.self_notes,
            mutual_notes=a.mutual_notes,
        )


def test_meeting_must_be_the_branchs_appraisal_meeting(branch, people, secretary, other_branch, other_secretary):
    foreign = appraisal_meeting(other_secretary, other_branch, [])
    with pytest.raises(DomainError, match="不是本支部"):
        make_appraisal(secretary, branch, meeting=foreign)
    with pytest.raises(DomainError, match="日期"):
        make_appraisal(secretary, branch, held_on=datetime.date(LAST_YEAR + 1, 4, 1))
    make_appraisal(secretary, branch, held_on=datetime.date(LAST_YEAR, 1, 1))
    with pytest.raises(DomainError, match="已录入"):
        make_appraisal(secretary, branch)


def test_differing_grade_needs_reasoning(branch, people, secretary):
    a = make_appraisal(secretary, branch)
    p = people[0]
    with pytest.raises(appraisal.AppraisalGridError) as err:
        appraisal.appraisal_results_save(
            actor=secretary, appraisal=a, version=a.version, rows={p.pk: T(4, 1, 0, grade=Grade.EXCELLENT)}
        )
    assert "请填写评定理由" in err.value.rows[p.pk]
    # choosing the suggested grade explicitly needs no reasoning
    appraisal.appraisal_results_save(
        actor=secretary, appraisal=a, version=a.version, rows={p.pk: T(4, 1, 0, grade=Grade.QUALIFIED)}
    )
    a.refresh_from_db()
    appraisal.appraisal_results_save(
        actor=secretary,
        appraisal=a,
        version=a.version,
        rows={p.pk: T(4, 1, 0, grade=Grade.EXCELLENT, reasoning="抗洪抢险中表现突出，支委会研究评为优秀")},
    )
    r = AppraisalResult.objects.get(member=p)
    assert (r.suggested_grade, r.grade) == (Grade.QUALIFIED, Grade.EXCELLENT) and "抗洪" in r.reasoning


def test_grid_save_is_bulk_with_history_and_stale_refused(branch, committee, people, secretary):
    a = make_appraisal(secretary, branch)
    rows = {p.pk: T(5, 0, 0) for p in people}
    with CaptureQueriesContext(connection) as five:
        appraisal.appraisal_results_save(actor=secretary, appraisal=a, version=a.version, rows=rows)
    assert AppraisalResult.objects.filter(grade=Grade.EXCELLENT).count() == 5
    assert AppraisalResult.history.filter(history_type="+", history_user=secretary).count() == 5
    with pytest.raises(StaleEditError):  # a grid opened before this save is stale
        appraisal.appraisal_results_save(actor=secretary, appraisal=a, version=a.version, rows={people[0].pk: None})
    a.refresh_from_db()
    done = appraisal.appraisal_results_save(
        actor=secretary, appraisal=a, version=a.version, rows={people[0].pk: T(2, 2, 1), people[1].pk: None}
    )
    assert done == {"created": 0, "updated": 1, "removed": 1}
    r = AppraisalResult.objects.get(member=people[0])
    assert [h.grade for h in r.history.order_by("history_date", "history_id")] == [Grade.EXCELLENT, Grade.QUALIFIED]
    assert r.history.latest().history_user == secretary
    assert AppraisalResult.history.filter(history_type="-", member_id=people[1].pk, history_user=secretary).exists()
    # bulk: more rows, same number of queries
    big = make_branch(committee, name="大支部")
    many = [MemberFactory(branch=big) for _ in range(15)]
    grant(secretary, big, Role.SECRETARY)
    b = make_appraisal(secretary, big)
    with CaptureQueriesContext(connection) as fifteen:
        appraisal.appraisal_results_save(
            actor=secretary, appraisal=b, version=b.version, rows={p.pk: T(9, 3, 0) for p in many}
        )
    assert len(fifteen.captured_queries) == len(five.captured_queries)


def test_foreign_member_refused_in_grid(branch, people, secretary, other_branch):
    stranger = MemberFactory(branch=other_branch)
    a = make_appraisal(secretary, branch)
    with pytest.raises(DomainError, match="不属于本次评议"):
        appraisal.appraisal_results_save(
            actor=secretary, appraisal=a, version=a.version, rows={stranger.pk: T(1, 0, 0)}
        )


def test_reviewer_cannot_write_appraisal(branch, people, secretary, reviewer):
    a = make_appraisal(secretary, branch)
    with pytest.raises(DomainError, match="没有权限"):
        appraisal.appraisal_results_save(
            actor=reviewer, appraisal=a, version=a.version, rows={people[0].pk: T(1, 0, 0)}
        )
    with pytest.raises(DomainError, match="没有权限"):
        appraisal.appraisal_publish(actor=reviewer, appraisal=a)


def test_publication_creates_notice_without_tallies(branch, people, secretary):
    a = make_appraisal(secretary, branch)
    appraisal.appraisal_results_save(
        actor=secretary,
        appraisal=a,
        version=a.version,
        rows={
            people[0].pk: T(5, 0, 0),
            people[1].pk: T(3, 1, 1),
            people[2].pk: T(1, 1, 3, grade=Grade.BASIC, reasoning="支部大会讨论后评为基本合格"),
        },
    )
    notice = appraisal.appraisal_publish(actor=secretary, appraisal=a, posted_on=TODAY)
    a.refresh_from_db()
    assert a.published_on == TODAY
    assert notice.category == NoticeCategory.APPRAISAL and notice.branch == branch
    assert notice.history.get().history_user == secretary
    text = notice.content
    assert f"优秀（1人）：{people[0].name}" in text
    assert f"合格（1人）：{people[1].name}" in text
    assert f"基本合格（1人）：{people[2].name}" in text
    assert "不合格（0人）：无" in text
    for word in ("好", "差", "一般", "票", "支部大会讨论"):  # no tallies, no reasoning
        assert word not in text
    with pytest.raises(DomainError, match="已于"):
        appraisal.appraisal_publish(actor=secretary, appraisal=a)
    with pytest.raises(DomainError, match="公布"):
        appraisal.appraisal_results_save(
            actor=secretary, appraisal=a, version=a.version, rows={people[3].pk: T(1, 0, 0)}
        )
    assert PublicNotice.objects.count() == 1


def test_publication_needs_results_and_a_sane_date(branch, people, secretary):
    a = make_appraisal(secretary, branch)
    with pytest.raises(DomainError, match="尚未录入评议结果"):
        appraisal.appraisal_publish(actor=secretary, appraisal=a)
    appraisal.appraisal_results_save(actor=secretary, appraisal=a, version=a.version, rows={people[0].pk: T(5, 0, 0)})
    with pytest.raises(DomainError, match="不能早于评议日期"):
        appraisal.appraisal_publish(actor=secretary, appraisal=a, posted_on=HELD_ON - datetime.timedelta(days=1))
    with pytest.raises(DomainError, match="不能晚于今天"):
        appraisal.appraisal_publish(actor=secretary, appraisal=a, posted_on=TODAY + datetime.timedelta(days=1))
    assert not PublicNotice.objects.exists()


def test_appraisal_pages_flow(client, branch, people, secretary):
    client.force_login(secretary)
    page = reverse("appraisal_page", args=[branch.pk]) + f"?year={LAST_YEAR}"
    assert "尚未录入" in client.get(page).content.decode()
    edit = reverse("appraisal_edit", args=[branch.pk, LAST_YEAR])
    r = client.post(edit, {"held_on": HELD_ON.isoformat(), "self_notes": "自评", "mutual_notes": ""})
    assert "请填写" in r.content.decode() or "必填" in r.content.decode()
    r = client.post(edit, {"version": 0, "held_on": HELD_ON.isoformat(), "self_notes": "自评", "mutual_notes": "互评"})
    assert r.status_code == 302
    a = Appraisal.objects.get()
    grid = {"version": a.version, "m": [p.pk for p in people]}
    grid.update({f"good_{people[0].pk}": "4", f"average_{people[0].pk}": "1", f"poor_{people[0].pk}": "0"})
    grid.update({f"good_{people[1].pk}": "4", f"poor_{people[1].pk}": "3"})  # 7 > 5 ballots
    grid.update({f"good_{people[2].pk}": "4", f"grade_{people[2].pk}": Grade.EXCELLENT})  # no reasoning
    html = client.post(page, grid).content.decode()
    assert "超过参加评议人数 5 人" in html and "请填写评定理由" in html
    assert f'name="poor_{people[1].pk}" value="3"' in html  # what was typed is kept
    assert not AppraisalResult.objects.exists()
    grid[f"poor_{people[1].pk}"] = "1"
    grid[f"why_{people[2].pk}"] = "支委会研究"
    assert client.post(page, grid).status_code == 302
    assert AppraisalResult.objects.count() == 3
    a.refresh_from_db()
    r = client.post(reverse("appraisal_publish", args=[a.pk]), {"posted_on": TODAY.isoformat()})
    assert r.status_code == 302
    html = client.get(page).content.decode()
    assert "已于" in html and 'name="good_' not in html  # published: read-only table


def test_appraisal_form_links_only_the_branchs_meetings(client, branch, people, secretary, other_branch,
                                                        other_secretary):  # fmt: skip
    mine = appraisal_meeting(secretary, branch, people, absent=people[:1])
    foreign = appraisal_meeting(other_secretary, other_branch, [])
    client.force_login(secretary)
    url = reverse("appraisal_edit", args=[branch.pk, LAST_YEAR])
    html = client.get(url).content.decode()
    assert f'value="{mine.pk}" selected' in html and f'value="{foreign.pk}"' not in html
    data = {"version": 0, "held_on": HELD_ON.isoformat(), "self_notes": "自评", "mutual_notes": "互评",
            "meeting": foreign.pk}
    assert client.post(url, data).status_code == 200 and not Appraisal.objects.exists()
    data["meeting"] = mine.pk
    assert client.post(url, data).status_code == 302
    a = Appraisal.objects.get()
    assert a.meeting == mine and appraisal.appraisal_ballots(a) == 4
    page = client.get(reverse("appraisal_page", args=[branch.pk]) + f"?year={LAST_YEAR}").content.decode()
    assert reverse("activity_detail", args=[mine.pk]) in page and "评议会议实到人数" in page


# ---------------------------------------------------------------- plans


def test_one_plan_per_kind_and_year(branch, secretary):
    p1 = plans.plan_save(actor=secretary, branch=branch, year=TODAY.year, kind=PlanKind.WORK, text="第一稿")
    p2 = plans.plan_save(actor=secretary, branch=branch, year=TODAY.year, kind=PlanKind.WORK, text="第二稿")
    assert p1.pk == p2.pk and Plan.objects.count() == 1 and Plan.objects.get().text == "第二稿"
    assert [h.history_user for h in p2.history.all()] == [secretary, secretary]
    plans.plan_save(actor=secretary, branch=branch, year=TODAY.year, kind=PlanKind.LECTURE, text="党课计划")
    plans.plan_save(actor=secretary, branch=branch, year=TODAY.year - 1, kind=PlanKind.WORK, text="去年")
    assert Plan.objects.count() == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(branch=branch, year=TODAY.year, kind=PlanKind.WORK, text="重复")
    slots = {s.kind: s.plan for s in plans.plans_checklist(branch, TODAY.year)}
    assert slots[PlanKind.WORK] and slots[PlanKind.LECTURE] and slots[PlanKind.SERVICE] is None


def test_plan_text_or_file_checked(branch, secretary):
    kw = {"actor": secretary, "branch": branch, "year": TODAY.year, "kind": PlanKind.EDUCATION}
    with pytest.raises(DomainError, match="请填写计划内容或上传"):
        plans.plan_save(text="  ", **kw)
    with pytest.raises(DomainError, match="内容与扩展名不符"):
        plans.plan_save(text="", upload=SimpleUploadedFile("plan.pdf", b"<html>x</html>"), **kw)
    with pytest.raises(DomainError, match="仅支持 PDF、Word"):
        plans.plan_save(text="", upload=SimpleUploadedFile("plan.xlsx", b"PK\x03\x04rest"), **kw)
    assert not Plan.objects.exists()
    plan = plans.plan_save(text="", upload=pdf(), **kw)
    assert plan.file and plan.text == ""
    with pytest.raises(DomainError, match="请填写计划内容或上传"):
        plans.plan_save(text="", remove_file=True, **kw)
    with pytest.raises(DomainError, match="年度"):
        plans.plan_save(text="x", **{**kw, "year": TODAY.year + 2})


def test_plan_pages(client, branch, secretary, reviewer):
    client.force_login(secretary)
    url = reverse("plan_edit", args=[branch.pk, TODAY.year, PlanKind.SERVICE])
    r = client.post(url, {"text": "每月走访", "file": pdf()})
    assert r.status_code == 302
    plan = Plan.objects.get()
    html = client.get(reverse("plans_page", args=[branch.pk]) + f"?year={TODAY.year}").content.decode()
    assert "已制定" in html and "未制定" in html and reverse("plan_file", args=[plan.pk]) in html
    assert status_of(client, reverse("plan_file", args=[plan.pk])) == 200
    assert client.get(reverse("plan_edit", args=[branch.pk, TODAY.year, "nonsense"])).status_code == 404
    client.force_login(reviewer)
    assert status_of(client, reverse("plan_file", args=[plan.pk])) == 200
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- personal study plans


def test_study_plan_grid_bulk_save_with_history(branch, people, secretary, other_branch):
    year = TODAY.year
    rows = {p.pk: (i < 3, i == 0) for i, p in enumerate(people)}
    user_scopes(secretary)  # read once per request; warm, so the query counts below compare like with like
    with CaptureQueriesContext(connection) as few:
        done = plans.study_plans_save(
            actor=secretary, branch=branch, year=year, rows=rows, files={people[4].pk: pdf("学习计划.pdf")}
        )
    assert done == {"created": 4, "updated": 0}  # three ticked, one by its upload
    assert StudyPlan.objects.filter(has_plan=True).count() == 4
    assert StudyPlan.objects.get(member=people[4]).file
    assert not StudyPlan.objects.filter(member=people[3]).exists()  # nothing ticked: no row
    assert StudyPlan.history.filter(history_type="+", history_user=secretary).count() == 4
    rows[people[0].pk] = (False, True)
    rows[people[4].pk] = (True, False)  # as the page shows it after the upload
    done = plans.study_plans_save(actor=secretary, branch=branch, year=year, rows=rows)
    assert done == {"created": 0, "updated": 1}
    sp = StudyPlan.objects.get(member=people[0])
    assert [h.has_plan for h in sp.history.order_by("history_date", "history_id")] == [True, False]
    assert sp.history.latest().history_user == secretary
    counts = plans.study_plan_counts(branch, year)
    assert counts == {"total": 5, "with_plan": 3, "with_notes": 1}
    stranger = MemberFactory(branch=other_branch)
    with pytest.raises(DomainError, match="不在本支部名册"):
        plans.study_plans_save(actor=secretary, branch=branch, year=year, rows={stranger.pk: (True, True)})
    with pytest.raises(DomainError, match="内容与扩展名不符"):
        plans.study_plans_save(
            actor=secretary, branch=branch, year=year, rows={}, files={people[3].pk: SimpleUploadedFile("a.doc", b"x")}
        )
    # bulk: three times the members, same number of queries
    many = [MemberFactory(branch=branch) for _ in range(10)]
    with CaptureQueriesContext(connection) as more:
        plans.study_plans_save(actor=secretary, branch=branch, year=year - 1, rows={p.pk: (True, True) for p in many})
    assert len(more.captured_queries) == len(few.captured_queries)


def test_study_plan_page_saves_grid(client, branch, people, secretary, reviewer):
    url = reverse("study_plans", args=[branch.pk]) + f"?year={TODAY.year}"
    client.force_login(reviewer)
    assert client.get(url).status_code == 200
    assert client.post(url, {"m": [people[0].pk], f"plan_{people[0].pk}": "on"}).status_code == 404
    client.force_login(secretary)
    data = {"m": [p.pk for p in people], f"plan_{people[0].pk}": "on", f"notes_{people[1].pk}": "on"}
    assert client.post(url, data).status_code == 302
    assert set(StudyPlan.objects.values_list("member_id", "has_plan", "keeps_notes")) == {
        (people[0].pk, True, False),
        (people[1].pk, False, True),
    }


# ---------------------------------------------------------------- 联系服务群众


def service_activity(actor, branch, day, topic="走访困难群众"):
    return activity_services.activity_create(
        actor=actor,
        branch=branch,
        data={"type": ActivityType.SERVICE, "held_on": day, "place": "村民家中", "topic": topic, "content": topic},
        attendance={},
    )


def test_service_month_cells_from_service_records(branch, people, secretary):
    jan = service_activity(secretary, branch, datetime.date(LAST_YEAR, 1, 8))
    mar = [service_activity(secretary, branch, datetime.date(LAST_YEAR, 3, d), f"活动{d}") for d in (3, 20)]
    activity_services.activity_create(  # not a service record: does not count
        actor=secretary,
        branch=branch,
        data={
            "type": ActivityType.COMMITTEE,
            "held_on": datetime.date(LAST_YEAR, 2, 5),
            "place": "x",
            "topic": "t",
            "content": "c",
        },
        attendance={},
    )
    cells = service.service_months(branch, LAST_YEAR)
    assert [c.state for c in cells] == ["held", "missing", "held"] + ["missing"] * 9
    assert cells[0].records == [jan] and cells[2].records == mar
    mid = service.service_months(branch, LAST_YEAR, on=datetime.date(LAST_YEAR, 6, 15))
    assert [c.state for c in mid[4:7]] == ["missing", "current", "future"]


def test_service_page_links_records(client, branch, people, secretary):
    a = service_activity(secretary, branch, datetime.date(LAST_YEAR, 4, 2))
    client.force_login(secretary)
    html = client.get(reverse("service_page", args=[branch.pk]) + f"?year={LAST_YEAR}").content.decode()
    assert reverse("activity_detail", args=[a.pk]) in html
    assert reverse("activity_new", args=[branch.pk]) + "?type=service" in html
    assert html.count('data-state="held"') == 1 and html.count('data-state="missing"') == 11


def test_service_system_and_year_end_review(branch, secretary):
    s = service.service_system_save(
        actor=secretary, branch=branch, year=LAST_YEAR, kind="volunteer", name="红色代办", goal="每月一次志愿服务"
    )
    again = service.service_system_save(actor=secretary, branch=branch, year=LAST_YEAR, kind="visits", goal="走访")
    assert again.pk == s.pk and again.kind == "visits"
    with pytest.raises(DomainError, match="不能早于"):
        service.service_review_save(
            actor=secretary, system=s, year_end_review="完成目标", reviewed_on=datetime.date(LAST_YEAR, 11, 30)
        )
    service.service_review_save(
        actor=secretary, system=s, year_end_review="完成目标", reviewed_on=datetime.date(LAST_YEAR, 12, 1)
    )
    s.refresh_from_db()
    assert s.reviewed_on == datetime.date(LAST_YEAR, 12, 1)
    future = service.service_system_save(
        actor=secretary, branch=branch, year=TODAY.year + 1, kind="hotline", goal="热线"
    )
    with pytest.raises(DomainError, match="起填写"):
        service.service_review_save(actor=secretary, system=future, year_end_review="x", reviewed_on=TODAY)


# ---------------------------------------------------------------- escalations


def raise_one(actor, branch, title="村道路灯损坏"):
    return service.escalation_raise(
        actor=actor, branch=branch, title=title, description="多次报修未果", raised_on=TODAY
    )


def test_escalation_reply_only_by_the_committee(client, branch, secretary, reviewer, other_reviewer):
    e = raise_one(secretary, branch)
    with pytest.raises(DomainError, match="没有权限"):
        service.escalation_reply(actor=secretary, escalation=e, reply="x", status=EscalationStatus.RESOLVED)
    reply_url = reverse("escalation_reply", args=[e.pk])
    client.force_login(secretary)
    assert client.get(reply_url).status_code == 404
    assert client.post(reply_url, {"reply": "自己答复", "status": "resolved"}).status_code == 404
    assert f'action="{reply_url}"' not in client.get(reverse("escalation_detail", args=[e.pk])).content.decode()
    client.force_login(other_reviewer)
    assert client.get(reply_url).status_code == 404
    assert client.get(reverse("escalation_detail", args=[e.pk])).status_code == 404
    client.force_login(reviewer)
    assert client.post(reply_url, {"reply": "", "status": "replied"}).status_code == 200  # reply required
    r = client.post(reply_url, {"reply": "已协调供电所本周内修复", "status": "replied"})
    assert r.status_code == 302
    e.refresh_from_db()
    assert (e.status, e.replied_by, e.replied_on) == (EscalationStatus.REPLIED, reviewer, TODAY)
    assert e.history.latest().history_user == reviewer
    client.force_login(secretary)
    html = client.get(reverse("service_page", args=[branch.pk])).content.decode()
    assert "已答复" in html and "已协调供电所" in html


def test_escalation_inbox_scoped(client, branch, other_branch, secretary, other_secretary, reviewer, other_reviewer,
                                 district_user):  # fmt: skip
    mine = raise_one(secretary, branch, "本委问题")
    theirs = raise_one(other_secretary, other_branch, "他委问题")
    done = raise_one(secretary, branch, "已答复的问题")
    service.escalation_reply(actor=reviewer, escalation=done, reply="已处理", status=EscalationStatus.REPLIED)
    assert list(service_selectors.escalation_inbox(reviewer)) == [mine]
    assert list(service_selectors.escalation_inbox(other_reviewer)) == [theirs]
    assert set(service_selectors.escalation_inbox(district_user)) == {mine, theirs}
    url = reverse("escalation_inbox")
    client.force_login(reviewer)
    html = client.get(url).content.decode()
    assert "本委问题" in html and "他委问题" not in html and "已答复的问题" not in html
    assert "已答复的问题" in client.get(url + "?status=replied").content.decode()
    for user in (secretary, other_secretary):
        client.force_login(user)
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------- pages: roles, foreign ids, queries


@pytest.fixture
def records(branch, people, secretary):
    a = make_appraisal(secretary, branch)
    plan = plans.plan_save(
        actor=secretary, branch=branch, year=TODAY.year, kind=PlanKind.WORK, text="计划", upload=pdf()
    )
    plans.study_plans_save(actor=secretary, branch=branch, year=TODAY.year, rows={}, files={people[0].pk: pdf()})
    service.service_system_save(actor=secretary, branch=branch, year=LAST_YEAR, kind="visits", goal="走访")
    return {
        "appraisal": a,
        "plan": plan,
        "study": StudyPlan.objects.get(),
        "escalation": raise_one(secretary, branch),
    }


@pytest.mark.parametrize("role", ["secretary", "reviewer", "other_secretary"])
def test_pages_scoped_by_role(client, request, branch, records, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    own, edit, approve = role != "other_secretary", role == "secretary", role == "reviewer"
    b = branch.pk
    pages = [
        (reverse("appraisal_page", args=[b]) + f"?year={LAST_YEAR}", own),
        (reverse("appraisal_edit", args=[b, LAST_YEAR]), edit),
        (reverse("plans_page", args=[b]), own),
        (reverse("plan_edit", args=[b, TODAY.year, PlanKind.WORK]), edit),
        (reverse("plan_file", args=[records["plan"].pk]), own),
        (reverse("study_plans", args=[b]), own),
        (reverse("study_plan_file", args=[records["study"].pk]), own),
        (reverse("service_page", args=[b]), own),
        (reverse("service_system_edit", args=[b, TODAY.year]), edit),
        (reverse("service_review", args=[b, LAST_YEAR]), edit),
        (reverse("escalation_new", args=[b]), edit),
        (reverse("escalation_detail", args=[records["escalation"].pk]), own),
        (reverse("escalation_reply", args=[records["escalation"].pk]), approve),
        (reverse("escalation_inbox"), approve),
    ]
    for url, allowed in pages:
        assert status_of(client, url) == (200 if allowed else 404), url
    # writes by the wrong role are 404 too, and change nothing
    a = records["appraisal"]
    grid = {"version": a.version, "m": [], "year": LAST_YEAR}
    status = client.post(reverse("appraisal_page", args=[b]) + f"?year={LAST_YEAR}", grid).status_code
    assert status == (302 if edit else 404)
    assert client.post(reverse("appraisal_publish", args=[a.pk]), {"posted_on": TODAY}).status_code in (
        (302,) if edit else (404,)
    )


def test_missing_ids_are_404(client, secretary, branch):
    client.force_login(secretary)
    for name in ("appraisal_page", "plans_page", "study_plans", "service_page", "escalation_new"):
        assert client.get(reverse(name, args=[999999])).status_code == 404, name
    for name in ("plan_file", "study_plan_file", "escalation_detail", "escalation_reply"):
        assert client.get(reverse(name, args=[999999])).status_code == 404, name
    assert client.post(reverse("appraisal_publish", args=[999999])).status_code == 404
    assert client.get(reverse("appraisal_edit", args=[branch.pk, 1990])).status_code == 404


def _populate(branch, secretary, n):
    """n members with tallies, study plans, service records and escalations."""
    members = [MemberFactory(branch=branch) for _ in range(n)]
    a = Appraisal.objects.filter(branch=branch, year=LAST_YEAR).first() or make_appraisal(secretary, branch)
    roster = appraisal.appraisal_ballots(a)
    appraisal.appraisal_results_save(
        actor=secretary, appraisal=a, version=a.version, rows={m.pk: T(roster - 1, 1, 0) for m in members}
    )
    plans.study_plans_save(actor=secretary, branch=branch, year=TODAY.year, rows={m.pk: (True, True) for m in members})
    for i in range(n):
        service_activity(secretary, branch, datetime.date(LAST_YEAR, i % 12 + 1, 10), f"服务{i}")
        raise_one(secretary, branch, f"问题{i}")
    for kind in list(PlanKind)[: min(n, 5)]:
        plans.plan_save(actor=secretary, branch=branch, year=TODAY.year, kind=kind, text="计划", upload=pdf())


@pytest.mark.parametrize(
    "page,who",
    [
        ("appraisal_page", "secretary"),
        ("appraisal_page", "reviewer"),
        ("plans_page", "secretary"),
        ("study_plans", "secretary"),
        ("study_plans", "reviewer"),
        ("service_page", "secretary"),
        ("escalation_inbox", "reviewer"),
    ],
)
def test_pages_constant_queries(client, request, branch, committee, secretary, page, who,
                                django_assert_max_num_queries):  # fmt: skip
    user = request.getfixturevalue(who)
    client.force_login(user)
    if page == "escalation_inbox":
        url = reverse(page)
    else:
        year = LAST_YEAR if page in ("appraisal_page", "service_page") else TODAY.year
        url = reverse(page, args=[branch.pk]) + f"?year={year}"
    _populate(branch, secretary, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _populate(branch, secretary, 14)
    for i in range(4):  # escalations of more branches under the same committee
        other = make_branch(committee, name=f"另一支部{i}")
        raise_one(grant(UserFactory(), other, Role.SECRETARY), other, f"他支部问题{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = client.get(url)
        assert r.status_code == 200
    if page == "appraisal_page" and who == "reviewer":
        assert r.content.decode().count("<tr>") >= 16
