"""What each demo branch holds in the year: its profile and the plan of its records."""

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from branches.models import MemberStatus, OrgStatus, Standing
from branches.selectors import branch_on
from ledgers.demo.common import AT, D, T, days
from ledgers.demo.words import PLACE_PROFILE, START_TIMES
from ledgers.models import LifeMeetingLevel

# ---------------------------------------------------------------- branches


def m_active_on(m, day):
    return m.joined_on <= day and (m.standing == Standing.ACTIVE or (m.left_on is not None and m.left_on > day))


@dataclass(eq=False)
class BranchInfo:
    org: object
    profile: str  # key of PLACES
    upper_name: str
    members: list
    groups: list
    seats: list  # every term's seats, ordered as expected_attendees orders them
    demo: bool = False
    diligence: float = 1.0
    current_seats: list = field(default_factory=list)  # the term in office
    stable: list = field(default_factory=list)  # on the roster the whole window
    variable: list = field(default_factory=list)  # on the roster part of it
    former: list = field(default_factory=list)  # moved to another branch during the window
    moves: dict = field(default_factory=dict)  # member id -> (occurred_on, from_branch_id) in date order
    flows_in: list = field(default_factory=list)  # MemberFlow rows into this branch from other branches

    def branch_on(self, m, day):
        """Where ``m`` was on ``day``, read from the transfers as ``services.roster_on`` does."""
        return branch_on(self.moves.get(m.pk, ()), m.branch_id, day)

    def prepare(self, window_start, today):
        for m in [*self.members, *self.former]:
            active = m.standing == Standing.ACTIVE
            moved = any(on > window_start for on, _ in self.moves.get(m.pk, ()))
            if active and m.joined_on <= window_start and not moved and m.branch_id == self.org.pk:
                self.stable.append(m)
            elif m.joined_on <= today and (active or (m.left_on and m.left_on > window_start)):
                self.variable.append(m)
        self.stable_by_group = defaultdict(list)
        for m in self.stable:
            self.stable_by_group[m.party_group_id].append(m)

    def roster(self, day, group_id=None):
        """``services.roster_on`` (optionally one group's part) from the members in memory."""
        base = self.stable if group_id is None else self.stable_by_group[group_id]
        extra = [
            m
            for m in self.variable
            if m.joined_on <= day
            and (m.standing == Standing.ACTIVE or m.left_on > day)
            and (group_id is None or m.party_group_id == group_id)
            and self.branch_on(m, day) == self.org.pk
        ]
        return base + extra if extra else base

    def committee_on(self, day):
        seen, out = set(), []
        for s in self.seats:
            t = s.term
            if s.holder_id and t.elected_on <= day and (t.ended_on is None or t.ended_on > day):
                if s.holder_id not in seen:
                    seen.add(s.holder_id)
                    out.append(s.holder)
        return out

    def expected(self, type_, day, group=None):
        """(member, counts_for_quorum), as ``services.expected_attendees`` gives them."""
        if type_ == AT.COMMITTEE:
            return [(m, True) for m in self.committee_on(day)]
        if type_ == AT.GROUP:
            return [(m, True) for m in self.roster(day, group.pk)]
        people = self.roster(day)
        guests = [  # as branches.flow_selectors.flowing_in: 流入 from other branches, not in the quorum
            (f.member, False)
            for f in self.flows_in
            if f.started_on <= day and (f.ended_on is None or f.ended_on > day) and m_active_on(f.member, day)
        ]
        if type_ == AT.CONGRESS:
            return [
                (m, m.status == MemberStatus.FULL and m.full_member_on is not None and m.full_member_on <= day)
                for m in people
            ] + guests
        return [(m, True) for m in people] + guests

    def holder(self, *positions):
        for p in positions:
            for s in self.current_seats:
                if s.position == p and s.holder is not None:
                    return s.holder
        return None


def branch_infos(builder, window_start, today) -> list[BranchInfo]:
    """The live branches with members, from the builder's objects (already saved)."""
    groups = defaultdict(list)
    for g in builder.groups:
        groups[g.branch_id].append(g)
    seats = defaultdict(list)
    for s in builder.seats:
        seats[s.term.branch_id].append(s)
    moves = defaultdict(list)
    former = defaultdict(list)
    for t in sorted(builder.transfers, key=lambda t: t.occurred_on):  # stable: ties keep id order
        moves[t.member_id].append((t.occurred_on, t.from_branch_id))
        if t.from_branch_id and t.occurred_on > window_start and t.from_branch_id != t.member.branch_id:
            former[t.from_branch_id].append(t.member)
    flows_in = defaultdict(list)
    for f in getattr(builder, "flows", []):
        if f.in_branch_id and f.in_branch_id != f.member.branch_id:
            flows_in[f.in_branch_id].append(f)
    out = []
    for b in builder.branches:
        org = b.org
        if org.status != OrgStatus.ACTIVE or not any(m.standing == Standing.ACTIVE for m in b.members):
            continue
        branch_seats = sorted(seats[org.pk], key=lambda s: (s.position, s.pk))
        info = BranchInfo(
            org=org,
            profile=PLACE_PROFILE.get(org.branch_type, "village"),
            upper_name=b.committee.name,
            members=b.members,
            groups=sorted(groups[org.pk], key=lambda g: g.name),
            seats=branch_seats,
            demo=b.spec.demo,
            former=list({id(m): m for m in former[org.pk]}.values()),
            moves=moves,
            flows_in=flows_in[org.pk],
        )
        info.current_seats = [s for s in branch_seats if s.term.ended_on is None]
        info.prepare(window_start, today)
        out.append(info)
    return out


