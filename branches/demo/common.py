"""Constants and small tools that every part of the demo uses."""

import contextlib
import datetime
import itertools

DEMO_PASSWORD = "demo12345"
ROOT_NAME = "中共常州市武进区委组织部"
REVIEWER_COMMITTEE = "湖塘镇党委"
DEMO_BRANCH = "东街村党支部"
BATCH = 2000
MIN_SIZE, MAX_SIZE = 3, 120
CORE = 7  # the first members of a branch: full members without special flags, committee material

D = datetime.date
days = datetime.timedelta


def dues_start(today: datetime.date) -> datetime.date:
    """The demo platform has recorded dues since January last year: the 党费起算月 of the
    members on it then (or the month they joined, when later)."""
    return D(today.year - 1, 1, 1)


def cn(n: int) -> str:
    """Chinese numeral for 1..99 (第一, 第十二 …)."""
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 20:
        return "十" + (d[n - 10] if n > 10 else "")
    if n < 100:
        t, u = divmod(n, 10)
        return d[t] + "十" + (d[u] if u else "")
    return str(n)


class Weighted:
    def __init__(self, weights: dict):
        self.keys = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def pick(self, rng):
        return rng.choices(self.keys, cum_weights=self.cum)[0]


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(region: str, birth: datetime.date, seq: int) -> str:
    """An 18-digit resident identity number with the GB 11643 check digit."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


@contextlib.contextmanager
def without_savepoints(connection):
    """Nested ``transaction.atomic`` blocks make no savepoints while seeding.

    The services open an atomic block per call; inside the seed's one transaction each
    costs a SAVEPOINT and a RELEASE round trip (about a quarter of the small demo's
    queries). The seed has one writer and no expected database errors: any error rolls the
    whole seed back (on PostgreSQL the next query fails loudly, nothing is half-written).
    """
    features = connection.features
    before = features.uses_savepoints
    features.uses_savepoints = False
    try:
        yield
    finally:
        features.uses_savepoints = before
