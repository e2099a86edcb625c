from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from .models import Notice


@shared_task(acks_late=True)
def mail_notices(notice_ids):
    """Mail each notice to its user if they have an address. Redelivery may mail twice;
    a notice is informational, so that is accepted rather than tracking sends."""
    sent = 0
    for n in Notice.objects.filter(pk__in=notice_ids).select_related("user"):
        if n.user.email:
            body = n.body + (f"\n\n{settings.SITE_URL}{n.url}" if n.url else "")
            send_mail(n.title, body, settings.DEFAULT_FROM_EMAIL, [n.user.email], fail_silently=False)
            sent += 1
    return sent
