"""Bulk table writing for the demo: PostgreSQL ``COPY`` (``bulk_create`` elsewhere), history rows included.

``Tables`` writes rows given as dicts by attname (``write``) or as tuples (``write_tuples``),
reserves blocks of ids, and writes model instances built in memory with their
django-simple-history rows (``insert_objects``, ``history_of``) the way ``bulk_create`` and
``bulk_history_create`` would, without their per-value preparation: on district scale that
preparation cost more than the database did. Shared by ``branches.demo`` (organizations,
members …) and ``ledgers.demo.bulk`` (activity records).
"""

import contextlib
import enum
import time

from django.db import connection
from django.db.models.fields.files import FieldFile, FileField
from django.utils import timezone


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, FieldFile):
        return value.name
    return value


class Tables:
    """Row writer: PostgreSQL COPY, or bulk_create elsewhere. Rows are dicts by attname."""

    def __init__(self, raw=None):
        self.pg = connection.vendor == "postgresql"
        self.raw = raw  # this session's psycopg connection, when writing from another thread
        self._next = {}
        self._local = {}  # model -> next id, while ids are counted here (ids_counted_here)
        self._columns = {}

    def through(self, raw) -> "Tables":
        """The same writer going through ``raw`` (``connection.connection``): Django's connection
        object belongs to its thread, the session and its transaction do not."""
        other = Tables(raw=raw)
        other._columns = self._columns
        return other

    @contextlib.contextmanager
    def _cursor(self):
        """A psycopg cursor of this session (through ``raw`` when set)."""
        if self.raw is not None:
            with self.raw.cursor() as c:
                yield c
        else:
            with connection.cursor() as c:
                yield c.cursor

    @contextlib.contextmanager
    def ids_counted_here(self, *models):
        """Ids of ``models`` handed out by ``reserve`` without asking the database, the sequence
        set past the last one at the end: the building thread then needs no query while another
        thread writes through the session. The seed is the only writer of these tables."""
        if not self.pg:
            yield
            return
        seqs = {}
        with connection.cursor() as c:
            for model in models:
                c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                seqs[model] = c.fetchone()[0]
                c.execute("SELECT nextval(%s)", [seqs[model]])
                self._local[model] = c.fetchone()[0]
        try:
            yield
        finally:
            local, self._local = self._local, {}
        # Not after an error: the transaction is failed, and rolls the rows back anyway.
        with connection.cursor() as c:
            for model, seq in seqs.items():
                c.execute("SELECT setval(%s, %s, false)", [seq, local[model]])

    def columns(self, model):
        cols = self._columns.get(model)
        if cols is None:
            cols = []
            for f in model._meta.concrete_fields:
                if f.primary_key and f.attname != "id":
                    continue  # history_id: the database numbers history rows
                cols.append((f.column, f.attname, f.get_default()))
            self._columns[model] = cols
        return cols

    def reserve(self, model, n) -> int:
        """The first of ``n`` consecutive free ids of ``model``'s table."""
        table = model._meta.db_table
        if n == 0:
            return 0
        if model in self._local:
            first = self._local[model]
            self._local[model] += n
            return first
        if self.pg:
            # The seed holds the only writer (organizations were empty), so a block of ids is safe.
            with connection.cursor() as c:
                c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = c.fetchone()[0]
                c.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [seq, seq, n])
                last = c.fetchone()[0]
            return last - n + 1
        if model not in self._next:
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self._next[model] = top + 1
        first = self._next[model]
        self._next[model] += n
        return first

    def write(self, model, rows):
        if not rows:
            return
        cols = self.columns(model)
        if self.pg:
            qn = connection.ops.quote_name
            sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c, _, _ in cols)}) FROM STDIN"
            with self._cursor() as c, c.copy(sql) as copy:
                for r in rows:
                    copy.write_row([r.get(a, d) for _, a, d in cols])
        else:
            model.objects.bulk_create([model(**{a: r.get(a, d) for _, a, d in cols}) for r in rows], batch_size=500)

    def write_tuples(self, model, attnames, rows):
        """Fast path for narrow tables: ``rows`` are tuples in ``attnames`` order."""
        if not rows:
            return
        if self.pg:
            qn = connection.ops.quote_name
            fields = {f.attname: f.column for f in model._meta.concrete_fields}
            sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(fields[a]) for a in attnames)}) FROM STDIN"
            with self._cursor() as c, c.copy(sql) as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            model.objects.bulk_create([model(**dict(zip(attnames, r, strict=True))) for r in rows], batch_size=500)

    def analyze(self, *tables):
        """Fresh statistics before the integrity checks query what was just loaded."""
        if self.pg:
            with connection.cursor() as c:
                for t in tables:
                    c.execute(f"ANALYZE {t}")

    # -- model instances

    def insert_objects(self, model, objs, *, batch_size=2000):
        """Insert instances built in memory; those without a pk get one from a reserved block.

        Related objects assigned before they had a pk are resolved first, as ``bulk_create`` does.
        Fields with ``auto_now``/``auto_now_add`` get their ``pre_save`` value. Not on PostgreSQL:
        plain ``bulk_create``.
        """
        if not objs:
            return
        if not self.pg:
            model.objects.bulk_create(objs, batch_size=batch_size)
            return
        fields = [f for f in model._meta.concrete_fields]
        auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
        fresh = [o for o in objs if o.pk is None]
        first = self.reserve(model, len(fresh))
        for k, o in enumerate(fresh):
            o.pk = first + k
        for o in objs:
            o._prepare_related_fields_for_save(operation_name="bulk_create")
            for f in auto:
                f.pre_save(o, add=True)
            o._state.adding, o._state.db = False, connection.alias
        self._copy_objects(model, fields, objs)

    def history_of(self, model, objs, *, user, date=None, reason=""):
        """The django-simple-history "+" rows of ``objs`` (already inserted), as ``bulk_history_create``
        writes them: by ``user``, or an object's own ``_history_user``."""
        if not objs:
            return
        manager = model.history
        if not self.pg:
            for i in range(0, len(objs), 2000):
                manager.bulk_history_create(
                    objs[i : i + 2000], batch_size=2000, default_user=user, default_date=date,
                    default_change_reason=reason,
                )  # fmt: skip
            return
        hmodel = manager.model
        date = date or timezone.now()
        tracked = [f.attname for f in hmodel.tracked_fields]
        extra = {"history_date": date, "history_change_reason": reason, "history_type": "+"}
        relation = hasattr(hmodel, "history_relation")
        rows = []
        for o in objs:
            r = {a: getattr(o, a) for a in tracked}
            r.update(extra)
            r["history_user_id"] = getattr(o, "_history_user", user).pk
            if relation:
                r["history_relation_id"] = o.pk
            rows.append(r)
        self.write(hmodel, [{a: _plain(v) for a, v in r.items()} for r in rows])

    def history_from_rows(self, model, first, last, *, date_sql, user, reason, join=""):
        """The "+" history rows of ``model`` rows ``first``..``last`` (ids), copied in the database
        from the rows just written (``INSERT … SELECT``): nothing crosses the wire a second time.
        ``date_sql`` is the history date as an SQL expression over ``t`` (the row) and ``join``."""
        hmodel = model.history.model
        qn = connection.ops.quote_name
        cols = [qn(f.column) for f in hmodel.tracked_fields]
        sql = (
            f"INSERT INTO {qn(hmodel._meta.db_table)} ({', '.join(cols)}, history_date, history_change_reason,"
            f" history_type, history_user_id) SELECT {', '.join('t.' + c for c in cols)}, {date_sql}, %s, '+', %s"
            f" FROM {qn(model._meta.db_table)} t {join} WHERE t.id BETWEEN %s AND %s"
        )
        with self._cursor() as c:
            c.execute(sql, [reason, user.pk, first, last])

    def _copy_objects(self, model, fields, objs):
        qn = connection.ops.quote_name
        cols = [f for f in fields]
        choices = {i for i, f in enumerate(cols) if f.choices or isinstance(f, FileField)}
        sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in cols)}) FROM STDIN"
        attnames = [f.attname for f in cols]
        with connection.cursor() as c, c.cursor.copy(sql) as copy:
            for o in objs:
                d = o.__dict__
                row = [d[a] for a in attnames]
                for i in choices:
                    row[i] = _plain(row[i])
                copy.write_row(row)


