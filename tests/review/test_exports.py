"""Score sheet PDF, committee declaration PDF and the district's bulk export (eager Celery).

The sheets are read back with pypdf: the text holds the names, the rubric, the numbers as
printed and the result. The real worker against Redis is in test_celery_worker.py.
"""

import datetime
import io
import os
import re
from decimal import Decimal
from urllib.parse import quote

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment import sheets as assessment_sheets
from assessment.models import Assessment, ItemScore, RubricVersion, Veto, VetoKind, VetoSource
from assessment.models import AssessmentStatus as S
from assessment.services import period_create, period_open_run
from branches.models import Role, RoleAssignment
from review import exports, pdf, services
from review.tasks import bulk_export_task
from tests.factories import UserFactory, grant, make_branch, without_vetoes
from wujin_branch.models import Job, JobStatus

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def pdf_font():
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        message = f"{fonts.FACES[0].source} is missing — install it with `sudo apt-get install fonts-noto-cjk`."
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    fonts.build()
    return fonts.built_faces()


@pytest.fixture
def eager_celery(settings):
    """Run queued tasks in-process, whatever REDIS_URL says (CI sets it for the whole suite)."""
    from wujin_branch.celery import app

    old = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = old


def make_period(actor, year=None):
    year = year or datetime.date.today().year - 1
    return period_create(
        actor=actor, name=f"{year}年度考核", year=year, stage=2, window_start=datetime.date(year, 1, 1),
        window_end=datetime.date(year, 12, 31), self_deadline=datetime.date(year + 1, 1, 15),
        committee_deadline=datetime.date(year + 1, 1, 31), district_deadline=datetime.date(year + 1, 2, 28),
        pass_line=D("85"), notice_days=5, rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip


def open_period(actor, period):
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    period_open_run(job_id=job.pk)
    # The detection finds no special fund anywhere; these tests add the vetoes they need.
    Veto.objects.filter(assessment__period=period).delete()
    Assessment.objects.filter(period=period).update(has_veto=False)


@pytest.fixture
def world(district_user, reviewer, secretary, branch, other_branch):
    period = make_period(district_user)
    open_period(district_user, period)
    return {
        "period": period,
        "a": Assessment.objects.get(period=period, branch=branch),
        "other": Assessment.objects.get(period=period, branch=other_branch),
    }


def set_column(a, column, total):
    """Every item at full points, then points taken from the last items until the capped total
    is ``total`` (活动开展有序 stays at 32 raw → 30 capped). Returns the scores by item code."""
    scores = list(
        ItemScore.objects.filter(assessment=a).select_related("item").order_by("-item__section__order", "-item__order")
    )
    for s in scores:
        setattr(s, column, s.item.points)
    take = D("100") - D(total)
    for s in scores:
        if not take:
            break
        cut = min(s.item.points, take)
        setattr(s, column, s.item.points - cut)
        take -= cut
    ItemScore.objects.bulk_update(scores, [column])
    field = {"self_score": "self_total", "committee_score": "committee_total", "district_score": "district_total"}
    Assessment.objects.filter(pk=a.pk).update(**{field[column]: D(total)})
    return {s.item.code: getattr(s, column) for s in scores}


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def flat(text: str) -> str:
    """Runs of white space as one space: numbers in a row stay apart."""
    return re.sub(r"\s+", " ", text)


def tight(text: str) -> str:
    """No white space: words wrapped inside a narrow cell read whole."""
    return re.sub(r"\s+", "", text)


def veto(a, detail="书记于3月调离，尚未补选"):
    kind = VetoKind.objects.get(code="secretary_vacant")
    Veto.objects.create(assessment=a, kind=kind, source=VetoSource.ENTERED, detail=detail)
    Assessment.objects.filter(pk=a.pk).update(has_veto=True)


# ---------------------------------------------------------------- score sheet


@pytest.mark.parametrize(
    "total,vetoed,status,result",
    [
        ("84.5", False, S.NOT_PASSED, "不合格（考核分84.5分，低于合格分数线85分）"),
        # fully scored by the district but not yet accepted: not a result yet (it printed 合格)
        ("85", False, S.DECLARED, "未评定（区委组织部尚未验收评定"),
        ("85", False, S.ACCEPTED, "拟定合格（考核分85分，无一票否决情形，验收通过，待公示）"),
        ("85", False, S.PUBLISHED, "拟定合格（公示中）（考核分85分，无一票否决情形，公示期满无异议后确认为合格支部）"),
        ("85", False, S.CONFIRMED, "合格（考核分85分，无一票否决情形，经公示无异议，确认为合格支部）"),
        ("100", True, S.NOT_PASSED, "不合格（一票否决：党支部书记缺职：书记于3月调离，尚未补选）"),
    ],
)
def test_sheet_pdf_numbers_and_result(client, world, secretary, total, vetoed, status, result, pdf_font):
    """考核结果 follows the review: 合格 only once confirmed (a 合格支部), 拟定合格 when accepted,
    拟定合格（公示中） while published, 不合格 with its reason."""
    a = world["a"]
    set_column(a, "self_score", "100")
    set_column(a, "committee_score", "95")
    district_scores = set_column(a, "district_score", total)
    Assessment.objects.filter(pk=a.pk).update(status=status)
    if vetoed:
        veto(a)
    client.force_login(secretary)
    response = client.get(reverse("score_sheet_pdf", args=[a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = f"东街村党支部-{a.period.name}-评分表.pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"filename*=utf-8''{quote(filename)}" in response["Content-Disposition"]
    text, pages = pdf_text(response.content)
    assert 1 <= pages <= 3
    line, words = flat(text), tight(text)
    for needle in (assessment_sheets.SHEET_TITLE, "东街村党支部", "湖塘镇党委", a.period.name, "活动开展有序",
                   "考核标准",
                   "自评分", "党(工)委评分", "考核分", "支部书记签字", "党(工)委审核意见及盖章",
                   "区委组织部验收意见"):  # fmt: skip
        assert needle in words, needle
    # the cap of 活动开展有序: items 32, section 30
    assert "本项各条分值合计32分，超过本项满分30分，小计按30分封顶" in words
    assert "（合计32）" in line  # the self column's raw sum where it was cut
    # total row: declared 100, self 100, committee 95, district as set
    assert f"总分 100 100 95 {total}" in line
    # the last item lost points first: its row shows the district score as printed
    last = district_scores["28"]
    assert re.search(rf"28\. 做好党员联系服务群众台帐.*? 5 5 \S+ {last.normalize():f}", line), last
    assert f"考核结果：{result}" in words
    if vetoed:
        assert "一票否决情形：1.党支部书记缺职：书记于3月调离，尚未补选" in words
    else:
        assert "一票否决情形：无" in words
    # the assessment page says the same
    html = client.get(reverse("assessment_view", args=[a.pk])).content.decode()
    verdict = "拟定合格（公示中）" if status == S.PUBLISHED else result.split("（")[0]
    reason = result[len(verdict) + 1 :].removesuffix("）")
    assert f">{verdict}</span>" in html and f"（{reason}" in tight(html)


def test_sheet_not_rated_until_every_district_score(world, pdf_font):
    a = world["a"]
    set_column(a, "self_score", "90")
    content, _ = pdf.score_sheet_pdf(a)
    line = flat(pdf_text(content)[0])
    assert "考核结果：未评定" in line and "总分 100 90" in line
    assert "合格须达到85分且无一票否决情形，并经公示无异议" in tight(line)


def test_sheet_roles(client, world, secretary, reviewer, district_user, other_secretary, other_committee, pdf_font):
    a = world["a"]
    url = reverse("score_sheet_pdf", args=[a.pk])
    for user in (secretary, reviewer, district_user):
        client.force_login(user)
        assert client.get(url).status_code == 200, user
    stranger = grant(UserFactory(), other_committee, Role.REVIEWER)
    for user in (other_secretary, stranger):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(district_user)
    assert client.get(reverse("score_sheet_pdf", args=[a.pk + 10_000])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_sheet_data_in_fixed_queries(world, committee, district_user):
    """Six queries however many sheets: assessments, scores, vetoes, committee names, rubric (2)."""
    for i in range(4):
        make_branch(committee, name=f"湖塘第{i}支部")
    open_period(district_user, world["period"])
    ids = list(Assessment.objects.filter(period=world["period"]).values_list("pk", flat=True))
    veto(Assessment.objects.get(pk=ids[-1]))
    with CaptureQueriesContext(connection) as one:
        assessment_sheets.score_sheets(ids[:1])
    with CaptureQueriesContext(connection) as many:
        sheets = assessment_sheets.score_sheets(ids)
    assert len(one.captured_queries) == len(many.captured_queries) == 6
    with CaptureQueriesContext(connection) as html:
        for s in sheets:
            pdf.sheet_html(s)
    assert len(html.captured_queries) == 0
    assert [s.committee_name for s in sheets].count("湖塘镇党委") == 5
    assert sum(1 for s in sheets if s.vetoes) == 1


# ---------------------------------------------------------------- declaration


@pytest.fixture
def declaration(world, secretary, reviewer, committee, district_user):
    from assessment.services import self_scores_save

    second = make_branch(committee, name="南村党支部")
    open_period(district_user, world["period"])
    for b in (world["a"].branch, second):  # the committee judges the vetoes again when it recommends
        without_vetoes(b, world["period"].year)
    second_sec = grant(UserFactory(), second, Role.SECRETARY)
    declared = []
    for a, sec in (
        (world["a"], secretary),
        (Assessment.objects.get(period=world["period"], branch=second), second_sec),
    ):
        scores = list(
            ItemScore.objects.filter(assessment=a)
            .select_related("item")
            .order_by("item__section__order", "item__order")
        )
        rows = {s.item_id: (str(s.item.points), "") for s in scores}
        a = self_scores_save(actor=sec, assessment=a, version=a.version, rows=rows)
        a = services.submit(actor=sec, assessment=a)
        first = scores[0].item_id  # item 1, 2 points
        a = services.committee_scores_save(actor=reviewer, assessment=a, version=a.version,
                                           rows={**rows, first: ("0", "扣分")})  # fmt: skip
        declared.append(services.committee_decide(actor=reviewer, assessment=a, recommend=True))
    Assessment.objects.filter(pk=declared[1].pk).update(has_veto=True)
    return services.declaration_submit(actor=reviewer, committee=committee, period=world["period"],
                                       assessments=declared, note="经党委会研究，同意申报。")  # fmt: skip


def test_declaration_pdf(client, declaration, reviewer, district_user, pdf_font):
    url = reverse("declaration_pdf", args=[declaration.pk])
    client.force_login(reviewer)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    filename = f"湖塘镇党委-{declaration.period.name}-申报表.pdf"
    assert f"filename*=utf-8''{quote(filename)}" in response["Content-Disposition"]
    text = pdf_text(response.content)[0]
    line = flat(text)
    for needle in ("湖塘镇党委", declaration.period.name, "东街村党支部", "南村党支部", "经党委会研究，同意申报。",
                   "党(工)委负责人签字", "申报支部数2个"):  # fmt: skip
        assert needle in tight(text), needle
    # self 100 (capped), committee 100 minus the first item (2 points)
    assert "东街村党支部 100 98 否" in line and "南村党支部 100 98 是" in line
    client.force_login(district_user)
    assert client.get(url).status_code == 200


def test_declaration_pdf_refused(client, declaration, secretary, other_committee):
    url = reverse("declaration_pdf", args=[declaration.pk])
    stranger = grant(UserFactory(), other_committee, Role.REVIEWER)
    for user in (stranger, secretary):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(stranger)
    assert client.get(reverse("declaration_pdf", args=[declaration.pk + 10_000])).status_code == 404


# ---------------------------------------------------------------- bulk export


def test_bulk_export_only_for_district(client, world, reviewer, secretary):
    period = world["period"]
    for user in (reviewer, secretary):
        client.force_login(user)
        assert client.get(reverse("bulk_export", args=[period.pk])).status_code == 404
        assert client.post(reverse("bulk_export", args=[period.pk])).status_code == 404
    assert not Job.objects.filter(kind=exports.KIND).exists()


def test_bulk_export_eager(client, world, committee, district_user, reviewer, eager_celery, pdf_font,
                           django_capture_on_commit_callbacks):  # fmt: skip
    period = world["period"]
    for i in range(3):
        make_branch(committee, name=f"湖塘第{i}支部")
    open_period(district_user, period)
    n = Assessment.objects.filter(period=period).count()
    assert n == 5
    set_column(world["a"], "district_score", "84.5")
    client.force_login(district_user)
    page = client.get(reverse("bulk_export", args=[period.pk]))
    assert page.status_code == 200 and "开始生成" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("bulk_export", args=[period.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    job = Job.objects.get(kind=exports.KIND)
    assert job.status == JobStatus.DONE and job.done == job.total == n and job.percent == 100
    assert job.result.name.endswith(".pdf")
    # the page (and its polled partial) now offers the download
    page = client.get(reverse("bulk_export", args=[period.pk])).content.decode()
    assert reverse("bulk_export_download", args=[job.pk]) in page
    partial = client.get(reverse("bulk_export_status", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("bulk_export_download", args=[job.pk]) in partial and "hx-get" not in partial
    download = client.get(reverse("bulk_export_download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert quote(f"{period.name}-全部支部评分表.pdf") in download["Content-Disposition"]
    text, pages = pdf_text(b"".join(download.streaming_content))
    assert pages >= n
    assert text.count(assessment_sheets.SHEET_TITLE) == n
    for name in ("东街村党支部", "西庄村党支部", "湖塘第0支部", "湖塘第2支部"):
        assert name in text
    assert "84.5" in text
    # the download checks the user again
    client.force_login(reviewer)
    assert client.get(reverse("bulk_export_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("bulk_export_status", args=[job.pk])).status_code == 404


def test_bulk_export_task_is_idempotent(world, district_user, eager_celery, pdf_font):
    job = exports.bulk_export_start(actor=district_user, period=world["period"])
    # a second click while it is queued returns the same job
    assert exports.bulk_export_start(actor=district_user, period=world["period"]).pk == job.pk
    assert bulk_export_task.delay(job.pk).get() == 2
    job.refresh_from_db()
    first = (job.result.name, job.finished_at, job.message)
    assert job.status == JobStatus.DONE
    # a redelivered message finds the job done and changes nothing
    assert bulk_export_task.delay(job.pk).get() == 2
    job.refresh_from_db()
    assert (job.result.name, job.finished_at, job.message) == first
    # a new click after it finished starts a new export
    assert exports.bulk_export_start(actor=district_user, period=world["period"]).pk != job.pk


def test_bulk_export_rechecks_the_creator(world, district_user, eager_celery):
    job = exports.bulk_export_start(actor=district_user, period=world["period"])
    RoleAssignment.objects.filter(user=district_user).delete()
    assert bulk_export_task.delay(job.pk).get() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "不是区委组织部" in job.message and not job.result


def test_bulk_export_refused_to_others_in_the_service(world, reviewer):
    from wujin_branch.errors import DomainError

    with pytest.raises(DomainError, match="区委组织部"):
        exports.bulk_export_start(actor=reviewer, period=world["period"])
