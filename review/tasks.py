from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .models import Notice


@shared_task(acks_late=True)
def mail_notices(notice_ids):
    """Mail each notice to its user if they have an address. Redelivery may mail twice;
    a notice is informational, so that is accepted rather than tracking sends."""
    messages = [
        EmailMessage(n.title, n.body + (f"\n\n{settings.SITE_URL}{n.url}" if n.url else ""),
                     settings.DEFAULT_FROM_EMAIL, [n.user.email])  # fmt: skip
        for n in Notice.objects.filter(pk__in=notice_ids).select_related("user")
        if n.user.email
    ]
    if not messages:
        return 0
    with get_connection(fail_silently=False) as connection:  # one SMTP session for a morning's reminders
        return connection.send_messages(messages) or 0


@shared_task(acks_late=True)
def bulk_export_task(job_id: int) -> int:
    """Every branch's score sheet of a period in one PDF (``review.exports``). Idempotent: a
    redelivered message for a finished job does nothing. A failure is shown on the job."""
    from assessment.models import Job, JobStatus

    from .exports import bulk_export_run

    try:
        return bulk_export_run(job_id=job_id)
    except Exception as e:  # the page shows the failure instead of polling forever
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=f"导出失败：{e}"[:300])
        raise


@shared_task(acks_late=True)
def daily_reminders() -> dict:
    """The morning reminders (``review.reminders``): silent branches and coming deadlines.
    Idempotent: every reminder has a key, so a redelivery sends nothing twice."""
    from django.utils import timezone

    from .reminders import daily_reminders as run

    return run(on=timezone.localdate())