def _is_superuser() -> bool:
    with connection.cursor() as c:
        c.execute("SELECT current_setting('is_superuser')")
        return c.fetchone()[0] == "on"


@contextlib.contextmanager
def foreign_keys_checked_at_end(models, log=None):
    """District scale: rows written inside the block are checked against their foreign keys
    once, set-wise, at the end, instead of one trigger call per row at commit.

    Three million attendance rows and their history rows queue some ten million per-row
    foreign-key checks, which took about as long as writing them. The constraints stay as
    they are (nothing is dropped or altered); inside the block PostgreSQL's per-row checks
    are skipped (``session_replication_role = replica``, which needs a superuser; otherwise
    the block changes nothing), and afterwards every foreign key of ``models`` is verified
    over the whole table with one anti-join each: a row pointing nowhere fails the seed and
    rolls everything back.
    """
    if connection.vendor != "postgresql" or not _is_superuser():
        yield
        return
    with connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as c:
            c.execute("SET LOCAL session_replication_role = DEFAULT")
    t = time.perf_counter()
    verify_foreign_keys(models)
    if log:
        log(f"  外键核对（{len(models)} 张表）：{time.perf_counter() - t:.2f} 秒")


# The indexes of a table that back no constraint (primary key, unique, exclusion), with their DDL.
_LOOSE_INDEXES = """
    SELECT i.relname, pg_get_indexdef(x.indexrelid)
      FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = %s::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
     ORDER BY i.relname
"""


