from celery import shared_task

from assessment import services
from wujin_branch.models import Job, JobStatus


def _guarded(job_id, fn):
    try:
        return fn(job_id=job_id)
    except Exception as e:  # the page shows the failure instead of polling forever
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=f"失败：{e}"[:300])
        raise


@shared_task(acks_late=True)
def period_open_task(job_id: int) -> int:
    """Idempotent: a redelivered message only fills what is missing."""
    return _guarded(job_id, services.period_open_run)


@shared_task(acks_late=True)
def suggestions_task(job_id: int) -> int:
    return _guarded(job_id, services.suggestions_job_run)
