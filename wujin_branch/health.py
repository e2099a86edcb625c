"""Health endpoints for the container and a load balancer.

``/healthz/``  the process answers: no database, no broker, nothing else.
``/readyz/``   the parts a request needs answer: the database (SELECT 1), the Celery broker
               (one connection attempt) and the default file storage (write, read, delete a
               small file under ``health/``). 200 when all pass, 503 naming what failed.

Each check is bounded to about a second or two, so the answer comes quickly when a part is
down: the database check opens its own connection with ``connect_timeout`` (PostgreSQL; the
app's connections and settings are untouched), the broker check makes one attempt with
one-second socket timeouts. Storage has no timeout of its own here: a local disk answers at
once, an S3 backend uses its client's timeouts.

Both views need no login, are never cached, are exempt from the HTTPS redirect
(SECURE_REDIRECT_EXEMPT) and look up no user, so health checks over plain http inside
docker work and ``/healthz/`` runs no query at all.
"""

import copy
import logging
import time
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

CHECK_TIMEOUT = 1  # seconds per connection attempt
OK = "ok"
SKIPPED = "skipped"


def health_view(view):
    """A health endpoint: GET/HEAD only, never cached, no user lookup for the log line."""
    view = never_cache(require_safe(view))
    view.log_without_user = True  # read by wujin_branch.logs.RequestIdMiddleware
    return view


@health_view
def healthz(request):
    return JsonResponse({"status": OK})


def check_database() -> str:
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    if settings_dict["ENGINE"] == "django.db.backends.postgresql":
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": CHECK_TIMEOUT + 1}
    # A connection of its own: a fresh connect is what shows the database is reachable now,
    # and the timeout applies to it alone.
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "health")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()
    return OK


def check_broker() -> str:
    from wujin_branch.celery import app

    url = app.conf.broker_url or ""
    if url.startswith("memory://"):
        return SKIPPED  # the demo and tests: tasks run in-process, there is no broker
    transport_options = {
        **(app.conf.broker_transport_options or {}),
        "socket_connect_timeout": CHECK_TIMEOUT,
        "socket_timeout": CHECK_TIMEOUT,
    }
    with app.connection_for_write(url, connect_timeout=CHECK_TIMEOUT, transport_options=transport_options) as conn:
        conn.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT)
    return OK


def check_storage() -> str:
    payload = uuid.uuid4().hex.encode()
    name = default_storage.save(f"health/{payload.decode()}.txt", ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as f:
            if f.read() != payload:
                raise OSError("read back something other than what was written")
    finally:
        default_storage.delete(name)
    return OK


CHECKS = {"database": check_database, "broker": check_broker, "storage": check_storage}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            results[name] = check()
        except Exception as e:  # a health check reports every failure, whatever its kind
            results[name] = f"error: {type(e).__name__}: {str(e).strip()[:200]}"
            # one line, no traceback: the check runs every 30 s while the part is down
            logger.warning("readyz: %s failed after %.1fs: %s", name, time.monotonic() - started, results[name])
    return results


@health_view
def readyz(request):
    checks = run_checks()
    failed = any(result.startswith("error") for result in checks.values())
    return JsonResponse({"status": "fail" if failed else OK, "checks": checks}, status=503 if failed else 200)
