"""Suggested scores and detected vetoes, computed set-based for many branches at once.

Each rubric item names a rule (``RubricItem.rule``). A rule receives a ``Context`` (the
period's window and the branches) and returns ``{branch_id: Suggestion}`` using a few
queries for all branches together — never a query per branch. A branch missing from the
result gets "no basis" and stays manual. The rules table page shows ``Rule.description``.

Rules for items other than the activity frequencies live in ``rules_records.py`` and
register themselves here with ``@rule``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from branches.models import CommitteeSeat, PartyGroup, Position, Sanction, SanctionKind
from ledgers.models import Activity, ActivityType
from ledgers.selectors import REQUIREMENTS, period_bounds, period_index

from .scoring import proportional


@dataclass
class Suggestion:
    score: Decimal | None
    reason: str
    evidence: list = field(default_factory=list)  # [{"label": str, "url": str}]


@dataclass
class Context:
    start: datetime.date
    end: datetime.date
    branch_ids: list
    today: datetime.date = field(default_factory=timezone.localdate)
    cache: dict = field(default_factory=dict)

    @property
    def year(self):
        return self.end.year

    @property
    def judged_end(self):
        """Periods after today cannot be required yet (a draft refreshed mid-year)."""
        return min(self.end, self.today)

    def once(self, key, fn):
        """Share one computation (e.g. all activities in the window) between rules."""
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]


@dataclass
class Rule:
    key: str
    description: str
    fn: object


RULES: dict[str, Rule] = {}
VETO_RULES: dict[str, Rule] = {}


def rule(key, description):
    def register(fn):
        RULES[key] = Rule(key, description, fn)
        return fn

    return register


def veto_rule(key, description):
    def register(fn):
        VETO_RULES[key] = Rule(key, description, fn)
        return fn

    return register


def link(label, name, *args, query=""):
    return {"label": label, "url": reverse(name, args=args) + (f"?{query}" if query else "")}


# ---------------------------------------------------------------- activity frequencies


def _complete_records(ctx):
    """Every complete record (quorum met, with a photo) of a required type in the window: one query."""
    rows = (
        Activity.objects.filter(
            branch_id__in=ctx.branch_ids,
            held_on__gte=ctx.start,
            held_on__lte=ctx.end,
            quorum_met=True,
            photo_count__gt=0,
            type__in=[t for t, _, _ in REQUIREMENTS],
        )
        .order_by("held_on", "id")
        .values_list("branch_id", "type", "party_group_id", "id", "held_on")
    )
    out = defaultdict(list)
    for branch_id, type_, group_id, pk, held_on in rows:
        out[(branch_id, type_)].append((group_id, pk, held_on))
    return out


def periods_in_window(kind, start, end):
    out = []
    for year in range(start.year, end.year + 1):
        for i in range({"month": 12, "quarter": 4, "half": 2, "year": 1}[kind]):
            ps, pe = period_bounds(kind, year, i)
            if ps >= start and pe <= end:
                out.append((year, i))
    return out


def _groups(ctx):
    groups = defaultdict(list)
    for branch_id, pk in PartyGroup.objects.filter(branch_id__in=ctx.branch_ids, is_active=True).values_list(
        "branch_id", "pk"
    ):
        groups[branch_id].append(pk)
    return groups


KIND_LABEL = {"month": "个月", "quarter": "个季度", "half": "个半年"}


def _frequency(ctx, item, type_, kind):
    records = ctx.once("complete_records", lambda: _complete_records(ctx))
    periods = periods_in_window(kind, ctx.start, ctx.judged_end)
    label = ActivityType(type_).label
    points = item.points
    out = {}
    groups = ctx.once("groups", lambda: _groups(ctx)) if type_ == ActivityType.GROUP else None
    for bid in ctx.branch_ids:
        recs = records.get((bid, type_), [])
        satisfied_periods, used = set(), []
        for group_id, pk, held_on in recs:
            key = (group_id if type_ == ActivityType.GROUP else None, held_on.year, period_index(kind, held_on.month))
            if key[1:] in periods and key not in satisfied_periods:
                satisfied_periods.add(key)
                used.append((pk, held_on))
        evidence = [link("完成情况日历", "branch_calendar", bid, query=f"year={ctx.year}")]
        evidence += [link(f"{held_on:%Y-%m-%d} {label}", "activity_detail", pk) for pk, held_on in used[:24]]
        if type_ == ActivityType.GROUP:
            n_groups = len(groups.get(bid, []))
            if not n_groups:
                out[bid] = Suggestion(None, "本支部未划分党小组，本项需人工评分。", evidence)
                continue
            required = len(periods) * n_groups
            done = len({k for k in satisfied_periods if k[0] in groups[bid]})
            unit = f"组·月（{n_groups}个党小组×{len(periods)}个月）"
        else:
            required = len(periods)
            done = len(satisfied_periods)
            unit = KIND_LABEL[kind]
        if not required:
            out[bid] = Suggestion(None, "考核期内没有完整的考核时段，本项需人工评分。", evidence)
            continue
        score = proportional(points, done, required)
        out[bid] = Suggestion(
            score,
            f"考核期内应开展{required}{unit}，其中{done}个时段有到会人数符合要求且附照片的{label}记录，"
            f"按 {points.normalize()}×{done}/{required} 向下取 0.5 分得 {score.normalize()} 分。",
            evidence,
        )
    return out


for _type, _kind, _label in REQUIREMENTS:
    if _type in (ActivityType.APPRAISAL, ActivityType.THEME_DAY):
        continue

    def _make(type_=_type, kind=_kind):
        def fn(ctx, item):
            return _frequency(ctx, item, type_, kind)

        return fn

    RULES[f"freq_{_type}"] = Rule(
        f"freq_{_type}",
        f"{_label}：考核期内每个时段（{ {'month': '月', 'quarter': '季度', 'half': '半年'}[_kind] }）"
        f"有一次到会人数符合要求且附照片的记录即为达标；建议分 = 分值 × 达标时段数 ÷ 应达标时段数，向下取 0.5 分。"
        + ("按全部党小组的“组·月”计算；未划分党小组的需人工评分。" if _type == ActivityType.GROUP else ""),
        _make(),
    )


# ---------------------------------------------------------------- vetoes


@veto_rule("secretary_vacant", "考核期截止时（或今天，取较早者）党支部没有在任书记：书记缺职。")
def veto_secretary_vacant(ctx):
    on = min(ctx.end, ctx.today)
    # The 书记 seat of the term in office on that day, held on that day: filled now, or
    # vacated only after it.
    filled = set(
        CommitteeSeat.objects.filter(
            term__branch_id__in=ctx.branch_ids,
            term__elected_on__lte=on,
            position=Position.SECRETARY,
            since__lte=on,
        )
        .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gt=on))
        .filter(Q(holder__isnull=False) | Q(vacated_on__gt=on))
        .values_list("term__branch_id", flat=True)
    )
    return {
        bid: [("考核期截止时党支部书记缺职。", [link("支部页面", "branch_detail", bid)])]
        for bid in ctx.branch_ids
        if bid not in filled
    }


def _sanctions_in_window(ctx, min_kind, positions):
    """Sanctions of at least ``min_kind`` in effect during the window, of people who held one
    of ``positions`` in the branch's committee during the window. Two queries."""
    seats = (
        CommitteeSeat.objects.filter(term__branch_id__in=ctx.branch_ids, position__in=positions, holder__isnull=False)
        .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gte=ctx.start))
        .values_list("term__branch_id", "holder_id", "position")
    )
    holders = defaultdict(set)
    for bid, member_id, position in seats:
        holders[member_id].add((bid, position))
    hits = defaultdict(list)
    if not holders:
        return hits
    sanctions = (
        Sanction.objects.filter(member_id__in=list(holders), kind__gte=min_kind, imposed_on__lte=ctx.end)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=ctx.start))
        .select_related("member")
    )
    for s in sanctions:
        for bid, position in holders[s.member_id]:
            hits[bid].append(
                (
                    f"{Position(position).label}{s.member.name}于{s.imposed_on}受{s.get_kind_display()}处分。",
                    [link(s.member.name, "member_detail", s.member_id)],
                )
            )
    return hits


