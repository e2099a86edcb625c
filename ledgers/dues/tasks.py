"""Celery tasks for 党费. Tasks take ids, re-fetch and call the services in ``ledgers.dues``.

Beat (settings): run ``dues_monthly_digest`` on the 5th of each month, e.g.

    from celery.schedules import crontab
    CELERY_IMPORTS = ("ledgers.dues.tasks",)
    CELERY_BEAT_SCHEDULE = {
        "dues-monthly-digest": {
            "task": "ledgers.dues.tasks.dues_monthly_digest",
            "schedule": crontab(minute=0, hour=8, day_of_month=5),
        },
    }
"""

import datetime

from celery import shared_task

from ledgers import dues


@shared_task(name="ledgers.dues.tasks.dues_monthly_digest", acks_late=True)
def dues_monthly_digest(on: str | None = None) -> int:
    """Mail each active branch's secretaries and workers the members in arrears.

    ``on`` (ISO date) defaults to today; one digest per branch and month, so a
    redelivered task sends nothing twice. Returns the number of mails sent.
    """
    day = datetime.date.fromisoformat(on) if on else None
    return dues.dues_digest_all(on=day)


@shared_task(name="ledgers.dues.tasks.dues_branch_digest", acks_late=True)
def dues_branch_digest(branch_id: int, actor_id: int | None = None) -> int:
    """One branch's list, asked for from the arrears page (queued after commit)."""
    return dues.dues_digest_for_actor(branch_id=branch_id, actor_id=actor_id)