@contextlib.contextmanager
def indexes_built_at_end(models, log=None):
    """District scale: the secondary indexes of ``models``' tables, when these are empty, are
    dropped for the load and created again from their own definitions once the rows are in.

    Maintaining ten indexes row by row while three million attendance rows and their history
    arrive cost more than writing the rows; building each index once over the loaded table
    is a sort. Only indexes that back no constraint are dropped (primary keys and unique
    constraints stay and keep checking), only for tables empty at the start, and all inside
    the caller's transaction: an error rolls the drop back with everything else, so the
    schema after the seed is the migrations' (a test compares the index definitions).
    """
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_built_at_end must run inside a transaction")
    qn = connection.ops.quote_name
    dropped = []
    with connection.cursor() as c:
        for model in models:
            table = model._meta.db_table
            c.execute(f"SELECT EXISTS (SELECT 1 FROM {qn(table)})")
            if c.fetchone()[0]:
                continue
            c.execute(_LOOSE_INDEXES, [table])
            for name, ddl in c.fetchall():
                c.execute(f"DROP INDEX {qn(name)}")
                dropped.append(ddl)
    yield
    t = time.perf_counter()
    with connection.cursor() as c:
        # Each index is one sort of the loaded table: give it memory (this transaction only).
        c.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for ddl in dropped:
            c.execute(ddl)
        c.execute("SET LOCAL maintenance_work_mem TO DEFAULT")
    if log:
        log(f"  重建索引（{len(dropped)} 个）：{time.perf_counter() - t:.2f} 秒")


def verify_foreign_keys(models):
    """Raise if a row of ``models`` points at a row that does not exist (constrained foreign keys)."""
    qn = connection.ops.quote_name
    with connection.cursor() as c:
        for model in models:
            for f in model._meta.concrete_fields:
                if not f.is_relation or not f.many_to_one or not getattr(f, "db_constraint", False):
                    continue
                ref, col, target = f.related_model._meta.db_table, qn(f.column), qn(f.target_field.column)
                c.execute(
                    f"SELECT count(*) FROM {qn(model._meta.db_table)} t LEFT JOIN {qn(ref)} r ON r.{target} = t.{col}"
                    f" WHERE t.{col} IS NOT NULL AND r.{target} IS NULL"
                )
                missing = c.fetchone()[0]
                if missing:
                    raise RuntimeError(f"{model._meta.db_table}.{f.column}: {missing} rows point at no {ref} row")
