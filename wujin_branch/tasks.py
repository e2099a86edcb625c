from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from wujin_branch.models import FormSubmission, Notice

TOKENS_KEPT_DAYS = 2


@shared_task(acks_late=True)
def mail_notices(notice_ids):
    """Mail each notice to its user if they have an address. Redelivery may mail twice;
    a notice is informational, so that is accepted rather than tracking sends."""
    messages = [
        EmailMessage(
            n.title,
            n.body + (f"\n\n{settings.SITE_URL}{n.url}" if n.url else ""),
            settings.DEFAULT_FROM_EMAIL,
            [n.user.email],
        )  # fmt: skip
        for n in Notice.objects.filter(pk__in=notice_ids).select_related("user")
        if n.user.email
    ]
    if not messages:
        return 0
    with get_connection(fail_silently=False) as connection:  # one SMTP session for a morning's reminders
        return connection.send_messages(messages) or 0


@shared_task
def tidy():
    """Daily: forget one-time form tokens after two days, and photos kept for a form that was
    never saved after one (``wujin_branch.uploads``)."""
    import datetime

    from django.utils import timezone

    from wujin_branch import outbox, uploads

    cutoff = timezone.now() - datetime.timedelta(days=TOKENS_KEPT_DAYS)
    tokens, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return {"tokens": tokens, "uploads": uploads.tidy(), "outbox": outbox.tidy()}


@shared_task(ignore_result=True)
def outbox_dispatch():
    """Every minute (beat): send the background work that waits in the outbox."""
    from wujin_branch import outbox

    return outbox.dispatch()
