"""Long background jobs (``Job``): progress as JSON for scripts, or the htmx fragment that a
page polls. Apps decide who may see a job (the kernel knows no roles) and call ``job_response``.

A job's task ``claim``s it before working and ``beat``s on every step, storing how far it got
(``Job.checkpoint``). A worker killed mid-job leaves a job whose beat stops: the redelivered
message (``task_reject_on_worker_lost``), or a person pressing 继续 on a job shown 已中断
(``Job.interrupted``), starts a task that takes the job over once its runner has been silent for
``JOB_TAKEOVER_AFTER`` seconds and goes on from the checkpoint. While the runner still beats, a
second message for the job waits for it and does nothing.
"""

import datetime
import time
import uuid

from django.conf import settings
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from wujin_branch.models import Job, JobStatus

OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)


class TakenOver(Exception):
    """Another worker runs the job now: this one stops without touching it."""


def get_job(pk) -> Job | None:
    return Job.objects.filter(pk=pk).first()


def job_response(request, job: Job):
    if request.htmx:
        return render(request, "kernel/_job.html", {"job": job})
    return JsonResponse({"status": job.status, "status_label": job.get_status_display(), "done": job.done,
                         "total": job.total, "percent": job.percent, "message": job.message,
                         "interrupted": job.interrupted})  # fmt: skip


def claim(job_id, *, wait=True) -> str | None:
    """Become the job's runner; returns the runner's id, or None when the job is finished (or
    gone) or another runner keeps beating past the wait."""
    me = uuid.uuid4().hex
    grace = settings.JOB_TAKEOVER_AFTER
    deadline = time.monotonic() + 2 * grace + 5
    while True:
        now = timezone.now()
        free = Q(runner="") | Q(heartbeat_at=None) | Q(heartbeat_at__lt=now - datetime.timedelta(seconds=grace))
        taken = (
            Job.objects.filter(free, pk=job_id, status__in=OPEN)
            .update(runner=me, heartbeat_at=now, status=JobStatus.RUNNING)
        )
        if taken:
            return me
        status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status not in OPEN or not wait or time.monotonic() > deadline:
            return None
        time.sleep(1)


def beat(job_id, runner, **fields) -> None:
    """Record progress (``done``, ``message``, ``checkpoint``, ...) and the heartbeat; raises
    ``TakenOver`` when another runner has the job now."""
    if not Job.objects.filter(pk=job_id, runner=runner).update(heartbeat_at=timezone.now(), **fields):
        raise TakenOver(job_id)


def finish(job_id, runner, *, status=JobStatus.DONE, **fields) -> None:
    beat(job_id, runner, status=status, finished_at=timezone.now(), **fields)


def resume(job: Job, task) -> bool:
    """继续: queue the job's task again (it goes on from the checkpoint). Only a job that is
    interrupted; False otherwise (still beating, or finished)."""
    from wujin_branch import outbox

    job.refresh_from_db()
    if not job.interrupted:
        return False
    Job.objects.filter(pk=job.pk).update(message="已重新排队，将从中断处继续")
    outbox.enqueue(task, job.pk)
    return True
