"""Background work in the same transaction as the change (issue 13): the outbox.

The eager tests run everywhere; the broker-outage test stops a Redis of its own and has a real
worker run what waited (PostgreSQL, like the worker tests)."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from ledgers.activities import services
from ledgers.activities.tasks import activity_check_integrity
from ledgers.models import Activity, FlagKind, IntegrityFlag
from tests.ledgers.test_activities import base_data, jpeg
from tests.workers import own_broker, start_worker, stop_worker, wait_for
from wujin_branch import outbox
from wujin_branch.models import OutboxState, OutboxTask
from wujin_branch.taskbase import OUTBOX_KW

CHECK = activity_check_integrity.name


@pytest.mark.django_db
def test_a_saved_record_writes_its_check_and_it_runs_once(branch, secretary, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={},
                                     photos=[jpeg()])  # fmt: skip
    [row] = OutboxTask.objects.filter(task=CHECK, args=[a.pk])
    assert row.state == OutboxState.DONE and row.runs == 1 and row.done_at is not None
    # the same message delivered again: the work is not done twice
    assert activity_check_integrity.apply(args=[a.pk], kwargs={OUTBOX_KW: row.pk}).result is None
    row.refresh_from_db()
    assert row.runs == 1


@pytest.mark.django_db
def test_a_key_names_work_done_once(branch):
    first = outbox.enqueue(activity_check_integrity, 1, key="check:1")
    again = outbox.enqueue(activity_check_integrity, 1, key="check:1")
    assert first.pk == again.pk and OutboxTask.objects.filter(key="check:1").count() == 1


@pytest.mark.django_db
def test_the_dispatcher_sends_what_waited_and_retries_failures_a_few_times(branch, secretary):
    a = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={})
    waiting = OutboxTask.objects.create(task=CHECK, args=[a.pk], key="waiting")
    assert outbox.dispatch()["sent"] == 0  # too fresh: the after-commit send is still expected
    OutboxTask.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=30))
    assert outbox.dispatch() == {"sent": 1, "waiting": 1}  # the record's own check is still fresh
    waiting.refresh_from_db()
    assert waiting.state == OutboxState.DONE and waiting.attempts == 1
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    OutboxTask.objects.create(task=CHECK, args=[a.pk], key="failed", state=OutboxState.FAILED, runs=1,
                              done_at=long_ago)  # fmt: skip
    OutboxTask.objects.create(task=CHECK, args=[a.pk], key="given-up", state=OutboxState.FAILED,
                              runs=outbox.MAX_RUNS, done_at=long_ago)  # fmt: skip
    assert outbox.dispatch()["sent"] == 1
    assert OutboxTask.objects.get(key="failed").state == OutboxState.DONE
    assert OutboxTask.objects.get(key="given-up").state == OutboxState.FAILED  # left for a person


@pytest.mark.django_db
def test_done_rows_are_forgotten_after_a_week():
    old = timezone.now() - datetime.timedelta(days=8)
    OutboxTask.objects.create(task=CHECK, key="old", state=OutboxState.DONE, done_at=old)
    OutboxTask.objects.create(task=CHECK, key="old-failed", state=OutboxState.FAILED, done_at=old)
    OutboxTask.objects.create(task=CHECK, key="new", state=OutboxState.DONE, done_at=timezone.now())
    assert outbox.tidy() == 1
    assert set(OutboxTask.objects.values_list("key", flat=True)) == {"old-failed", "new"}


@pytest.fixture
def own_redis(tmp_path, settings):
    settings.LEDGER_PDF_PREBUILD = False  # the integrity check is the work looked at here
    with own_broker(tmp_path, settings) as server:
        yield server


@pytest.mark.real_celery
@pytest.mark.django_db(transaction=True)
def test_a_record_saved_while_the_broker_is_down_is_checked_once_it_is_back(client, own_redis, tmp_path,
                                                                           branch, secretary):  # fmt: skip
    from tests.factories import MemberFactory

    for _ in range(3):
        MemberFactory(branch=branch)
    earlier = services.activity_create(actor=secretary, branch=branch, data=base_data(), attendance={},
                                       photos=[jpeg()])  # fmt: skip
    own_redis.stop()  # the broker goes away

    client.force_login(secretary)
    post = {**base_data(topic="另一次会议", content="讨论冬季慰问困难党员的安排。",
                        held_on=timezone.localdate() - datetime.timedelta(days=5)), "photos": [jpeg()]}  # fmt: skip
    post["held_on"] = post["held_on"].isoformat()
    started = time.monotonic()
    r = client.post(reverse("activity_new", args=[branch.pk]) + "?type=committee", post)
    elapsed = time.monotonic() - started
    assert r.status_code == 302, r.content.decode()[:500]
    assert elapsed < 3, f"the save waited {elapsed:.1f} s for the broker"
    new = Activity.objects.exclude(pk=earlier.pk).get()
    [row] = OutboxTask.objects.filter(task=CHECK, args=[new.pk])
    assert row.state == OutboxState.PENDING and row.last_error
    assert not IntegrityFlag.objects.filter(activity=new).exists()

    # Back, and empty: the earlier record's check, sent before the outage, was lost with the
    # queue. The worker's start sends what waited, and again what was sent but never finished
    # (after ``RESEND_AFTER``: the clock is moved instead of waiting half an hour).
    own_redis.start()
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    OutboxTask.objects.update(created_at=an_hour_ago)
    OutboxTask.objects.exclude(sent_at=None).update(sent_at=an_hour_ago)
    log = tmp_path / "worker.log"
    worker = start_worker(own_redis.url, log)
    try:
        done = wait_for(lambda: not OutboxTask.objects.exclude(state=OutboxState.DONE).exists(), 60)
        assert done, f"rows left: {list(OutboxTask.objects.values_list('task', 'state'))}\n{log.read_text()[-3000:]}"
        row.refresh_from_db()
        assert row.runs == 1 and OutboxTask.objects.get(task=CHECK, args=[earlier.pk]).runs == 1
        flags = IntegrityFlag.objects.filter(activity=new, kind=FlagKind.REUSED_PHOTO, other_activity=earlier)
        assert flags.count() == 1
        # delivered again: the worker does not do it twice
        activity_check_integrity.apply_async(args=[new.pk], kwargs={OUTBOX_KW: row.pk})
        assert wait_for(lambda: "already done" in log.read_text(), 20), log.read_text()[-2000:]
        row.refresh_from_db()
        assert row.runs == 1 and flags.count() == 1
    finally:
        stop_worker(worker)


@pytest.mark.django_db
def test_an_interrupted_period_opening_is_shown_so_and_resumed(client, district_user, branch,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    from assessment.models import Assessment
    from tests.review.test_workflow import make_period
    from wujin_branch.models import Job, JobStatus

    period = make_period(district_user)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=district_user,
                             status=JobStatus.RUNNING, heartbeat_at=long_ago, done=1, total=4)  # fmt: skip
    Job.objects.filter(pk=job.pk).update(created_at=long_ago)
    client.force_login(district_user)
    page = client.get(reverse("period_detail", args=[period.pk])).content.decode()
    assert "已中断" in page and "继续" in page and "hx-get" not in page.split('id="job"')[1].split(">")[0]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("job_resume", args=[job.pk]))
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and Assessment.objects.filter(period=period, branch=branch).exists()
    assert client.post(reverse("job_resume", args=[job.pk])).status_code == 302  # nothing to resume: said so


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["secretary", "reviewer"])
def test_only_district_staff_resume_jobs(client, request, role, district_user):
    from wujin_branch.models import Job, JobStatus

    long_ago = timezone.now() - datetime.timedelta(hours=1)
    jobs = [
        Job.objects.create(kind=kind, params={"period_id": 1, "period": 1}, created_by=district_user,
                           status=JobStatus.RUNNING, heartbeat_at=long_ago)  # fmt: skip
        for kind in ("period_open", "bulk_export")
    ]
    client.force_login(request.getfixturevalue(role))
    assert client.post(reverse("job_resume", args=[jobs[0].pk])).status_code == 404
    assert client.post(reverse("bulk_export_resume", args=[jobs[1].pk])).status_code == 404
    assert not OutboxTask.objects.exists()
