"""Stage 1: the committees' 实施方案 (who files, who accepts or returns, who sees it), the
period's stage milestones, and the stage progress the dashboards count from the records."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.milestones import MilestoneRow, milestones_save, stage_one_defaults
from assessment.models import Period, RubricVersion, StageMeasure, StageMilestone
from assessment.services import period_create
from branches.models import OrgChange, OrgChangeKind, OrgStatus, Role
from ledgers.models import Screening
from review.stage_plan_models import StagePlan, StagePlanEvent
from review.stage_plans import stage_plan_accept, stage_plan_return, stage_plan_submit
from review.stage_progress import stage_progress
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee
from wujin_branch.errors import DomainError
from wujin_branch.models import Notice

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%stage plan\n"
TODAY = datetime.date.today()


def make_period(*, due=None):
    """An open stage-1 period with the seed's milestones (due ``due``, default: next month)."""
    p = Period.objects.create(
        name="2016年度第一阶段", year=2016, stage=1, window_start=datetime.date(2016, 1, 1),
        window_end=datetime.date(2016, 12, 31), self_deadline=TODAY, committee_deadline=TODAY,
        district_deadline=TODAY, rubric=RubricVersion.objects.get(code="2016"), status="open",
    )  # fmt: skip
    due = due or TODAY + datetime.timedelta(days=30)
    StageMilestone.objects.bulk_create(
        [StageMilestone(period=p, measure=r.measure, name=r.name, due_on=due, order=i)
         for i, r in enumerate(stage_one_defaults(p))]
    )  # fmt: skip
    return p


@pytest.fixture
def period():
    return make_period()


def page_url(committee, period):
    return reverse("stage_plan_page", args=[committee.pk]) + f"?period={period.pk}"


def submit(client, committee, period, **data):
    data.setdefault("text", "一、明确职责任务；二、年底前完成空壳党组织清理。")
    return client.post(reverse("stage_plan_submit", args=[committee.pk, period.pk]), data)


def test_reviewer_files_district_accepts(client, reviewer, district_user, committee, period):
    client.force_login(reviewer)
    r = submit(client, committee, period, file=SimpleUploadedFile("实施方案.pdf", PDF))
    assert r.status_code == 302
    plan = StagePlan.objects.get()
    assert (plan.committee, plan.status, plan.submitted_by, plan.revision) == (committee, "submitted", reviewer, 1)
    assert Notice.objects.filter(user=district_user, title__contains="报送了实施方案").exists()
    page = client.get(page_url(committee, period)).content.decode()
    assert "已报送，待区委组织部审核" in page
    assert reverse("stage_plan_accept", args=[plan.pk]) not in page  # a reviewer does not decide
    assert client.get(reverse("stage_plan_file", args=[plan.pk])).status_code == 200
    # A reviewer can neither accept nor file twice.
    assert client.post(reverse("stage_plan_accept", args=[plan.pk]), {}).status_code == 404
    r = submit(client, committee, period)
    assert r.status_code == 200 and "不能重复报送" in r.content.decode() and StagePlan.objects.count() == 1
    with pytest.raises(DomainError):
        stage_plan_accept(actor=reviewer, plan=plan)

    client.force_login(district_user)
    page = client.get(page_url(committee, period)).content.decode()
    for name in ("stage_plan_accept", "stage_plan_return"):  # asked once: confirm.js reads the <form>
        assert re.search(r'<form data-confirm="[^"]+"[^>]*action="' + reverse(name, args=[plan.pk]), page)
    r = client.post(reverse("stage_plan_accept", args=[plan.pk]), {"a-note": "职责明确"})
    assert r.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by, plan.decision_note) == ("accepted", district_user, "职责明确")
    assert plan.history.count() == 2
    assert list(StagePlanEvent.objects.values_list("code", flat=True)) == [
        "review.stage_plan.submitted", "review.stage_plan.accepted"]  # fmt: skip
    assert Notice.objects.filter(user=reviewer, title__contains="审核通过").exists()
    # A second click is refused.
    r = client.post(reverse("stage_plan_return", args=[plan.pk]), {"r-reason": "再看看"})
    assert r.status_code == 200 and "不能再次审核" in r.content.decode()
    with pytest.raises(DomainError):
        stage_plan_submit(actor=reviewer, committee=committee, period=period, text="再报一次")


