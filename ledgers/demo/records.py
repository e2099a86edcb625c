"""Attendance, entry times and deliberate anomalies of planned records (both scales)."""

import datetime
import time
from collections import defaultdict
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from ledgers.activities import textsim
from ledgers.demo.common import AT, T, days
from ledgers.demo.planning import Plan
from ledgers.demo.words import FLOW_LEAVE, LEAVE_REASONS, OLD_LEAVE, cn_date
from ledgers.models import AttendanceStatus, FlagKind, IntegrityFlag
from wujin_branch import images

# ---------------------------------------------------------------- attendance


def mark_attendance(rng, expected, *, short=False):
    """(member, counts, status, reason) for each expected person: most present, some on leave."""
    out = []
    for m, counts in expected:
        r = rng.random()
        if m.is_lost:
            status, reason = AttendanceStatus.ABSENT, ""
        elif getattr(m, "_demo_flag", "") == "flow_out" and r < 0.8:  # the builder's flag (branches.demo)
            status, reason = AttendanceStatus.LEAVE, rng.choice(FLOW_LEAVE)
        elif m.is_hardship and r < 0.35:
            status, reason = AttendanceStatus.LEAVE, rng.choice(OLD_LEAVE)
        elif r < 0.875:
            status, reason = AttendanceStatus.PRESENT, ""
        elif r < 0.97:
            status, reason = AttendanceStatus.LEAVE, rng.choice(LEAVE_REASONS)
        else:
            status, reason = AttendanceStatus.ABSENT, ""
        out.append([m, counts, status, reason])
    base = sum(1 for x in out if x[1])
    if short and base >= 3:
        # Well under half of those counting for the quorum came.
        keep = max(0, base // 2 - 1)
        seen = 0
        for x in out:
            if x[1]:
                seen += 1
                if seen > keep and x[2] == AttendanceStatus.PRESENT:
                    x[2], x[3] = AttendanceStatus.LEAVE, rng.choice(LEAVE_REASONS)
    elif not short and base:
        # An ordinary meeting meets its quorum: bring back people on leave if needed.
        for x in out:
            present = sum(1 for y in out if y[1] and y[2] == AttendanceStatus.PRESENT)
            if present * 2 > base:
                break
            if x[1] and x[2] != AttendanceStatus.PRESENT and not x[0].is_lost:
                x[2], x[3] = AttendanceStatus.PRESENT, ""
    return [tuple(x) for x in out]


def counts_of(marks) -> dict:
    present = leave = base = quorum_present = 0
    PRESENT, LEAVE = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE
    for _, c, s, _ in marks:  # one pass: run for each of the district's 180,000 records
        if c:
            base += 1
        if s == PRESENT:
            present += 1
            if c:
                quorum_present += 1
        elif s == LEAVE:
            leave += 1
    return {
        "expected_count": len(marks),
        "present_count": present,
        "leave_count": leave,
        "quorum_base": base,
        "quorum_present": quorum_present,
        "quorum_met": base > 0 and quorum_present * 2 > base,
    }


# ---------------------------------------------------------------- anomalies


def entered_at(rng, p: Plan, today, tz=None):
    """When the record was typed in: the same evening or within a few days (never later than
    yesterday, so the same seed on the same day gives the same rows), unless entered late."""
    delay = p.late_days or rng.choice([0, 0, 0, 1, 1, 2, 3, 5])
    day = min(p.held_on + days(delay), today - days(1))
    if day == p.held_on:
        hour = rng.randint(min(p.start_time.hour + 2, 22), 23)
    else:
        hour = rng.randint(8, 21)
    return timezone.make_aware(datetime.datetime.combine(day, T(hour, rng.randrange(60))), tz)


def pick_anomalies(rng, plans, today, *, late=4, photo_time=2, reused=2, similar=2):
    """Mark records for each kind of flag, outside the demo branch (which gets one late entry)."""
    pool = [p for p in plans if not p.info.demo]
    old = [p for p in pool if p.held_on <= today - days(45)]
    for p in rng.sample(old, min(late, len(old))):
        p.late_days = rng.randint(32, min(80, (today - p.held_on).days - 1))
    demo = [p for p in plans if p.info.demo and p.held_on <= today - days(45) and p.type == AT.THEME_DAY]
    if demo:
        p = rng.choice(demo)
        p.late_days = rng.randint(32, min(70, (today - p.held_on).days - 1))
    with_photos = [p for p in pool if p.photos and not p.late_days]
    for p in rng.sample(with_photos, min(photo_time, len(with_photos))):
        p.photo_shift = rng.randint(90, 400)
    used = {id(p) for p in plans if p.late_days or p.photo_shift}
    for kind, n in (("photo", reused), ("text", similar)):
        for i in range(n):
            for _ in range(200):
                a, b = rng.sample(with_photos, 2)
                if a.info is b.info or id(a) in used or id(b) in used:
                    continue
                if a.sort_key > b.sort_key:
                    a, b = b, a
                if kind == "text" and (a.type != b.type or a.type == AT.GROUP):
                    continue
                used.update((id(a), id(b)))
                if kind == "photo":
                    b.reuse_photo_of, b.reuse_resized = a, i % 2 == 1
                else:
                    b.copy_text_of = a
                break


def nearly_the_same(content, held_on, new_held_on):
    """Minutes copied from another record with the date changed — or verbatim, should the
    new date move the text beyond what the similarity check calls nearly identical."""
    copied = content.replace(cn_date(held_on), cn_date(new_held_on), 1)
    h_a, h_b = textsim.simhash(content), textsim.simhash(copied)
    if h_a is None or h_b is None or images.hamming(h_a, h_b) > textsim.MAX_DISTANCE:
        return content
    return copied


@contextmanager
def phase_of(log, label):
    t = time.perf_counter()
    yield
    log(f"  {label}：{time.perf_counter() - t:.2f} 秒")


def log_flags_after_commit(log):
    def report():
        counts = defaultdict(int)
        for kind in IntegrityFlag.objects.values_list("kind", flat=True):
            counts[kind] += 1
        detail = "，".join(f"{FlagKind(k).label} {n}" for k, n in sorted(counts.items()))
        log(f"  异常提示 {sum(counts.values())} 条：{detail or '无'}")

    transaction.on_commit(report)
