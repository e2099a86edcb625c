"""Every Celery task's base class (``wujin_branch.celery``): an outbox row's work runs once.

Kept apart from ``wujin_branch.outbox`` so that Celery can load it before Django's apps are
ready: the models are imported when a task runs.
"""

import logging

from celery import Task as CeleryTask
from django.db.models import F
from django.utils import timezone

log = logging.getLogger("wujin_branch.outbox")
OUTBOX_KW = "_outbox"


class Task(CeleryTask):
    """Every task's base class: runs an outbox row's work once and marks the row."""

    typing = False  # the hidden ``_outbox`` keyword is not in the task's own signature

    def __call__(self, *args, **kwargs):
        pk = kwargs.pop(OUTBOX_KW, None)
        if pk is None:
            return super().__call__(*args, **kwargs)
        from wujin_branch.models import OutboxState, OutboxTask

        started = (
            OutboxTask.objects.filter(pk=pk)
            .exclude(state=OutboxState.DONE)
            .update(state=OutboxState.RUNNING, runs=F("runs") + 1)
        )
        if not started:
            log.info("outbox: %s (%s) already done, not run again", self.name, pk)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as e:
            OutboxTask.objects.filter(pk=pk).update(
                state=OutboxState.FAILED, done_at=timezone.now(), last_error=f"{type(e).__name__}: {e}"[:500]
            )
            raise
        OutboxTask.objects.filter(pk=pk).update(state=OutboxState.DONE, done_at=timezone.now(), last_error="")
        return result
