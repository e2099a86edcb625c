"""The machinery every rule shares: the context, the result, the registries.

A rule receives a ``Context`` (the period's window and the branches) and returns
``{branch_id: Suggestion}`` using a few queries for all branches together — never a query
per branch. Item rules register with ``@rule(key, description)`` into ``RULES``, veto rules
with ``@veto_rule`` into ``VETO_RULES``; ``compute`` runs them. The rules table page shows
``Rule.description``.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from ledgers.activities.selectors import period_bounds


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
    # The day of judging: suggestions stop at it (``judged_end``) and vetoes are judged on it
    # (the day of a committee or district decision, or of computing a draft).
    today: datetime.date = field(default_factory=timezone.localdate)
    vacancy_grace_days: int = 90  # the rubric version's 书记出缺补选期限
    term_rule_set_id: int | None = None  # the period's 换届任期规定; None: the one in force at each election
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


def periods_in_window(kind, start, end):
    out = []
    for year in range(start.year, end.year + 1):
        for i in range({"month": 12, "quarter": 4, "half": 2, "year": 1}[kind]):
            ps, pe = period_bounds(kind, year, i)
            if ps >= start and pe <= end:
                out.append((year, i))
    return out


def detect_vetoes(ctx) -> dict:
    """{branch: {veto rule key: [(text, evidence), …]}} for the branches of ``ctx``, judged on ``ctx.today``."""
    vetoes = defaultdict(dict)
    for key, r in VETO_RULES.items():
        for bid, hits in r.fn(ctx).items():
            vetoes[bid][key] = hits
    return vetoes


def compute(ctx, items):
    """Suggestions for every (branch, item) and detected vetoes for every branch."""
    suggestions = {}
    for item in items:
        r = RULES.get(item.rule)
        result = r.fn(ctx, item) if r else {}
        for bid in ctx.branch_ids:
            suggestions[(bid, item.pk)] = result.get(bid) or Suggestion(
                None, "平台记录不足以判断本项，需人工评分。" if r else "本项内容平台记录无法反映，需人工评分。"
            )
    return suggestions, detect_vetoes(ctx)