@veto_rule("secretary_sanctioned", "考核期内在任的党支部书记受党内警告以上处分（处分影响期与考核期有重叠）。")
def veto_secretary_sanctioned(ctx):
    return _sanctions_in_window(ctx, SanctionKind.WARNING, [Position.SECRETARY])


@veto_rule(
    "committee_member_sanctioned",
    "考核期内在任的其他支委班子成员受党内严重警告以上处分（处分影响期与考核期有重叠）。",
)
def veto_member_sanctioned(ctx):
    others = [p for p in Position.values if p != Position.SECRETARY]
    return _sanctions_in_window(ctx, SanctionKind.SERIOUS_WARNING, others)


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


def compute(ctx, items):
    """Suggestions for every (branch, item) and detected vetoes for every branch."""
    from . import rules_records  # noqa: F401  (registers the other rules)

    suggestions = {}
    for item in items:
        r = RULES.get(item.rule)
        result = r.fn(ctx, item) if r else {}
        for bid in ctx.branch_ids:
            suggestions[(bid, item.pk)] = result.get(bid) or Suggestion(
                None, "平台记录不足以判断本项，需人工评分。" if r else "本项内容平台记录无法反映，需人工评分。"
            )
    vetoes = defaultdict(dict)
    for key, r in VETO_RULES.items():
        for bid, hits in r.fn(ctx).items():
            vetoes[bid][key] = hits
    return suggestions, vetoes
