"""Reads that may go to a read replica (``DATABASE_REPLICA_URL``): dashboards, the results
workbook and the bulk export's score sheets, and the benchmark's reads.

Only code that asks for it reads from the replica, inside ``use_replica()`` or a view wrapped
in ``replica_reads``; everything else, and every write, ``select_for_update`` and read in a
transaction that wrote, stays on the primary. A replica lags a little behind: the pages that
use it are overviews people refresh, not the page that confirms a save. Without a replica
(the default) nothing changes: the router answers ``None`` and Django uses ``default``.

In the tests ``replica`` is a test mirror of ``default`` (the same database through a second
connection) and reads go there only where a test turns ``DATABASE_REPLICA_READS`` on.
"""

import contextvars
import functools
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction

REPLICA = "replica"
_wanted = contextvars.ContextVar("replica_reads", default=False)


def replica_enabled() -> bool:
    return getattr(settings, "DATABASE_REPLICA_READS", False) and REPLICA in settings.DATABASES


@contextmanager
def use_replica():
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def replica_reads(view):
    """A read-only view whose queries may go to the replica."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        with use_replica():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _wanted.get() and replica_enabled() and not transaction.get_connection().in_atomic_block:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
