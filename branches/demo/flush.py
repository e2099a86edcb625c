"""Deleting the demo: organizations and everything hanging off them."""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from branches.models import Organization


def models_depending_on_orgs():
    """Every model (history and other apps included) that points, directly or not, at an organization."""
    everything = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    # Periods, jobs and notices do not point at an organization but belong to the demo too.
    found = {
        Organization,
        apps.get_model("assessment", "Period"),
        apps.get_model("kernel", "Job"),
        apps.get_model("kernel", "Notice"),
    }
    changed = True
    while changed:
        changed = False
        for model in everything:
            if model in found:
                continue
            if any(f.is_relation and f.related_model in found for f in model._meta.concrete_fields):
                found.add(model)
                changed = True
    return found


def flush_demo_data():
    """Delete organizations and everything hanging off them (TRUNCATE … CASCADE on PostgreSQL).

    Users stay (the demo users are updated in place when seeding again); rubric and other
    reference data that does not point at an organization stay too. Call inside a transaction.
    """
    existing = set(connection.introspection.table_names())
    tables = sorted(t for t in {m._meta.db_table for m in models_depending_on_orgs()} if t in existing)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows inserted earlier in this transaction leave deferred FK checks pending,
            # and PostgreSQL refuses to TRUNCATE a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # CASCADE (simulated on SQLite) also empties tables of other apps that point here.
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return tables
