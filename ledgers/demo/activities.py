"""Demo activity records for the seeded district: a believable year of branch life.

``seed_activities(builder, seed=…, scale=…)`` runs after ``branches.demo.DemoBuilder`` has
written the organizations and members, inside the same transaction. It covers last year's
December and this year up to today: 支委会 monthly, 党小组会 per group monthly, 党员大会
and 党课 quarterly, 组织生活会 half-yearly, 主题党日 monthly, one 民主评议党员 meeting and
a few 联系服务群众 activities, with Chinese topics, places and minutes built from templates
with varied fill-ins, attendance derived from who is expected, and photos.

Two ways of writing, one plan:

* small demo — every record goes through ``services.activity_create`` (attendance checked
  against ``expected_attendees``, photos are real JPEGs drawn here and checked and stored
  by ``images.check_and_process`` like uploads, history rows written by the service); the
  entry times are then moved back to shortly after each activity, before the service's
  after-commit integrity checks run (eager without Redis), so when the command ends every
  record has been checked. Some months are missed, some records lack photos or quorum, and
  a few records carry each kind of flag on purpose.
* district scale — about 170,000 records and 3,000,000 attendance rows are built in
  memory (the expected attendees computed from the builder's members, seats and groups,
  mirroring ``services.expected_attendees``; counts and quorum in Python) and written with
  PostgreSQL ``COPY`` (``bulk_create`` on SQLite), history rows included. Photo rows share
  a pool of generated image files; each row carries its own random hashes, as distinct
  photos would, so only the few rows deliberately given another branch's hashes are
  reported as reused. The integrity check runs for the records made anomalous on purpose.

All randomness comes from ``random.Random`` seeded from ``seed``: the same seed on the
same day gives the same records.
"""

import datetime
import random
import time
from collections import defaultdict

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from ledgers.activities import services, textsim
from ledgers.demo.common import AT, CHANGE_REASON, CHUNK_BRANCHES, POOL_SIZE, D, days
from ledgers.demo.minutes import Writer
from ledgers.demo.pictures import PieceSimhash, draw_photo
from ledgers.demo.planning import Planner, branch_infos
from ledgers.demo.small import (
    counts_of,
    entered_at,
    log_flags_after_commit,
    mark_attendance,
    nearly_the_same,
    phase_of,
    seed_small,
)
from ledgers.models import Activity, Attendance, Photo
from wujin_branch import images
from wujin_branch.storage import private_storage

# ---------------------------------------------------------------- district scale