# ---------------------------------------------------------------- plan


@dataclass(eq=False)
class Plan:
    info: BranchInfo
    type: str
    held_on: datetime.date
    start_time: datetime.time
    group: object = None
    life_level: str = ""
    photos: int = 1
    short: bool = False  # quorum deliberately not met
    late_days: int = 0  # entered this many days after the activity (LATE_ENTRY when > 30)
    photo_shift: int = 0  # first photo taken this many days before the activity (PHOTO_TIME)
    reuse_photo_of: "Plan | None" = None  # first photo is the first photo of that record
    reuse_resized: bool = False
    copy_text_of: "Plan | None" = None  # minutes copied from that record (SIMILAR_TEXT)
    order: int = 0
    # filled while writing
    content: str = ""
    pieces: list = field(default_factory=list)
    topic: str = ""
    photo_data: list = field(default_factory=list)
    activity_id: int | None = None

    @property
    def sort_key(self):
        return (self.held_on, self.start_time, self.order)


def _months(start, today):
    y, m = start.year, start.month
    while (y, m) <= (today.year, today.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _last_day(y, m):
    return (D(y + (m == 12), m % 12 + 1, 1) - days(1)).day


class Planner:
    """Which activities each branch held, on which day; deliberate gaps and defects."""

    def __init__(self, rng, today, window_start):
        self.rng, self.today, self.window_start = rng, today, window_start
        self._order = itertools.count()

    def _day(self, y, m, lo, hi):
        hi = min(hi, _last_day(y, m))
        return D(y, m, self.rng.randint(min(lo, hi), hi))

    def _time(self, info):
        return self.rng.choice(START_TIMES[info.profile])

    def _photos(self, info, type_):
        r = self.rng.random()
        if not info.demo and r < 0.03:
            return 0
        if type_ in (AT.COMMITTEE, AT.GROUP):
            return 1 if r < 0.9 else 2
        return 1 if r < 0.5 else 2 if r < 0.9 else 3

    def branch(self, info, *, skip_month=None) -> list[Plan]:
        rng, today = self.rng, self.today
        founded = info.org.founded_on or self.window_start
        start = max(self.window_start, founded)
        out = []

        def held():
            return info.demo or rng.random() < info.diligence

        def add(type_, day, group=None, start_time=None):
            if day >= today or day < start:  # up to yesterday: what was held has been recorded
                return None
            p = Plan(info, type_, day, start_time or self._time(info), group, order=next(self._order))
            p.photos = self._photos(info, type_)
            p.short = not info.demo and rng.random() < 0.02
            out.append(p)
            return p

        theme_day = rng.choice([5, 8, 10, 12, 15, 18, 20, 25])
        for y, m in _months(start, today):
            first = D(y, m, 1)
            if held() and (y, m) != skip_month:
                day = self._day(y, m, 2, 12)
                if len(info.committee_on(day)) >= 2:
                    add(AT.COMMITTEE, day)
            if held():
                add(AT.THEME_DAY, first.replace(day=min(_last_day(y, m), max(1, theme_day + rng.randint(-2, 2)))))
            for g in info.groups:
                if held():
                    add(AT.GROUP, self._day(y, m, 8, 26), group=g)
        # quarters: 党员大会, 党课 (often the same afternoon); only this year's quarters
        this_year = today.year
        for q in range(4):
            months = [mm for mm in range(3 * q + 1, 3 * q + 4) if D(this_year, mm, 1) <= today]
            if not months:
                continue
            congress = None
            if held():
                m = rng.choice(months)
                congress = add(AT.CONGRESS, self._day(this_year, m, 3, 25))
            if held():
                if congress is not None and rng.random() < 0.4:
                    t = congress.start_time
                    add(AT.LECTURE, congress.held_on, start_time=T(min(t.hour + 1, 21), t.minute))
                else:
                    add(AT.LECTURE, self._day(this_year, rng.choice(months), 3, 27))
        # 组织生活会: the year's meeting in January–February, a special one in July–October;
        # 民主评议党员 a few days after the first.
        life1 = None
        if held():
            life1 = add(AT.LIFE, self._day(this_year, rng.choice([1, 2]), 6, 26))
        if held():
            add(AT.LIFE, self._day(this_year, rng.choice([7, 8, 9, 10]), 5, 26))
        if held():
            base = life1.held_on if life1 else self._day(this_year, 2, 10, 25)
            add(AT.APPRAISAL, base + days(rng.randint(1, 20)))
        for _ in range(rng.randint(2, 6)):
            y, m = rng.choice(list(_months(start, today)))
            add(AT.SERVICE, self._day(y, m, 1, 28))
        for p in out:
            if p.type == AT.LIFE:
                p.life_level = LifeMeetingLevel.BRANCH.value
        return out


