"""One-vote veto (一票否决) detection: each returns ``{branch_id: [(text, evidence), …]}``.

A veto is judged on ``ctx.today``: the day a decision is taken (committee review, district
acceptance: ``assessment.services.vetoes_redetect``), or the day a draft's suggestions are
computed. What counts is the window's start up to that day, not the window's last day: a
书记 seat vacated in January and still empty at acceptance is a veto, and so is a sanction
imposed after the window while it is in force.

The texts are stable (they name dates of the facts, never the day of judging), so that a
veto a reviewer lifted with a reason is recognised when it is detected again.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from assessment.rules.base import link, veto_rule
from assessment.rules.helpers import cn_date
from branches.models import CommitteeSeat, Position, Sanction, SanctionKind


@dataclass
class Stretch:
    """One stretch of a committee seat: held by ``holder_id`` (None: vacant, 出缺) from
    ``start`` until ``end`` (None: still so)."""

    seat_id: int
    branch_id: int
    position: str
    holder_id: int | None
    holder_name: str | None
    start: datetime.date
    end: datetime.date | None

    def overlaps(self, start, end) -> bool:
        return self.start <= end and (self.end is None or self.end >= start)

    def covers(self, day) -> bool:
        return self.start <= day and (self.end is None or self.end > day)


def seat_stretches(ctx) -> dict[int, list[Stretch]]:
    """Per branch, the stretches of every seat of the terms in office at some time from the
    window's start to ``ctx.today``: who held it from when, and when it stood vacant (from
    出缺 until 补选, or until the term ended). Read from the seats' history, since a
    by-election overwrites the vacancy on the seat row; a seat without history rows (bulk
    loaded) has its present state only. Two queries."""

    def load():
        on = ctx.today
        seats = {
            row[0]: row
            for row in CommitteeSeat.objects.filter(term__branch_id__in=ctx.branch_ids, term__elected_on__lte=on)
            .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gte=ctx.start))
            .values_list(
                "id", "term__branch_id", "position", "term__ended_on", "holder_id", "since", "vacated_on",
                "holder__name",
            )
        }  # fmt: skip
        names = {row[4]: row[7] for row in seats.values() if row[4]}
        states = defaultdict(list)
        for seat_id, holder_id, since, vacated_on, holder_name in (
            CommitteeSeat.history.filter(id__in=list(seats))
            .exclude(history_type="-")
            .order_by("id", "history_date", "history_id")
            .values_list("id", "holder_id", "since", "vacated_on", "holder__name")
        ):
            states[seat_id].append((holder_id, since, vacated_on))
            if holder_id:
                names.setdefault(holder_id, holder_name)
        out = defaultdict(list)
        for seat_id, (_, branch_id, position, ended_on, holder_id, since, vacated_on, _) in seats.items():
            stretches = []
            for holder, held_since, vacated in [*states[seat_id], (holder_id, since, vacated_on)]:
                start = held_since if holder else (vacated or held_since)
                if stretches and stretches[-1].holder_id == holder:
                    continue
                if stretches:
                    stretches[-1].end = max(start, stretches[-1].start)
                stretches.append(Stretch(seat_id, branch_id, position, holder, names.get(holder), start, None))
            if ended_on is not None:
                stretches[-1].end = ended_on
            out[branch_id] += stretches
        return out

    return ctx.once("rec:seat_stretches", load)


@veto_rule(
    "secretary_vacant",
    "作出审核、验收决定时（草稿为计算建议分时）党支部没有在任书记，或考核期内（至决定之日）书记出缺超过考核细则版本规定的"
    "补选期限（默认90天）：书记缺职。",
)
def veto_secretary_vacant(ctx):
    on, grace = ctx.today, ctx.vacancy_grace_days
    out = {}
    for bid in ctx.branch_ids:
        secretary = [s for s in seat_stretches(ctx).get(bid, []) if s.position == Position.SECRETARY]
        evidence = [link("支部页面（支委会）", "branch_detail", bid)]
        hits = []
        now = next((s for s in secretary if s.covers(on)), None)
        if now is None:
            hits.append(("平台上没有在任的党支部书记（没有在任的支委会届次或书记职务记录）。", evidence))
        elif now.holder_id is None:
            hits.append((f"党支部书记自{cn_date(now.start)}出缺，至今未补选。", evidence))
        for s in secretary:
            if s is now or s.holder_id is not None or s.end is None or not s.overlaps(ctx.start, on):
                continue
            days = (s.end - s.start).days
            if days > grace:
                hits.append(
                    (f"党支部书记于{cn_date(s.start)}至{cn_date(s.end)}缺职{days}天，超过补选期限{grace}天。", evidence)
                )
        if hits:
            out[bid] = hits
    return out


def _sanctioned_holders(ctx, min_kind, positions):
    """Sanctions of at least ``min_kind`` of people who held one of ``positions`` in the
    branch's committee at some time from the window's start to ``ctx.today``, in force
    (imposed, and its 影响期 not over) during that time in office. Two queries (one shared)."""
    on = ctx.today
    held = defaultdict(list)  # member → [(branch, position, from, to)]
    for bid, stretches in seat_stretches(ctx).items():
        for s in stretches:
            if s.holder_id and s.position in positions and s.overlaps(ctx.start, on):
                held[s.holder_id].append((bid, s.position, max(s.start, ctx.start), min(s.end or on, on)))
    hits = defaultdict(list)
    if not held:
        return hits
    sanctions = (
        Sanction.objects.filter(member_id__in=list(held), kind__gte=min_kind, imposed_on__lte=on)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=ctx.start))
        .select_related("member")
        .order_by("imposed_on", "id")
    )
    for s in sanctions:
        seen = set()
        for bid, position, start, end in held[s.member_id]:
            in_force = s.imposed_on <= end and (s.effective_until is None or s.effective_until >= start)
            if not in_force or (bid, position) in seen:
                continue
            seen.add((bid, position))
            hits[bid].append(
                (
                    f"{Position(position).label}{s.member.name}于{s.imposed_on}受{s.get_kind_display()}处分。",
                    [link(s.member.name, "member_detail", s.member_id)],
                )
            )
    return hits


@veto_rule(
    "secretary_sanctioned",
    "考核期内至作出决定之日在任的党支部书记，在任期间受党内警告以上处分（处分在影响期内），包括考核期结束后受到的处分。",
)
def veto_secretary_sanctioned(ctx):
    return _sanctioned_holders(ctx, SanctionKind.WARNING, [Position.SECRETARY])


@veto_rule(
    "committee_member_sanctioned",
    "考核期内至作出决定之日在任的其他支委班子成员，在任期间受党内严重警告以上处分（处分在影响期内）。",
)
def veto_member_sanctioned(ctx):
    others = [p for p in Position.values if p != Position.SECRETARY]
    return _sanctioned_holders(ctx, SanctionKind.SERIOUS_WARNING, others)


@veto_rule("no_special_fund", "考核年度未落实党建工作专项经费（经费页面未登记专项经费）。")
def veto_no_special_fund(ctx):
    from ledgers.models import FundingYear

    funded = set(
        FundingYear.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year, has_special_fund=True).values_list(
            "branch_id", flat=True
        )
    )
    return {
        bid: [(f"{ctx.year}年度未落实党建工作专项经费。", [link("党建工作经费", "funding_page", bid)])]
        for bid in ctx.branch_ids
        if bid not in funded
    }