def test_return_needs_a_reason_then_refile(client, reviewer, district_user, committee, period):
    plan = stage_plan_submit(actor=reviewer, committee=committee, period=period, text="第一稿")
    client.force_login(district_user)
    r = client.post(reverse("stage_plan_return", args=[plan.pk]), {"r-reason": ""})
    assert r.status_code == 200 and re.search(r'<form data-confirm="确认退回[^"]+"', r.content.decode())
    plan.refresh_from_db()
    assert plan.status == "submitted"
    with pytest.raises(DomainError):
        stage_plan_return(actor=district_user, plan=plan, reason="  ")
    client.post(reverse("stage_plan_return", args=[plan.pk]), {"r-reason": "缺少失联党员处置的时间安排"})
    plan.refresh_from_db()
    assert plan.status == "returned"
    assert Notice.objects.filter(user=reviewer, body="缺少失联党员处置的时间安排").exists()

    client.force_login(reviewer)
    page = client.get(page_url(committee, period)).content.decode()
    assert "缺少失联党员处置的时间安排" in page and "修改后重新报送" in page
    form = client.get(reverse("stage_plan_submit", args=[committee.pk, period.pk])).content.decode()
    assert re.search(r'<form data-confirm="确认向区委组织部报送实施方案？"', form)
    assert submit(client, committee, period, text="第二稿").status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.revision, plan.text, plan.decision_note) == ("submitted", 2, "第二稿", "")
    assert StagePlanEvent.objects.filter(plan=plan).count() == 3


def test_scope_and_roles(client, reviewer, district_user, secretary, committee, other_committee, branch, period):
    other_reviewer = grant(UserFactory(username="other_reviewer"), other_committee, Role.REVIEWER)
    plan = stage_plan_submit(actor=reviewer, committee=committee, period=period, text="方案",
                             upload=SimpleUploadedFile("方案.pdf", PDF))  # fmt: skip
    urls = [page_url(committee, period), reverse("stage_plan_submit", args=[committee.pk, period.pk]),
            reverse("stage_plan_file", args=[plan.pk]), reverse("stage_plan_accept", args=[plan.pk]),
            reverse("stage_plan_return", args=[plan.pk])]  # fmt: skip
    for user in (other_reviewer, secretary):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
    # A secretary's own branch page at the same address is the branch's annual plans.
    client.force_login(secretary)
    r = client.get(reverse("stage_plan_page", args=[branch.pk]))
    assert r.status_code == 200 and "年度计划" in r.content.decode()
    assert reverse("plans_page", args=[branch.pk]) == reverse("stage_plan_page", args=[branch.pk])
    # District staff see and decide but do not write a committee's plan.
    client.force_login(district_user)
    assert client.get(page_url(other_committee, period)).status_code == 200
    assert client.get(reverse("stage_plan_submit", args=[other_committee.pk, period.pk])).status_code == 404
    with pytest.raises(DomainError):
        stage_plan_submit(actor=district_user, committee=other_committee, period=period, text="代报")
    with pytest.raises(DomainError):
        stage_plan_submit(actor=reviewer, committee=other_committee, period=period, text="越权")
    # A branch is not a committee.
    with pytest.raises(DomainError):
        stage_plan_submit(actor=reviewer, committee=branch, period=period, text="支部")


def test_hostile_or_empty_upload_refused_typing_kept(client, reviewer, committee, period):
    client.force_login(reviewer)
    r = submit(client, committee, period, text="保留这段文字",
               file=SimpleUploadedFile("方案.pdf", b"MZ\x90\x00\x03 not a pdf at all"))  # fmt: skip
    body = r.content.decode()
    assert r.status_code == 200 and "保留这段文字" in body and not StagePlan.objects.exists()
    r = submit(client, committee, period, text="x", file=SimpleUploadedFile("方案.exe", PDF))
    assert r.status_code == 200 and "格式不支持" in r.content.decode()
    r = submit(client, committee, period, text="  ")
    assert r.status_code == 200 and "请填写实施方案内容或上传" in r.content.decode()
    assert not StagePlan.objects.exists()


