"""Integration: the bulk export and the ledger PDF built ahead, through a REAL Celery worker and Redis.

The worker runs in a subprocess against a redis-server the test starts on a free port (under
CI=true a missing redis-server is a failure, not a skip) and connects to the test database (the
test's data is committed: ``transaction=True``). Worker and Redis are always stopped.
"""

import datetime
import io
import time
from decimal import Decimal

import pypdf
import pytest
from django.db import connection, transaction

from assessment import sheets as assessment_sheets
from assessment.models import Assessment, RubricVersion, Veto
from assessment.services import period_create, period_open_run
from branches.models import Role
from ledgers.activities.services import activity_create
from ledgers.books import life, pdfs
from ledgers.models import ActivityType
from review import exports
from tests.factories import MemberFactory, UserFactory, grant, make_branch, make_committee
from tests.workers import children, own_broker, skip_or_fail, start_worker, stop_worker
from wujin_branch.models import Job, JobStatus
from wujin_branch.storage import private_storage

TIMEOUT = 60  # seconds for the worker to start and make the PDF


@pytest.fixture
def broker(settings, tmp_path):
    """The test process sends to the worker's Redis, really (not eagerly): a redis-server of the
    test's own (``tests.workers.own_broker``), stopped by its PID afterwards."""
    if connection.vendor != "postgresql":
        skip_or_fail("the worker must share the test database: run with DATABASE_URL=postgres://…")
    with own_broker(tmp_path, settings, results=True) as server:
        yield server.url


@pytest.fixture
def worker(broker, tmp_path):
    """A Celery worker subprocess on the test database and the test's MEDIA_ROOT (``tests.workers``)."""
    log = tmp_path / "worker.log"
    proc = start_worker(broker, log, name="export-test")
    try:
        yield proc, log
    finally:
        stop_worker(proc)  # warm shutdown of the worker and any child, then SIGKILL


def _make_period(actor):
    year = datetime.date.today().year - 1
    period = period_create(
        actor=actor, name=f"{year}年度考核", year=year, stage=2, window_start=datetime.date(year, 1, 1),
        window_end=datetime.date(year, 12, 31), self_deadline=datetime.date(year + 1, 1, 15),
        committee_deadline=datetime.date(year + 1, 1, 31), district_deadline=datetime.date(year + 1, 2, 28),
        pass_line=Decimal("85"), notice_days=5, rubric=RubricVersion.objects.get(code="2016"),
    )  # fmt: skip
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    period_open_run(job_id=job.pk)
    Veto.objects.filter(assessment__period=period).delete()
    Assessment.objects.filter(period=period).update(has_veto=False)
    return period


