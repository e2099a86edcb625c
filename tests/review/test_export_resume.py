"""A worker killed in the middle of a bulk export (issue 13): the job goes on from its last
stored part, the PDF has every sheet exactly once, and the progress page ends.

Real parts: a Redis of the test's own, Celery workers in subprocesses on the test database
(PostgreSQL), SIGKILL to the process doing the work."""

import io
import os
import signal
import time

import pypdf
import pytest
from django.urls import reverse

from assessment import sheets as assessment_sheets
from branches.models import Role
from review import exports
from tests.factories import UserFactory, grant, make_branch, make_committee
from tests.review.test_celery_worker import _make_period
from tests.workers import children, own_broker, start_worker, stop_worker, wait_for
from wujin_branch.models import Job, JobStatus, OutboxState, OutboxTask

pytestmark = [pytest.mark.real_celery, pytest.mark.django_db(transaction=True)]
SHEETS = 8
WORKER_ENV = {"BULK_EXPORT_CHUNK": "2", "JOB_TAKEOVER_AFTER": "2"}


@pytest.fixture
def own_redis(tmp_path, settings):
    from wujin_branch import fonts

    if not fonts.FACES[0].source.exists():
        pytest.skip(f"{fonts.FACES[0].source} is missing (apt-get install fonts-noto-cjk)")
    fonts.build()
    with own_broker(tmp_path, settings) as server:
        yield server


@pytest.fixture
def export(district):
    district_user = grant(UserFactory(), district, Role.DISTRICT)
    committee = make_committee("湖塘镇党委")
    names = [f"东街村第{i}党支部" for i in range(SHEETS)]
    for name in names:
        make_branch(committee, name=name)
    period = _make_period(district_user)
    return district_user, period, names


def _wait_done(job, workers, log, timeout=90):
    ok = wait_for(lambda: Job.objects.get(pk=job.pk).status in (JobStatus.DONE, JobStatus.FAILED), timeout, 0.3)
    job.refresh_from_db()
    assert ok and job.status == JobStatus.DONE, f"{job.status} {job.message!r}\n{log.read_text()[-4000:]}"


def _every_sheet_once(job, names):
    with job.result.open("rb") as f:
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(f.read())).pages)
    assert text.count(assessment_sheets.SHEET_TITLE) == SHEETS
    for name in names:
        assert text.count(name) >= 1, name
    return text


def _killed_midway(job):
    """Wait until a part is stored and more are to come."""
    def midway():
        j = Job.objects.get(pk=job.pk)
        return len(j.checkpoint.get("parts", [])) >= 1 and j.done < SHEETS

    assert wait_for(midway, 60, 0.05), Job.objects.filter(pk=job.pk).values().first()


def test_the_process_doing_the_export_is_killed_and_a_new_one_finishes_it(own_redis, export, tmp_path, client):
    district_user, period, names = export
    log = tmp_path / "worker.log"
    worker = start_worker(own_redis.url, log, pool="prefork", name="kill", env=WORKER_ENV)
    try:
        assert wait_for(lambda: children(worker.pid), 30), log.read_text()[-2000:]
        job = exports.bulk_export_start(actor=district_user, period=period)
        _killed_midway(job)
        [child] = children(worker.pid)
        os.kill(child, signal.SIGKILL)  # the pool's process doing the export dies at once
        _wait_done(job, worker, log)
        # the job is finished a moment before its task's outbox row is marked: stopping the
        # worker in between (its pool's processes get the signal too) would leave it running
        tasks = OutboxTask.objects.filter(task="review.tasks.bulk_export_task")
        assert wait_for(lambda: not tasks.filter(state=OutboxState.RUNNING).exists(), 30, 0.1), list(tasks.values())
    finally:
        stop_worker(worker)
    assert "WorkerLostError" in log.read_text() or "SIGKILL" in log.read_text()
    _every_sheet_once(job, names)
    assert job.done == job.total == SHEETS and job.checkpoint == {}
    [row] = OutboxTask.objects.filter(task="review.tasks.bulk_export_task")
    assert row.state == "done" and row.runs == 2  # the killed run, then the one that finished
    assert "中断后从第" in job.message  # the parts stored before the kill were not made again
    client.force_login(district_user)
    page = client.get(reverse("bulk_export_status", args=[job.pk])).content.decode()
    assert "hx-get" not in page and "下载全部评分表" in page  # the progress page ends


def test_a_whole_worker_killed_shows_interrupted_and_resume_goes_on(own_redis, export, tmp_path, client, settings):
    district_user, period, names = export
    settings.JOB_STALE_AFTER = 3
    log = tmp_path / "worker.log"
    worker = start_worker(own_redis.url, log, name="first", env=WORKER_ENV)
    try:
        job = exports.bulk_export_start(actor=district_user, period=period)
        _killed_midway(job)
    finally:
        stop_worker(worker, signal.SIGKILL)  # the worker and its message in flight: gone
    stored = len(Job.objects.get(pk=job.pk).checkpoint["parts"])

    client.force_login(district_user)
    status = reverse("bulk_export_status", args=[job.pk])
    assert "hx-get" in client.get(status).content.decode()  # still beating a moment ago
    time.sleep(settings.JOB_STALE_AFTER + 0.5)
    page = client.get(status).content.decode()
    assert "已中断" in page and "继续" in page and "hx-get" not in page  # no bar polling forever
    assert client.post(reverse("bulk_export", args=[period.pk])).status_code == 302  # a new export is not blocked …
    newer = exports.latest_export(period)
    assert newer.pk != job.pk
    Job.objects.filter(pk=newer.pk).delete()  # … but here the interrupted one is resumed instead
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, finished_at=None)

    r = client.post(reverse("bulk_export_resume", args=[job.pk]))
    assert r.status_code == 302
    worker = start_worker(own_redis.url, log, name="second", env=WORKER_ENV)
    try:
        _wait_done(job, worker, log)
    finally:
        stop_worker(worker)
    _every_sheet_once(job, names)
    assert f"中断后从第 {stored * 2 + 1} 份继续" in job.message  # the stored parts were not made again