def test_milestones_default_for_stage_one_and_edited_by_district(client, district_user, reviewer):
    p = period_create(
        actor=district_user, name="第一阶段", year=2016, stage=1, window_start=datetime.date(2016, 1, 1),
        window_end=datetime.date(2016, 12, 31), self_deadline=datetime.date(2017, 1, 10),
        committee_deadline=datetime.date(2017, 1, 20), district_deadline=datetime.date(2017, 1, 31),
        rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip
    rows = list(StageMilestone.objects.filter(period=p))
    assert [m.measure for m in rows] == StageMeasure.values
    assert {m.due_on for m in rows} == {datetime.date(2016, 12, 31)}
    url = reverse("period_milestones", args=[p.pk])
    client.force_login(reviewer)
    assert client.get(url).status_code == 404
    with pytest.raises(DomainError):
        milestones_save(actor=reviewer, period=p, rows=[])
    client.force_login(district_user)
    data = {f"name_{m.measure}": m.name for m in rows} | {f"due_{m.measure}": "2016-12-31" for m in rows}
    data |= {"due_plan": "2016-06-30", "due_screening": ""}
    assert client.post(url, data).status_code == 302
    got = {m.measure: m.due_on for m in StageMilestone.objects.filter(period=p)}
    assert got == {"plan": datetime.date(2016, 6, 30), "shell": datetime.date(2016, 12, 31),
                   "lost": datetime.date(2016, 12, 31)}  # fmt: skip
    data["due_shell"] = "2015-01-01"  # before the window: refused, typing kept
    r = client.post(url, data)
    assert r.status_code == 200 and "不能早于考核起始日期" in r.content.decode()
    # a stage-2 period starts without milestones
    p2 = period_create(
        actor=district_user, name="第二阶段", year=2017, stage=2, window_start=datetime.date(2017, 1, 1),
        window_end=datetime.date(2017, 12, 31), self_deadline=datetime.date(2018, 1, 10),
        committee_deadline=datetime.date(2018, 1, 20), district_deadline=datetime.date(2018, 1, 31),
        rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip
    assert not StageMilestone.objects.filter(period=p2).exists()
    milestones_save(actor=district_user, period=p2,
                    rows=[MilestoneRow("plan", "报送方案", datetime.date(2017, 3, 31))])  # fmt: skip
    assert StageMilestone.objects.filter(period=p2).count() == 1


def test_progress_counted_from_records(reviewer, district_user, committee, other_committee, branch):
    period = make_period(due=TODAY - datetime.timedelta(days=1))  # every milestone's day has passed
    # 空壳: one branch dissolved in the window, one still without members (a likely 空壳).
    gone = make_branch(committee, name="已撤销支部")
    gone.status = OrgStatus.DISSOLVED
    gone.save()
    OrgChange.objects.create(organization=gone, kind=OrgChangeKind.DISSOLVED, occurred_on=datetime.date(2016, 9, 1),
                             reason="无党员")  # fmt: skip
    make_branch(committee, name="无党员支部")
    # 失联: two lost members on the roll, one handled.
    MemberFactory(branch=branch, is_lost=True, lost_handling="已按规定停止党籍")
    MemberFactory(branch=branch, is_lost=True)
    MemberFactory(branch=branch)
    # Screening: the other committee screened its whole subtree in the window; ours did none.
    Screening.objects.create(organization=other_committee, held_on=datetime.date(2016, 10, 1), scope="全委",
                             findings="未发现")  # fmt: skip
    make_branch(other_committee)
    make_branch(other_committee)
    stage_plan_submit(actor=reviewer, committee=committee, period=period, text="方案")

    table = stage_progress(period, [committee, other_committee])
    ours, theirs = ({c.milestone.measure: c for c in row.cells} for row in table.rows)
    assert (ours["plan"].text, ours["plan"].late) == ("待审核", True)
    assert (ours["shell"].done, ours["shell"].total, ours["shell"].late) == (1, 2, True)
    assert (ours["lost"].done, ours["lost"].total, ours["lost"].late) == (1, 2, True)
    assert (ours["screening"].done, ours["screening"].total) == (0, 2)
    assert (theirs["screening"].done, theirs["screening"].total, theirs["screening"].late) == (2, 2, False)
    assert (theirs["lost"].text, theirs["lost"].late) == ("无", False)
    assert theirs["plan"].text == "未报送"
    # The committee's own row alone gives the same numbers.
    (alone,) = stage_progress(period, [committee]).rows
    assert [(c.done, c.total) for c in alone.cells] == [(c.done, c.total) for c in table.rows[0].cells]
    # Accepting the plan shows at once (read live, never from a cache).
    stage_plan_accept(actor=district_user, plan=StagePlan.objects.get())
    (alone,) = stage_progress(period, [committee]).rows
    assert (alone.cells[0].text, alone.cells[0].late) == ("已通过", False)


def test_dashboards_show_stage_progress_in_constant_queries(client, district_user, reviewer, committee,
                                                            other_committee):  # fmt: skip
    period = make_period(due=TODAY - datetime.timedelta(days=1))
    client.force_login(district_user)
    url = reverse("district_dashboard") + f"?period={period.pk}"

    def populate(committees):
        for c in committees:
            b = make_branch(c)
            MemberFactory(branch=b, is_lost=True)
            Screening.objects.create(organization=b, held_on=datetime.date(2016, 5, 1), scope="本支部", findings="无")
            stage_plan_submit(actor=grant(UserFactory(), c, Role.REVIEWER), committee=c, period=period, text="方案")

    populate([committee, other_committee])
    client.get(url)  # warm-up: the menu's cached counts, the data tokens, the cached overview
    with CaptureQueriesContext(connection) as few:
        body = client.get(url).content.decode()
    assert "阶段进度" in body and "逾期" in body and "湖塘镇党委" in body
    more = [make_committee(f"第{i}镇党委") for i in range(6)]
    populate(more)
    from wujin_branch import versions

    versions.bump(versions.ORGS, versions.ASSESSMENTS)  # new committees written behind the services' back
    client.get(url)  # the overview again: the stage table is read live on every request, the rest cached
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert "第5镇党委" in body
    assert len(many) == len(few)

    # The committee dashboard shows its own row only.
    client.force_login(reviewer)
    body = client.get(reverse("committee_dashboard", args=[committee.pk]) + f"?period={period.pk}").content.decode()
    assert "阶段进度" in body and "湖塘镇党委" in body and "牛塘镇党委" not in body


def test_stale_page_and_unopened_period_refused(reviewer, district_user, committee, period):
    from wujin_branch.errors import StaleEditError

    plan = stage_plan_submit(actor=reviewer, committee=committee, period=period, text="方案")
    seen = plan.version
    stage_plan_return(actor=district_user, plan=plan, reason="补充", version=seen)
    stage_plan_submit(actor=reviewer, committee=committee, period=period, text="第二稿")
    with pytest.raises(StaleEditError):  # a page opened before the return and the new filing
        stage_plan_accept(actor=district_user, plan=plan, version=seen)
    plan.refresh_from_db()
    assert (plan.status, plan.revision) == ("submitted", 2)
    draft = make_period()
    Period.objects.filter(pk=draft.pk).update(status="draft")
    with pytest.raises(DomainError, match="尚未开始"):
        stage_plan_submit(actor=reviewer, committee=committee, period=draft, text="方案")


def test_data_migration_gives_existing_stage_one_periods_the_seed_milestones():
    import importlib

    from django.apps import apps

    p = make_period()
    StageMilestone.objects.filter(period=p).delete()
    importlib.import_module("assessment.migrations.0009_stage_deadlines").seed_stage_one(apps, None)
    importlib.import_module("assessment.migrations.0009_stage_deadlines").seed_stage_one(apps, None)  # once only
    got = list(StageMilestone.objects.filter(period=p).values_list("measure", "due_on"))
    assert got == [(m, datetime.date(2016, 12, 31)) for m in StageMeasure.values]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("locked", [True, False])
def test_two_simultaneous_acceptances(locked, district, committee):
    """With the row lock, one of two simultaneous acceptances is refused; the control (lock
    skipped) shows the race: both read 'submitted' and both write an acceptance."""
    import threading

    from django.db import connections

    first, second = (grant(UserFactory(), district, Role.DISTRICT) for _ in range(2))
    reviewer = grant(UserFactory(), committee, Role.REVIEWER)
    plan = stage_plan_submit(actor=reviewer, committee=committee, period=make_period(), text="方案")
    barrier = threading.Barrier(2, timeout=5)
    results = []

    def run(user):
        def after_read():
            if not locked:
                barrier.wait()  # both have read the row before either writes

        try:
            stage_plan_accept(actor=user, plan=plan, _lock_row=locked, _after_read=after_read)
            results.append("ok")
        except DomainError as e:
            results.append(e.message)
        except threading.BrokenBarrierError:
            results.append("barrier")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = StagePlanEvent.objects.filter(plan=plan, code="review.stage_plan.accepted").count()
    if locked:
        assert results.count("ok") == 1 and any("不能再次审核" in r for r in results) and accepted == 1
    else:
        assert results == ["ok", "ok"] and accepted == 2


def test_a_decided_plan_offers_no_second_decision(client, reviewer, district_user, committee, period):
    """The accept/return page of a plan already decided says so instead of showing a form that
    can only be refused."""
    plan = stage_plan_submit(actor=reviewer, committee=committee, period=period, text="第一稿")
    stage_plan_accept(actor=district_user, plan=plan)
    client.force_login(district_user)
    for name in ("stage_plan_accept", "stage_plan_return"):
        page = client.get(reverse(name, args=[plan.pk])).content.decode()
        assert "这份实施方案已审核通过，不需要再审核。" in page and "<form data-confirm" not in page
