"""The bulk writer of planned activity records, shared by the small demo and district scale.

Records are built in memory from the plans (attendance from who is expected, counts and
quorum in Python, minutes from the templates, text hashes) and written with PostgreSQL
``COPY`` (``bulk_create`` on SQLite), history rows included. Photo rows share a pool of
generated image files stored once through the upload path (three variants); each row
carries its own random hashes, as distinct photos would, so only the rows deliberately
given another record's photo are reported as reused. Writing through ``activity_create``
one record at a time cost the small demo ~30 s of its ~70 s; the services themselves are
tested on their own.
"""

import contextlib
import datetime
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from branches.demo.copy import Tables
from ledgers.activities import textsim
from ledgers.demo.common import CHANGE_REASON, days
from ledgers.demo.minutes import Writer
from ledgers.demo.pictures import PieceSimhash, draw_photo
from ledgers.demo.records import counts_of, entered_at, mark_attendance, nearly_the_same
from ledgers.models import Activity, Attendance, Photo
from wujin_branch import images
from wujin_branch.storage import private_storage

ATT_COLS = ("id", "activity_id", "member_id", "status", "leave_reason", "counts_for_quorum")
PHOTO_FILES = ("original", "display", "thumb", "width", "height")
PHOTO_HASHES = ("phash", "band0", "band1", "band2", "band3", "sha256")


def pool_photos(rng, n, *, folder="demo-pool"):
    """``n`` generated pictures stored once (original, display, thumbnail), shared by the rows."""
    pool = []
    for i in range(n):
        blob = draw_photo(rng.getrandbits(64))
        p = images.check_and_process(SimpleUploadedFile(f"pool-{i:03d}.jpg", blob, "image/jpeg"))
        names = {}
        for variant, content in (("original", p.original), ("display", p.display), ("thumb", p.thumb)):
            name = f"photos/{variant}/{folder}/{i:03d}.jpg"
            if private_storage.exists(name):
                private_storage.delete(name)
            names[variant] = private_storage.save(name, content)
        pool.append((names, p.width, p.height))
    return pool


def text_hash(h):
    b = textsim.bands(h) if h is not None else [None] * 4
    return {"text_hash": h, "tband0": b[0], "tband1": b[1], "tband2": b[2], "tband3": b[3]}


