"""gunicorn settings for the web service (the image's command) and the load test, so the load
test measures what production runs. The worker count comes from WEB_CONCURRENCY (gunicorn
reads it) or --workers; the bind address from --bind.

Workers are recycled after about 1,000 requests (jitter so the three never restart together):
a long-lived Python process keeps the peak memory of its largest request (a big export, a
page of 200 members), and recycling bounds that without a memory limit that kills requests.
"""

import gc
import os

bind = "0.0.0.0:8000"
worker_tmp_dir = "/dev/shm"  # the heartbeat file: /tmp may be a slow disk in a container
timeout = 60
graceful_timeout = 30
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
preload_app = True


def when_ready(server):
    """Warm the master before it forks: every view module imported, the project's templates
    compiled into the cached loader (which the forked workers inherit)."""
    from pathlib import Path

    from django.conf import settings
    from django.db import connections
    from django.template.loader import get_template
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every urls and views module)
    root = Path(settings.BASE_DIR) / "templates"
    for path in sorted(root.rglob("*.html")):
        get_template(path.relative_to(root).as_posix())
    connections.close_all()  # none should be open; never share one with the workers
    # Everything loaded so far lives as long as the process: the collector need not walk it
    # again, in the master or in any worker (a walk writes to every object, which would copy
    # every shared page into each forked worker).
    gc.collect()
    gc.freeze()


def worker_exit(server, worker):
    """A worker that served and is leaving (recycled, or the server stopping) skips tearing its
    interpreter down: freeing every object at exit wrote to, and so copied, all the memory it
    shared with the master, the larger part of what a recycle cost. Its connections, logs and
    error reports are closed and flushed first. A worker that failed leaves the usual way,
    with the exit code the master reads (a boot error stops the server instead of respawning)."""
    import logging
    import sys

    done = sys.exc_info()[1]
    if not (worker.booted and isinstance(done, SystemExit) and done.code in (0, None)):
        return
    from django.db import connections

    connections.close_all()
    try:
        import sentry_sdk

        sentry_sdk.flush(timeout=2)
    except ImportError:
        pass
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
