"""Background work in the same transaction as the change that causes it (an outbox).

``enqueue(task, *args)`` writes an ``OutboxTask`` row in the current transaction and sends it to
the broker once that transaction commits. A saved record therefore never loses its integrity
check, ledger PDF or notice mail to a broker outage, and the request never waits for the broker
for more than about a second (``retry=False`` and the short connect time-outs in settings): the
row simply stays 待发送. ``dispatch()`` sends what is waiting — every minute from beat, and when
a worker starts — and sends again what was sent but never finished (a broker that lost its
queue, a worker killed before it acknowledged).

The task marks its row: ``wujin_branch.taskbase.Task.__call__`` (every task's base class)
takes the row id from the hidden ``_outbox`` keyword, skips the work if the row is already
done (a message delivered twice does its work once) and marks the row done or failed.

With eager tasks (the SQLite demo, the tests) the task runs in ``send`` right after commit, as
it did before the outbox, and its errors propagate.
"""

import logging
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from wujin_branch.models import OutboxState, OutboxTask
from wujin_branch.taskbase import OUTBOX_KW

log = logging.getLogger(__name__)

SEND_PENDING_AFTER = timedelta(seconds=10)  # left to the after-commit send before the dispatcher takes it
RESEND_AFTER = timedelta(minutes=30)  # sent or started, not finished: the broker or the worker lost it
RETRY_FAILED_AFTER = timedelta(minutes=5)
MAX_RUNS = 3  # a task that fails this often is left failed, for a person to look at
BATCH = 500


def enqueue(task, *args, key: str | None = None, countdown: int = 0, **kwargs) -> OutboxTask:
    """Write the task in the current transaction; it is sent after commit. ``key`` names work
    that is to be done once: a second enqueue with a key already written returns that row."""
    row = OutboxTask(
        task=task.name,
        args=list(args),
        kwargs=kwargs,
        key=key or f"{task.name}:{uuid.uuid4().hex}",
        not_before=timezone.now() + timedelta(seconds=countdown),
    )
    if key:
        existing = OutboxTask.objects.filter(key=key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        existing = OutboxTask.objects.filter(key=row.key).first()
        if existing is None:
            raise
        return existing
    transaction.on_commit(lambda: send(row))
    return row


def _app():
    from wujin_branch.celery import app

    return app


def send(row: OutboxTask) -> bool:
    """Hand the row to the broker; False (the row stays 待发送) when the broker is away."""
    app = _app()
    countdown = max(0.0, (row.not_before - timezone.now()).total_seconds())
    task = app.tasks[row.task]
    options = {"retry": False}
    if countdown and not app.conf.task_always_eager:
        options["countdown"] = countdown
    OutboxTask.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    try:
        if app.conf.task_always_eager:
            # Run here; apply_async would first open a broker connection it does not use (and
            # log "No hostname was supplied" for the in-memory broker).
            task.apply(row.args, {**row.kwargs, OUTBOX_KW: row.pk}, throw=app.conf.task_eager_propagates)
        else:
            task.apply_async(row.args, {**row.kwargs, OUTBOX_KW: row.pk}, **options)
    except Exception as e:
        if app.conf.task_always_eager:
            raise  # the task itself failed, in this process: as before the outbox
        OutboxTask.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(last_error=f"发送失败：{e}"[:500])
        log.warning("outbox: %s (%s) not sent, it waits for the dispatcher: %s", row.task, row.pk, e)
        return False
    OutboxTask.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
        state=OutboxState.SENT, sent_at=timezone.now()
    )
    return True


def due_rows(now=None):
    now = now or timezone.now()
    return OutboxTask.objects.filter(
        Q(state=OutboxState.PENDING, created_at__lt=now - SEND_PENDING_AFTER)
        | Q(state__in=[OutboxState.SENT, OutboxState.RUNNING], sent_at__lt=now - RESEND_AFTER)
        | Q(state=OutboxState.RUNNING, sent_at=None, created_at__lt=now - RESEND_AFTER)
        | Q(state=OutboxState.FAILED, runs__lt=MAX_RUNS, done_at__lt=now - RETRY_FAILED_AFTER)
    ).order_by("created_at", "pk")


def dispatch(*, now=None, limit=BATCH) -> dict:
    """Send what waits; stop at the first refusal (the broker is still away)."""
    sent = failed = 0
    with transaction.atomic():
        rows = list(due_rows(now).select_for_update(skip_locked=True)[:limit])
        # all pending (one UPDATE) before any is sent, so a fast worker's "done" is not overwritten
        OutboxTask.objects.filter(pk__in=[r.pk for r in rows if r.state != OutboxState.PENDING]).update(
            state=OutboxState.PENDING
        )
    for row in rows:
        if send(row):
            sent += 1
        else:
            failed += 1
            break
    left = OutboxTask.objects.filter(state=OutboxState.PENDING).count()
    if sent or failed:
        log.info("outbox: sent %s, %s still waiting", sent, left)
    return {"sent": sent, "waiting": left}


def tidy(*, now=None, keep_days=7) -> int:
    """Forget rows done more than ``keep_days`` ago."""
    cutoff = (now or timezone.now()) - timedelta(days=keep_days)
    n, _ = OutboxTask.objects.filter(state=OutboxState.DONE, done_at__lt=cutoff).delete()
    return n
