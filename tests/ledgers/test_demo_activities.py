"""Demo activity records from ``seed_demo``: the small demo through the services, and a
small run of the district-scale bulk writer."""

import datetime
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from ledgers.activities import services, textsim
from ledgers.demo.pictures import PieceSimhash, draw_photo
from ledgers.demo.words import fill_in
from ledgers.models import (
    Activity,
    Attendance,
    FlagKind,
    IntegrityFlag,
    Photo,
)

pytestmark = pytest.mark.django_db


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def _fingerprint():
    activities = list(
        Activity.objects.order_by("branch__name", "held_on", "type", "party_group__name", "start_time", "topic")
        .values_list(
            "branch__name", "type", "held_on", "start_time", "topic", "content", "expected_count", "present_count",
            "quorum_met", "photo_count", "created_at",
        )
    )  # fmt: skip
    attendance = sorted(
        Attendance.objects.values_list("activity__branch__name", "activity__held_on", "activity__type",
                                       "member__id_number", "status", "leave_reason")
    )  # fmt: skip
    return activities, attendance


def test_district_scale_mini_run_is_deterministic_and_consistent(settings):
    seed(scale="district", branches=20, members_per_branch=6, seed=5)
    first = _fingerprint()
    assert len(first[0]) > 300 and len(first[1]) > 1500

    # What the bulk writer stored matches what the services would derive.
    for a in Activity.objects.select_related("branch", "party_group").order_by("id")[::17]:
        expected = services.expected_attendees(
            branch=a.branch, type=a.type, held_on=a.held_on, party_group=a.party_group, life_level=a.life_level
        )
        rows = {r.member_id: r.counts_for_quorum for r in a.attendance.all()}
        assert rows == {m.pk: counts for m, counts in expected}, a
        assert a.text_hash == textsim.simhash(a.content)
        assert a.quorum_met == (a.quorum_base > 0 and 2 * a.quorum_present > a.quorum_base)
    assert Activity.objects.count() == Activity.history.filter(history_type="+").count()
    assert Attendance.objects.count() == Attendance.history.count()
    assert Photo.objects.count() == Photo.history.count()
    assert Photo.objects.count() >= Activity.objects.count()
    # Each photo row has its own hashes, so only the deliberately shared ones are flagged.
    assert IntegrityFlag.objects.filter(kind=FlagKind.REUSED_PHOTO).count() <= 10
    assert IntegrityFlag.objects.filter(kind=FlagKind.LATE_ENTRY).exists() or Activity.objects.count() < 2000

    seed(scale="district", branches=20, members_per_branch=6, seed=5, flush=True)
    assert _fingerprint() == first
    seed(scale="district", branches=20, members_per_branch=6, seed=6, flush=True)
    assert _fingerprint() != first


def test_district_scale_leaves_the_indexes_as_the_migrations_made_them():
    """District scale drops the record tables' secondary indexes for the load and builds them
    again after: the same indexes, by name and definition, must be there once it is done."""
    from django.db import connection

    from ledgers.demo.activities import WRITTEN

    if connection.vendor != "postgresql":
        pytest.skip("indexes are dropped for the load only on PostgreSQL")
    tables = [m._meta.db_table for m in WRITTEN]

    def indexes():
        with connection.cursor() as c:
            c.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            return c.fetchall()

    before = indexes()
    assert len(before) > 40  # the band, hash, foreign-key and history indexes
    output = seed(scale="district", branches=6, members_per_branch=5, seed=3)
    assert "重建索引" in output
    assert indexes() == before


def test_piece_simhash_equals_textsim():
    ps = PieceSimhash()
    values = {"a": 2026, "b": 3, "c": "东街村党支部", "d": "会议室"}
    samples = [
        fill_in("{a}年{b}月，{c}在{d}召开支委会，研究部署下阶段工作。", values) * 3,
        ["一", "二", "三四", "，", "五六七八九十"] * 12,
        ["太短"],
        ["abc", "  ", "DEF", "！", "g"] * 20,
    ]  # fmt: skip
    rng = random.Random(3)
    alphabet = "党员会议研究部署工作支部学习群众服务，。、 abc123"
    for _ in range(200):
        samples.append(["".join(rng.choices(alphabet, k=rng.randint(0, 9))) for _ in range(rng.randint(1, 60))])
    for pieces in samples:
        assert ps(pieces) == textsim.simhash("".join(pieces)), pieces


def test_draw_photo_differs_per_seed_and_keeps_capture_time():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wujin_branch import images

    taken = timezone.make_aware(datetime.datetime(2026, 3, 5, 9, 30))
    a = images.check_and_process(SimpleUploadedFile("a.jpg", draw_photo(1, taken=taken)))
    b = images.check_and_process(SimpleUploadedFile("b.jpg", draw_photo(2)))
    assert a.taken_at == taken and b.taken_at is None
    assert images.hamming(a.phash, b.phash) > 3


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_in_the_second_thread_fails_the_seed_with_its_own_error(secretary, member):
    """District scale writes chunks in a second thread: its error reaches the seed (at the next
    chunk), unchanged, and the transaction rolls back with nothing written."""
    import psycopg
    from django.db import connection, transaction

    from ledgers.demo.bulk import RecordWriter, written_alongside

    if connection.vendor != "postgresql":
        pytest.skip("the second thread writes only on PostgreSQL")
    writer = RecordWriter(random.Random(1), actor=secretary, today=timezone.localdate(), pool=[])
    # (id, activity, member, status, leave reason, counts): foreign keys are checked at commit, never reached
    good = [(10**6, 10**6, member.pk, "present", "", True)]
    bad = [(10**6 + 1, 10**6, "not a number", "present", "", True)]
    with pytest.raises(psycopg.errors.InvalidTextRepresentation), transaction.atomic():
        with written_alongside(writer) as send:
            send([], good, [])
            send([], bad, [])
            send([], good, [])
    assert not Attendance.objects.exists()
