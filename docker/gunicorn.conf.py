"""gunicorn settings for the web service (the image's command) and the load test, so the load
test measures what production runs. The worker count comes from WEB_CONCURRENCY (gunicorn
reads it) or --workers; the bind address from --bind.

Workers are recycled after about 1,000 requests (jitter so the three never restart together):
a long-lived Python process keeps the peak memory of its largest request (a big export, a
page of 200 members), and recycling bounds that without a memory limit that kills requests.
"""

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
