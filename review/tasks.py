from celery import shared_task


@shared_task(acks_late=True)
def bulk_export_task(job_id: int) -> int:
    """Every branch's score sheet of a period in one PDF (``review.exports``). Idempotent: a
    redelivered message for a finished job does nothing. A failure is shown on the job."""
    from review.exports import bulk_export_run
    from wujin_branch.jobs import TakenOver
    from wujin_branch.models import Job, JobStatus

    try:
        return bulk_export_run(job_id=job_id)
    except TakenOver:  # another worker took the job over from this one: it finishes it
        return 0
    except Exception as e:  # the page shows the failure instead of polling forever
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=f"导出失败：{e}"[:300])
        raise


@shared_task(acks_late=True)
def daily_reminders() -> dict:
    """The morning reminders (``review.reminders``): silent branches and coming deadlines.
    Idempotent: every reminder has a key, so a redelivery sends nothing twice."""
    from django.utils import timezone

    from review.reminders import daily_reminders as run

    return run(on=timezone.localdate())
