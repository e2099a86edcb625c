"""A version token per branch, changed by the database itself whenever the branch's data changes.

The branch pages a secretary opens all day (the home page above all) read a dozen tables of one
branch: the organization row, members, groups, terms and seats, flows, records, photos, the
assessment, the brand and the events it hosted. Their services are many and some write in bulk
(``QuerySet.update``, ``bulk_create``), so a token bumped by hand in each would sooner or later
be forgotten in one, and a page would be stale. Instead a trigger on each of those tables
(PostgreSQL only) gives the branch ``branch:<id>`` a new random token in ``kernel_dataversion``
whenever one of its rows is inserted, updated or deleted, in the same transaction; the readers
use ``wujin_branch.versions.tokens`` as for the hand-bumped keys. The trigger is deferred to the
commit (``DEFERRABLE INITIALLY DEFERRED``), so a transaction holds the version row's lock only
while it commits, not while it works.

Each table names how its rows lead to branch ids: pairs of (column, via) where ``via`` is empty
(the column holds the branch id) or ``table[:key_column[:branch_column]]`` (look the column's
value up in that table: ``key_column`` defaults to ``id``, ``branch_column`` to ``branch_id``).
A column starting with ``=`` names a whole key instead (``=periods``: any period changed).

SQLite (the local demo) has no such triggers: ``enabled()`` is false there and the pages are
rendered afresh every time, as before. A bulk load may switch the triggers off for its own
transaction (``suspend``) and must then forget every branch token (``forget_all``).
"""

from django.db import connection

FUNCTION = "kernel_branch_touch"
PERIODS = "periods"
TREE = "tree"  # counts over the whole tree: members, organizations, terms, seats, flows

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    i int := 0;
    col text;
    via text;
    parts text[];
    val text;
    found bigint[];
    vals bigint[];
    keys text[] := '{{}}';
    row_new jsonb;
    row_old jsonb;
BEGIN
    IF current_setting('wujin.versions_off', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'DELETE' THEN row_new := to_jsonb(NEW); END IF;
    IF TG_OP <> 'INSERT' THEN row_old := to_jsonb(OLD); END IF;
    WHILE i < TG_NARGS LOOP
        col := TG_ARGV[i];
        via := TG_ARGV[i + 1];
        i := i + 2;
        IF left(col, 1) = '=' THEN
            keys := keys || substr(col, 2);
            CONTINUE;
        END IF;
        vals := '{{}}';
        val := row_new ->> col;
        IF val IS NOT NULL THEN vals := vals || val::bigint; END IF;
        val := row_old ->> col;
        IF val IS NOT NULL THEN vals := vals || val::bigint; END IF;
        IF via <> '' AND cardinality(vals) > 0 THEN
            parts := string_to_array(via, ':');
            EXECUTE format('SELECT array_agg(%I) FROM %I WHERE %I = ANY($1)',
                           coalesce(parts[3], 'branch_id'), parts[1], coalesce(parts[2], 'id'))
               INTO found USING vals;
            vals := coalesce(found, '{{}}');
        END IF;
        SELECT keys || coalesce(array_agg('branch:' || v), '{{}}') INTO keys FROM unnest(vals) AS v WHERE v IS NOT NULL;
    END LOOP;
    INSERT INTO kernel_dataversion (key, token, changed_at)
        SELECT k, md5(random()::text || clock_timestamp()::text), now()
        FROM (SELECT DISTINCT unnest(keys) AS k) AS t ORDER BY k
        ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$fn$;
"""


def key(branch_id) -> str:
    return f"branch:{int(branch_id)}"


def enabled() -> bool:
    """Whether the database keeps branch tokens (PostgreSQL, where the triggers are)."""
    return connection.vendor == "postgresql"


def _trigger_name(table: str) -> str:
    return f"{table}_branch_touch"


def _run(schema_editor, sql):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)  # no parameters: the function's format() placeholders stay as written


def install_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, FUNCTION_SQL)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _run(schema_editor, f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")


def triggers(spec: dict[str, tuple[str, ...]]):
    """Two RunPython functions (create, drop) for the triggers of ``spec``: {table: (column,
    via, column, via, …)} as the module describes."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, args in spec.items():
            quoted = ", ".join("'" + a.replace("'", "''") + "'" for a in args)
            name = _trigger_name(table)
            _run(schema_editor, f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            _run(
                schema_editor,
                f'CREATE CONSTRAINT TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {FUNCTION}({quoted})"
            )

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in spec:
            _run(schema_editor, f'DROP TRIGGER IF EXISTS "{_trigger_name(table)}" ON "{table}"')

    return create, drop


def suspend() -> None:
    """For the rest of this transaction the triggers do nothing (a bulk load, which then calls
    ``forget_all``). Not undone before the commit: the deferred triggers fire at the commit."""
    if enabled():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL wujin.versions_off = 'on'")


def forget_all() -> None:
    """Every branch's token dropped: the next reader of each gets a new one, so nothing cached
    before is used again (after a bulk load that ran with the triggers suspended)."""
    from django.db.models import Q

    from wujin_branch.models import DataVersion

    DataVersion.objects.filter(Q(key__startswith="branch:") | Q(key__in=[PERIODS, TREE])).delete()
