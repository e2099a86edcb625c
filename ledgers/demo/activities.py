"""Demo activity records for the seeded district: a believable year of branch life.

``seed_activities(builder, seed=…, scale=…)`` runs after ``branches.demo.DemoBuilder`` has
written the organizations and members, inside the same transaction. It covers last year's
December and this year up to today: 支委会 monthly, 党小组会 per group monthly, 党员大会
and 党课 quarterly, 组织生活会 half-yearly, 主题党日 monthly, one 民主评议党员 meeting and
a few 联系服务群众 activities, with Chinese topics, places and minutes built from templates
with varied fill-ins, attendance derived from who is expected, and photos.

Both scales are written by ``ledgers.demo.bulk.RecordWriter``: records built in memory (the
expected attendees computed from the builder's members, seats and groups, mirroring
``services.expected_attendees``, which a test checks; counts and quorum in Python) and
written with PostgreSQL ``COPY`` (``bulk_create`` on SQLite), history rows included. Photo
rows share a pool of generated image files stored by the upload path; each row carries its
own random hashes, as distinct photos would. The integrity check runs for the records made
anomalous on purpose, so only those are flagged.

* small demo (about 30 branches, 1,400 records) — some months are missed, some records lack
  photos or quorum, and a few records carry each kind of flag on purpose (late entries,
  photos taken on another day, another record's photo or a resized copy of it, minutes
  copied with the date changed); the demo branch has one missed month and one late entry.
* district scale (3,000 branches, about 170,000 records and 3,000,000 attendance rows) —
  written in chunks of branches (the database takes one in, from a second thread, while the
  next is built: ``bulk.written_alongside``), the record tables' secondary indexes built once
  at the end; a few late entries, shifted photos, shared photos and copied
  minutes are scattered through the first chunks.

All randomness comes from ``random.Random`` seeded from ``seed``: the same seed on the
same day gives the same records.
"""

import random

from branches.demo.copy import foreign_keys_checked_at_end, indexes_built_at_end
from ledgers.activities import integrity, textsim
from ledgers.demo.bulk import RecordWriter, pool_photos, text_hash, written_alongside
from ledgers.demo.common import AT, CHUNK_BRANCHES, POOL_SIZE, D, days
from ledgers.demo.planning import Planner, branch_infos
from ledgers.demo.records import log_flags_after_commit, nearly_the_same, phase_of, pick_anomalies
from ledgers.models import Activity, Attendance, Photo

SMALL_POOL = 40  # small demo: generated pictures shared by its ~1,900 photo rows
# District scale: the tables whose foreign keys are checked once after writing (see foreign_keys_checked_at_end)
# and whose secondary indexes are built once the rows are in (indexes_built_at_end).
WRITTEN = [Activity, Attendance, Photo, Activity.history.model, Attendance.history.model, Photo.history.model]


def _check(writer, log):
    """The integrity check of the records made anomalous on purpose (the others are clean by
    construction: entered within days, unique hashes), once everything is written."""
    special = sorted(set(writer.special))
    with phase_of(log, f"完整性检查（有意设置异常的 {len(special)} 条记录）"):
        writer.tables.analyze("ledgers_activity", "ledgers_photo", "ledgers_integrityflag")
        for pk in special:
            integrity.activity_check_integrity(activity_id=pk)
    log_flags_after_commit(log)


# ---------------------------------------------------------------- small demo


def _seed_small(builder, rng, today, window_start, log) -> dict:
    infos = branch_infos(builder, window_start, today)
    planner = Planner(rng, today, window_start)
    plans = []
    for info in infos:
        skip = None
        if info.demo:
            skip = (today.year, max(1, today.month - 3))  # the demo branch's one missed 支委会
        else:
            info.diligence = rng.choice([0.98, 0.97, 0.95, 0.95, 0.92, 0.9, 0.85, 0.8, 0.7])
        plans += planner.branch(info, skip_month=skip)
    plans.sort(key=lambda p: p.sort_key)
    pick_anomalies(rng, plans, today)
    with phase_of(log, "照片素材"):
        pool = pool_photos(rng, SMALL_POOL)
    writer = RecordWriter(rng, actor=builder.actor, today=today, pool=pool)
    with phase_of(log, f"组织生活记录 {len(plans):,} 条（批量写入）"):
        writer.write(*writer.build(plans))
    _check(writer, log)
    return dict(writer.totals)


# ---------------------------------------------------------------- district scale


def _seed_district(builder, rng, today, window_start, log) -> dict:
    infos = branch_infos(builder, window_start, today)
    planner = Planner(rng, today, window_start)
    with phase_of(log, "照片素材"):
        pool = pool_photos(rng, min(POOL_SIZE, max(12, 2 * len(infos))))
    for info in infos:
        info.diligence = 1.0 if info.demo else rng.choice([0.99, 0.98, 0.97, 0.95, 0.93, 0.9, 0.85, 0.7])
    writer = RecordWriter(rng, actor=builder.actor, today=today, pool=pool)
    with indexes_built_at_end(WRITTEN, log=log), foreign_keys_checked_at_end(WRITTEN, log=log):
        with phase_of(log, "组织生活记录·生成与写入（同时进行）"):
            _write_district(writer, planner, infos, rng, today)
    writer.report(log)
    _check(writer, log)
    return dict(writer.totals)


def _write_district(writer, planner, infos, rng, today):
    with written_alongside(writer) as send:
        _build_district(writer, send, planner, infos, rng, today)


def _build_district(writer, send, planner, infos, rng, today):
    for chunk, c0 in enumerate(range(0, len(infos), CHUNK_BRANCHES)):
        plans = []
        for info in infos[c0 : c0 + CHUNK_BRANCHES]:
            plans += planner.branch(info)
        for p in plans:
            if not p.info.demo and p.held_on <= today - days(40) and rng.random() < 0.002:
                p.late_days = rng.randint(31, min(90, (today - p.held_on).days - 1))
            if not p.info.demo and p.photos and rng.random() < 0.0003:
                p.photo_shift = rng.randint(60, 400)
        activity_rows, att_rows, photo_rows = writer.build(plans)
        # A few photos shared with another branch, a few minutes copied from one (first chunks only).
        if chunk < 5:
            writer.special += _share_photo(rng, photo_rows)
        if chunk < 3:
            writer.special += _copy_text(rng, activity_rows)
        send(activity_rows, att_rows, photo_rows)


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
            b.update(text_hash(textsim.simhash(b["content"])))
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
    return _seed_small(builder, rng, today, window_start, log)


