import os

from celery import Celery, signals

from wujin_branch.logs import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wujin_branch.settings")

# Every task's base class marks its outbox row (wujin_branch.outbox): work a change caused runs once.
app = Celery("wujin_branch", task_cls="wujin_branch.taskbase:Task")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task logs carry the task id; worker and beat keep the project's log format (wujin_branch.logs).
connect_celery_signals()


@signals.worker_ready.connect
def _send_what_waits(**_):
    """A worker that starts sends what the outbox holds (the broker may have been away)."""
    from wujin_branch import outbox

    try:
        outbox.dispatch()
    except Exception:  # the database may be away too; beat's dispatcher tries again
        import logging

        logging.getLogger("wujin_branch.outbox").exception("outbox: dispatch at worker start failed")