class RecordWriter:
    """Turns plans into activity, attendance and photo rows (with history) and writes them.

    A plan's deliberate anomalies are honoured: ``late_days`` and ``photo_shift`` through the
    entry and capture times, ``copy_text_of`` by copying that record's minutes with the date
    changed, ``reuse_photo_of`` by giving the first photo that record's first photo (its files
    and hashes; ``reuse_resized`` moves the picture hash by two bits and changes the checksum,
    as a resized copy would). ``special`` collects the ids whose integrity is to be checked.
    """

    def __init__(self, rng, *, actor, today, pool, tables=None):
        self.rng, self.actor, self.today, self.pool = rng, actor, today, pool
        self.tables = tables or Tables()
        self.writer, self.simhash = Writer(rng), PieceSimhash()
        self.tz = timezone.get_current_timezone()  # looked up once: per row it cost a few % of the build
        self.timing = defaultdict(float)
        self.totals = defaultdict(int)
        self.special = []
        self._rows = {}  # id(plan) -> (activity row, first photo row): sources of anomalies only

    def build(self, plans):
        """(activity_rows, attendance tuples, photo_rows) for ``plans`` (in writing order)."""
        t0, cpu = time.perf_counter(), time.thread_time()
        rng, tables = self.rng, self.tables
        first_activity = tables.reserve(Activity, len(plans))
        activity_rows, att_rows, photo_rows = [], [], []
        wanted = {id(q.copy_text_of) for q in plans} | {id(q.reuse_photo_of) for q in plans}
        for i, p in enumerate(plans):
            pk = p.activity_id = first_activity + i
            marks = mark_attendance(rng, p.info.expected(p.type, p.held_on, p.group), short=p.short)
            data = self.writer.record(p, marks)
            if p.copy_text_of is not None:
                source = self._rows[id(p.copy_text_of)][0]
                data["content"] = nearly_the_same(source["content"], source["held_on"], p.held_on)
                data["topic"] = source["topic"]
                h = textsim.simhash(data["content"])
                self.special += [source["id"], pk]
            else:
                h = self.simhash(p.pieces)
            p.content, p.topic = data["content"], data["topic"]
            at = entered_at(rng, p, self.today, tz=self.tz)
            row = {
                **data,
                "id": pk,
                "type": str(p.type),
                "branch_id": p.info.org.pk,
                "party_group_id": p.group.pk if p.group else None,
                "created_by_id": self.actor.pk,
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "photo_count": p.photos,
                **text_hash(h),
                **counts_of(marks),
            }
            del row["party_group"]
            activity_rows.append(row)
            for m, counts, status, reason in marks:
                att_rows.append((pk, m.pk, str(status), reason, counts))
            first_photo = None
            offset = rng.randrange(len(self.pool))
            for j in range(p.photos):
                photo = self._photo_row(p, j, pk, at, offset)
                if j == 0:
                    first_photo = photo
                    if p.reuse_photo_of is not None and self._rows[id(p.reuse_photo_of)][1] is not None:
                        self._reuse(photo, self._rows[id(p.reuse_photo_of)][1], resized=p.reuse_resized)
                        self.special += [self._rows[id(p.reuse_photo_of)][0]["id"], pk]
                photo_rows.append(photo)
            if id(p) in wanted:
                self._rows[id(p)] = (row, first_photo)
            if p.late_days or p.photo_shift:
                self.special.append(pk)
        first_photo_id = tables.reserve(Photo, len(photo_rows))
        for k, r in enumerate(photo_rows):
            r["id"] = first_photo_id + k
        first_att = tables.reserve(Attendance, len(att_rows))
        att_rows = [(first_att + k, *r) for k, r in enumerate(att_rows)]
        self.timing["生成"] += time.perf_counter() - t0
        self.timing["生成（本进程 CPU）"] += time.thread_time() - cpu
        return activity_rows, att_rows, photo_rows

    def _photo_row(self, p, j, pk, at, offset):
        rng = self.rng
        names, w, hgt = self.pool[(offset + 7 * j) % len(self.pool)]
        shot = timezone.make_aware(datetime.datetime.combine(p.held_on, p.start_time), self.tz) + days(
            minutes=rng.randint(5, 80)
        )
        if j == 0 and p.photo_shift:
            shot -= days(p.photo_shift)
        phash = images.to_signed64(rng.getrandbits(64))
        b = images.hash_bands(phash)
        return {
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
            "original_name": f"IMG_{timezone.localtime(shot, self.tz):%Y%m%d_%H%M%S}_{j + 1}.jpg",
            "uploaded_by_id": self.actor.pk,
            "uploaded_at": at,
            "owner_type_id": None,
            "owner_id": None,
        }

    def _reuse(self, photo, source, *, resized):
        for k in PHOTO_FILES + PHOTO_HASHES:
            photo[k] = source[k]
        if resized:
            # A resized copy: a new checksum, the picture hash a couple of bits away.
            phash = images.to_signed64((source["phash"] & 0xFFFFFFFFFFFFFFFF) ^ 0b101)
            b = images.hash_bands(phash)
            photo.update(phash=phash, band0=b[0], band1=b[1], band2=b[2], band3=b[3])
            photo["sha256"] = f"{self.rng.getrandbits(256):064x}"

    def write(self, activity_rows, att_rows, photo_rows, *, tables=None):
        """The rows, then their "+" history rows copied from them inside the database (through
        ``tables``, by default this writer's own)."""
        tables = tables or self.tables
        history = {"user": self.actor, "reason": CHANGE_REASON}
        cpu = time.thread_time()
        t0 = time.perf_counter()
        tables.write(Activity, activity_rows)
        if activity_rows:
            first, last = activity_rows[0]["id"], activity_rows[-1]["id"]
            tables.history_from_rows(Activity, first, last, date_sql="t.created_at", **history)
        self.timing["写入记录及历史"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tables.write_tuples(Attendance, ATT_COLS, att_rows)
        self.timing["写入出勤"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        if att_rows:
            tables.history_from_rows(
                Attendance, att_rows[0][0], att_rows[-1][0], date_sql="a.created_at",
                join=f"JOIN {Activity._meta.db_table} a ON a.id = t.activity_id", **history,
            )  # fmt: skip
        self.timing["写入出勤历史"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tables.write(Photo, photo_rows)
        if photo_rows:
            first, last = photo_rows[0]["id"], photo_rows[-1]["id"]
            tables.history_from_rows(Photo, first, last, date_sql="t.uploaded_at", **history)
        self.timing["写入照片及历史"] += time.perf_counter() - t0
        self.totals["activities"] += len(activity_rows)
        self.totals["attendance"] += len(att_rows)
        self.totals["photos"] += len(photo_rows)
        self.timing["写入（本进程 CPU）"] += time.thread_time() - cpu

    def report(self, log):
        for label, seconds in self.timing.items():
            log(f"  组织生活记录·{label}：{seconds:.2f} 秒")


@contextlib.contextmanager
def written_alongside(writer):
    """``send(activity_rows, att_rows, photo_rows)``: ``writer.write`` in a second thread while
    this one builds the next chunk (district scale on PostgreSQL; elsewhere it writes at once).

    The database takes a chunk in (COPY and the history copied by INSERT … SELECT, in the
    PostgreSQL backend on the other core) while Python draws the next one: on an otherwise idle
    machine the seed's time is about the larger of the two instead of their sum. The second thread goes
    through this session's psycopg connection, so everything stays in the seed's transaction;
    one chunk at a time (``send`` waits for the previous write), in order, so the rows are the
    same as when written in turn. The ids are counted in Python meanwhile (``ids_counted_here``):
    the building thread sends no query. An error in a write is raised by the next ``send`` or
    at the end of the block, after which the transaction rolls back.
    """
    if not writer.tables.pg:
        yield writer.write
        return
    connection.ensure_connection()
    tables = writer.tables.through(connection.connection)
    pending = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-write") as pool:

        def send(*rows):
            nonlocal pending
            if pending is not None:
                pending.result()
            pending = pool.submit(writer.write, *rows, tables=tables)

        with writer.tables.ids_counted_here(Activity, Photo, Attendance):
            try:
                yield send
            except BaseException:
                if pending is not None:
                    wait([pending])  # the session is free again before the rollback
                raise
            if pending is not None:
                pending.result()
