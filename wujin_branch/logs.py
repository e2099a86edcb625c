"""Log lines people can use: every record carries a request id, the user id and the path.

``RequestIdMiddleware`` (first in MIDDLEWARE) gives each request an id — the incoming
``X-Request-ID`` when it looks like one (a proxy's ``$request_id``), otherwise a fresh
uuid4 hex — and sends it back in the ``X-Request-ID`` response header. The id, the user and
the path live in a context variable; ``RequestContextFilter`` (on the console handler in
settings.LOGGING) copies them onto every record, "-" outside a request. A Celery task's
records carry the task id in place of the request id and the task name in place of the path.
"""

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.signals import request_finished

NONE = "-"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")


@dataclass(slots=True)
class LogContext:
    request_id: str = NONE
    user_id: str = NONE
    path: str = NONE


_OUTSIDE = LogContext()
_context: ContextVar[LogContext] = ContextVar("wujin_log_context", default=_OUTSIDE)


def current() -> LogContext:
    return _context.get()


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and path to each record (a value passed in ``extra`` wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get()
        for field in ("request_id", "user_id", "path"):
            if not hasattr(record, field):
                setattr(record, field, getattr(ctx, field))
        return True


def request_id_from(header: str | None) -> str:
    """The incoming id when it is sane (8–100 characters of letters, digits, ``._:-``), else a new one."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request's log context; the user id is added once authentication has run.

    The context is cleared when the response is closed (``request_finished``), not when this
    middleware returns, so Django's own "Not Found"/"Internal Server Error" lines, logged by
    the handler after the middleware chain, still carry the request id.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        _context.set(LogContext(request_id=request_id, path=request.path))
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Health checks must not touch the database (the session and user lookups would).
        if getattr(view_func, "log_without_user", False):
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            _context.get().user_id = str(user.pk)
        return None


def _clear(**kwargs):
    _context.set(_OUTSIDE)


request_finished.connect(_clear, dispatch_uid="wujin_branch.logs.clear")


# Celery ------------------------------------------------------------------------------------

_task_tokens: dict[str, object] = {}


def _task_started(task_id=None, task=None, **kwargs):
    token = _context.set(LogContext(request_id=task_id or NONE, path=getattr(task, "name", NONE)))
    _task_tokens[task_id] = token


def _task_finished(task_id=None, **kwargs):
    # reset, not clear: an eager task inside a request gives the request its context back
    token = _task_tokens.pop(task_id, None)
    try:
        _context.reset(token)
    except (TypeError, ValueError):  # no token, or one made in another context: start clean
        _context.set(_OUTSIDE)


def _celery_logging(**kwargs):
    """Celery's worker and beat keep the project's LOGGING (same line format) instead of
    installing their own handlers: a receiver of ``setup_logging`` tells Celery not to."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def connect_celery_signals():
    from celery import signals

    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="wujin_branch.logs.task_started")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="wujin_branch.logs.task_finished")
    signals.setup_logging.connect(_celery_logging, weak=False, dispatch_uid="wujin_branch.logs.setup")
