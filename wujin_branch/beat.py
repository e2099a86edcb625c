"""Celery beat that shows it is alive: a heartbeat file touched on every scheduler tick.

Beat has no status endpoint, and its schedule file is rewritten only when a task is sent
(our tasks are daily or monthly), so neither tells a hung beat from an idle one. ``tick()`` is
beat's main loop — it runs, sends what is due and returns how long to sleep — so touching a
file there, with the sleep capped at ``MAX_SLEEP`` seconds, makes the file's age say whether
the loop still turns. ``docker/healthcheck.py beat`` checks that age.

    celery -A wujin_branch beat --scheduler wujin_branch.beat:HeartbeatScheduler

The file is ``BEAT_HEARTBEAT_FILE`` (default /tmp/celerybeat-heartbeat), a process file, not
a stored one.
"""

import os
from pathlib import Path

from celery.beat import PersistentScheduler

DEFAULT_HEARTBEAT_FILE = "/tmp/celerybeat-heartbeat"
MAX_SLEEP = 30  # seconds; the health check allows several missed beats


def heartbeat_file() -> Path:
    return Path(os.environ.get("BEAT_HEARTBEAT_FILE") or DEFAULT_HEARTBEAT_FILE)


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        heartbeat_file().touch()
        return min(interval, MAX_SLEEP)