@pytest.mark.real_celery
@pytest.mark.django_db(transaction=True)
def test_bulk_export_through_a_real_worker(worker, district):
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        skip_or_fail(f"{fonts.FACES[0].source} is missing (apt-get install fonts-noto-cjk)")
    fonts.build()
    proc, log = worker
    district_user = grant(UserFactory(), district, Role.DISTRICT)
    committee = make_committee("湖塘镇党委")
    names = [f"东街村第{i}党支部" for i in range(3)]
    for name in names:
        make_branch(committee, name=name)
    period = _make_period(district_user)

    job = exports.bulk_export_start(actor=district_user, period=period)  # queued on commit, sent to Redis
    job.refresh_from_db()
    assert job.status != JobStatus.DONE  # not run eagerly in this process
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (JobStatus.DONE, JobStatus.FAILED) or proc.poll() is not None:
            break
        time.sleep(0.5)
    output = log.read_text(errors="replace")[-3000:]
    assert proc.poll() is None, f"the worker exited ({proc.returncode}):\n{output}"
    assert job.status == JobStatus.DONE, f"job {job.status} {job.message!r} after {TIMEOUT} s; worker log:\n{output}"
    assert job.done == job.total == 3
    with job.result.open("rb") as f:
        reader = pypdf.PdfReader(io.BytesIO(f.read()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 3
    assert text.count(assessment_sheets.SHEET_TITLE) == 3
    for name in names:
        assert name in text


@pytest.mark.real_celery
@pytest.mark.django_db(transaction=True)
def test_saving_a_record_has_the_worker_build_the_ledger_pdf(worker, settings):
    """activity_create → on commit a task is sent → the worker lays out the year's 台账 and
    stores it; the download then finds exactly that file (same HTML key)."""
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        skip_or_fail(f"{fonts.FACES[0].source} is missing (apt-get install fonts-noto-cjk)")
    fonts.build()
    settings.LEDGER_PDF_DELAY = 0
    proc, log = worker
    branch = make_branch(make_committee("湖塘镇党委"), name="东街村党支部")
    secretary = grant(UserFactory(), branch, Role.SECRETARY)
    for name in ("张伟", "王芳", "李娜"):
        MemberFactory(branch=branch, name=name)
    year = datetime.date.today().year - 1
    activity_create(actor=secretary, branch=branch, attendance={}, data={
        "type": ActivityType.COMMITTEE, "held_on": datetime.date(year, 3, 5), "start_time": datetime.time(9, 30),
        "place": "村党群服务中心", "form": "offline", "host": "张伟", "recorder": "王芳",
        "topic": "研究年度工作计划", "content": "讨论通过年度工作计划。", "decisions": "按计划推进。",
    })  # fmt: skip
    folder = f"{pdfs.CACHE_DIR}/life/{branch.pk}/{year}"

    def stored():  # listed through the storage: the worker may write to a bucket
        try:
            return [f"{folder}/{n}" for n in private_storage.listdir(folder)[1] if n.endswith(".pdf")]
        except FileNotFoundError:
            return []

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not stored() and proc.poll() is None:
        time.sleep(0.5)
    output = log.read_text(errors="replace")[-3000:]
    assert proc.poll() is None, f"the worker exited ({proc.returncode}):\n{output}"
    names = stored()
    assert len(names) == 1, f"no ledger PDF after {TIMEOUT} s; worker log:\n{output}"
    html = life.ledger_html_for_pdf(life.life_ledger(branch, year))
    assert names[0] == pdfs.stored_name("life", branch.pk, year, html)  # made from what the download would render
    with private_storage.open(names[0], "rb") as f:
        content = f.read()
    assert pdfs.stored_pdf("life", branch.pk, year, html) == content
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "研究年度工作计划" in text and "东街村党支部" in text


@pytest.mark.real_celery
@pytest.mark.django_db(transaction=True)
def test_a_member_change_has_the_worker_build_the_masked_member_ledger(worker, settings):
    """member_update → one outbox task on the pdf queue → the worker stores the 党员信息台账 with
    masked identity numbers; the download then serves exactly that file."""
    from branches.services import member_update
    from ledgers.books import members as member_ledgers
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        skip_or_fail(f"{fonts.FACES[0].source} is missing (apt-get install fonts-noto-cjk)")
    fonts.build()
    settings.LEDGER_PDF_DELAY = 1
    proc, log = worker
    branch = make_branch(make_committee("湖塘镇党委"), name="东街村党支部")
    secretary = grant(UserFactory(), branch, Role.SECRETARY)
    m = MemberFactory(branch=branch, name="张伟")
    member_update(actor=secretary, member=m, version=m.version, name="张卫国")
    year = datetime.date.today().year
    folder = f"{pdfs.CACHE_DIR}/{member_ledgers.PDF_KIND}/{branch.pk}/{year}"

    def stored():
        try:
            return [f"{folder}/{n}" for n in private_storage.listdir(folder)[1] if n.endswith(".pdf")]
        except FileNotFoundError:
            return []

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and not stored() and proc.poll() is None:
        time.sleep(0.5)
    output = log.read_text(errors="replace")[-3000:]
    assert proc.poll() is None, f"the worker exited ({proc.returncode}):\n{output}"
    names = stored()
    assert len(names) == 1, f"no member ledger PDF after {TIMEOUT} s; worker log:\n{output}"
    with private_storage.open(names[0], "rb") as f:
        content = f.read()
    assert member_ledgers.member_ledger_pdf(branch, year, user=secretary) == content  # the download serves it
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "张卫国" in text and m.id_number_masked in text.replace(" ", "") and m.id_number not in text


@pytest.mark.real_celery
@pytest.mark.django_db(transaction=True)
def test_a_prefork_worker_lays_out_the_ledger_parts_in_processes_of_its_own(broker, tmp_path, settings, secretary,
                                                                            branch):  # fmt: skip
    """A prefork pool process is daemonic to billiard; it still forks the layout processes
    (``wujin_branch.pdf_processes``): three parts (front, March, May) laid out by two
    grandchildren of the worker, the book stored and complete."""
    import re

    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        skip_or_fail(f"{fonts.FACES[0].source} is missing (apt-get install fonts-noto-cjk)")
    fonts.build()
    settings.LEDGER_PDF_DELAY = 0
    log = tmp_path / "worker.log"
    proc = start_worker(broker, log, pool="prefork", name="pdf-prefork", env={"LEDGER_PDF_PROCESSES": "2"})
    try:
        year = datetime.date.today().year - 1
        with transaction.atomic():  # both records there when the tasks are sent
            for month, topic in ((3, "研究年度工作计划"), (5, "学习党章党规")):
                activity_create(actor=secretary, branch=branch, attendance={}, data={
                    "type": ActivityType.COMMITTEE, "held_on": datetime.date(year, month, 5), "place": "村党群服务中心",
                    "form": "offline", "host": "张伟", "recorder": "王芳", "topic": topic, "content": "讨论通过。",
                })  # fmt: skip
        folder = f"{pdfs.CACHE_DIR}/life/{branch.pk}/{year}"
        deadline = time.monotonic() + TIMEOUT
        pool, names = set(), []
        while time.monotonic() < deadline and not names and proc.poll() is None:
            pool |= set(children(proc.pid))
            try:
                names = [f"{folder}/{n}" for n in private_storage.listdir(folder)[1] if n.endswith(".pdf")]
            except FileNotFoundError:
                pass
            time.sleep(0.3)
        output = log.read_text(errors="replace")
        assert proc.poll() is None, f"the worker exited ({proc.returncode}):\n{output[-3000:]}"
        assert names, f"no ledger PDF after {TIMEOUT} s; worker log:\n{output[-3000:]}"
        with private_storage.open(names[0], "rb") as f:
            content = f.read()
    finally:
        stop_worker(proc)
    laid_out = re.findall(r"laid out 3 documents in 2 processes \[([\d, ]+)\]", output)
    assert laid_out, output[-3000:]
    pids = {int(pid) for pid in laid_out[-1].split(", ")}
    assert pool and not pids & (pool | {proc.pid})  # neither the worker nor its pool process
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "研究年度工作计划" in text and "学习党章党规" in text