class _Tables:
    """Row writer: PostgreSQL COPY, or bulk_create elsewhere. Rows are dicts by attname."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self._next = {}
        self._columns = {}

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
            with connection.cursor() as c, c.cursor.copy(sql) as copy:
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
            with connection.cursor() as c, c.cursor.copy(sql) as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            model.objects.bulk_create([model(**dict(zip(attnames, r, strict=True))) for r in rows], batch_size=500)


def _pool_photos(rng, n):
    """``n`` generated pictures stored once (original, display, thumbnail), shared by the rows."""
    pool = []
    for i in range(n):
        blob = draw_photo(rng.getrandbits(64))
        p = images.check_and_process(SimpleUploadedFile(f"pool-{i:03d}.jpg", blob, "image/jpeg"))
        names = {}
        for variant, content in (("original", p.original), ("display", p.display), ("thumb", p.thumb)):
            name = f"photos/{variant}/demo-pool/{i:03d}.jpg"
            if private_storage.exists(name):
                private_storage.delete(name)
            names[variant] = private_storage.save(name, content)
        pool.append((names, p.width, p.height))
    return pool


def _seed_district(builder, rng, today, window_start, log) -> dict:
    actor = builder.actor
    tables = _Tables()
    infos = branch_infos(builder, window_start, today)
    planner, writer, simhash = Planner(rng, today, window_start), Writer(rng), PieceSimhash()
    with phase_of(log, "照片素材"):
        pool = _pool_photos(rng, min(POOL_SIZE, max(12, 2 * len(infos))))
    for info in infos:
        info.diligence = 1.0 if info.demo else rng.choice([0.99, 0.98, 0.97, 0.95, 0.93, 0.9, 0.85, 0.7])
    HActivity, HAttendance, HPhoto = Activity.history.model, Attendance.history.model, Photo.history.model
    att_cols = ("id", "activity_id", "member_id", "status", "leave_reason", "counts_for_quorum")
    hatt_cols = att_cols + ("history_date", "history_change_reason", "history_type", "history_user_id")
    history = {"history_change_reason": CHANGE_REASON, "history_type": "+", "history_user_id": actor.pk}
    totals, timing = defaultdict(int), defaultdict(float)
    special = []  # records whose integrity is checked once everything is written
    for chunk, c0 in enumerate(range(0, len(infos), CHUNK_BRANCHES)):
        t0 = time.perf_counter()
        plans = []
        for info in infos[c0 : c0 + CHUNK_BRANCHES]:
            plans += planner.branch(info)
        for p in plans:
            if not p.info.demo and p.held_on <= today - days(40) and rng.random() < 0.002:
                p.late_days = rng.randint(31, min(90, (today - p.held_on).days - 1))
            if not p.info.demo and p.photos and rng.random() < 0.0003:
                p.photo_shift = rng.randint(60, 400)
        first_activity = tables.reserve(Activity, len(plans))
        activity_rows, att_rows, photo_rows = [], [], []
        for i, p in enumerate(plans):
            pk = p.activity_id = first_activity + i
            marks = mark_attendance(rng, p.info.expected(p.type, p.held_on, p.group), short=p.short)
            data = writer.record(p, marks)
            h = simhash(p.pieces)
            at = entered_at(rng, p, today)
            row = {
                **data,
                "id": pk,
                "type": str(p.type),
                "branch_id": p.info.org.pk,
                "party_group_id": p.group.pk if p.group else None,
                "created_by_id": actor.pk,
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "photo_count": p.photos,
                **_text_hash(h),
                **counts_of(marks),
            }
            del row["party_group"]
            activity_rows.append(row)
            for m, counts, status, reason in marks:
                att_rows.append((pk, m.pk, str(status), reason, counts))
            offset = rng.randrange(len(pool))
            for j in range(p.photos):
                names, w, hgt = pool[(offset + 7 * j) % len(pool)]
                shot = timezone.make_aware(datetime.datetime.combine(p.held_on, p.start_time)) + days(
                    minutes=rng.randint(5, 80)
                )
                if j == 0 and p.photo_shift:
                    shot -= days(p.photo_shift)
                phash = images.to_signed64(rng.getrandbits(64))
                b = images.hash_bands(phash)
                photo_rows.append(
                    {
                        "branch_id": p.info.org.pk,
                        "activity_id": pk,
                        "original": names["original"],
                        "display": names["display"],
                        "thumb": names["thumb"],
                        "width": w,
                        "height": hgt,
                        "taken_at": shot if (j == 0 and p.photo_shift) or rng.random() < 0.85 else None,
                        "phash": phash,
                        "band0": b[0],
                        "band1": b[1],
                        "band2": b[2],
                        "band3": b[3],
                        "sha256": f"{rng.getrandbits(256):064x}",
                        "original_name": f"IMG_{shot:%Y%m%d_%H%M%S}.jpg",
                        "uploaded_by_id": actor.pk,
                        "uploaded_at": at,
                        "owner_type_id": None,
                        "owner_id": None,
                    }
                )
            if p.late_days or p.photo_shift:
                special.append(pk)
        # A few photos shared with another branch, a few minutes copied from one (first chunks only).
        if chunk < 5:
            special += _share_photo(rng, photo_rows)
        if chunk < 3:
            special += _copy_text(rng, activity_rows)
        first_photo = tables.reserve(Photo, len(photo_rows))
        for k, r in enumerate(photo_rows):
            r["id"] = first_photo + k
        first_att = tables.reserve(Attendance, len(att_rows))
        att_rows = [(first_att + k, *r) for k, r in enumerate(att_rows)]
        timing["生成"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        tables.write(Activity, activity_rows)
        tables.write(HActivity, [{**r, "history_date": r["created_at"], **history} for r in activity_rows])
        timing["写入记录及历史"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tables.write_tuples(Attendance, att_cols, att_rows)
        timing["写入出勤"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        entered = {r["id"]: r["created_at"] for r in activity_rows}
        tables.write_tuples(
            HAttendance, hatt_cols, [(*r, entered[r[1]], CHANGE_REASON, "+", actor.pk) for r in att_rows]
        )
        timing["写入出勤历史"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tables.write(Photo, photo_rows)
        tables.write(HPhoto, [{**r, "history_date": r["uploaded_at"], **history} for r in photo_rows])
        timing["写入照片及历史"] += time.perf_counter() - t0
        totals["activities"] += len(activity_rows)
        totals["attendance"] += len(att_rows)
        totals["photos"] += len(photo_rows)
    for label, seconds in timing.items():
        log(f"  组织生活记录·{label}：{seconds:.2f} 秒")
    with phase_of(log, f"完整性检查（有意设置异常的 {len(set(special))} 条记录）"):
        if tables.pg:
            with connection.cursor() as c:
                for t in ("ledgers_activity", "ledgers_photo", "ledgers_integrityflag"):
                    c.execute(f"ANALYZE {t}")
        for pk in sorted(set(special)):
            services.activity_check_integrity(activity_id=pk)
    log_flags_after_commit(log)
    return dict(totals)


def _text_hash(h):
    b = textsim.bands(h) if h is not None else [None] * 4
    return {"text_hash": h, "tband0": b[0], "tband1": b[1], "tband2": b[2], "tband3": b[3]}


def _share_photo(rng, photo_rows) -> list[int]:
    """One photo row becomes another branch's photo (same files and hashes): REUSED_PHOTO."""
    for _ in range(50):
        a, b = rng.sample(photo_rows, 2)
        if a["branch_id"] != b["branch_id"]:
            for k in (
                "original",
                "display",
                "thumb",
                "width",
                "height",
                "phash",
                "band0",
                "band1",
                "band2",
                "band3",
                "sha256",
            ):
                b[k] = a[k]
            return [a["activity_id"], b["activity_id"]]
    return []


def _copy_text(rng, activity_rows) -> list[int]:
    """One record's minutes copied from another branch's, only the date changed: SIMILAR_TEXT."""
    rows = [r for r in activity_rows if r["type"] not in (AT.GROUP, AT.SERVICE)]
    for _ in range(50):
        a, b = rng.sample(rows, 2)
        if a["branch_id"] != b["branch_id"] and a["type"] == b["type"]:
            b["content"] = nearly_the_same(a["content"], a["held_on"], b["held_on"])
            b["topic"] = a["topic"]
            b.update(_text_hash(textsim.simhash(b["content"])))
            return [a["id"], b["id"]]
    return []


# ---------------------------------------------------------------- entry point


def seed_activities(builder, *, seed: int, scale: str = "demo", log=None) -> dict:
    """Activity records for the district ``builder`` just wrote. Call inside its transaction.

    Returns counts: activities, attendance, photos. The number of integrity flags is logged
    after the commit (the small demo's checks run then).
    """
    log = log or (lambda msg: None)
    rng = random.Random(f"activities:{seed}")
    today = builder.today
    window_start = D(today.year - 1, 12, 1)
    if scale == "district":
        return _seed_district(builder, rng, today, window_start, log)
    return seed_small(builder, rng, today, window_start, log)


