"""Suggested scores and detected vetoes, computed set-based for many branches at once.

Each rubric item names a rule (``RubricItem.rule``, a key of ``RULES``). A rule receives a
``Context`` (the period's window and the branches) and returns ``{branch_id: Suggestion}``
using a few queries for all branches together — never a query per branch. A branch missing
from the result gets "no basis" and stays manual. The rules table page shows
``Rule.description``.

Layout:

- ``base``: ``Context``, ``Suggestion``, ``Rule``, the registries ``RULES`` / ``VETO_RULES``
  with their decorators ``@rule`` / ``@veto_rule``, ``compute`` and ``detect_vetoes`` (the vetoes
  alone, judged on the day of a decision).
- ``thresholds``, ``helpers``, ``reads``: what the record rules share (the thresholds each
  description states, score arithmetic, and reads cached on the context).
- One module per rubric section, each rule registering itself on import:
  ``organization`` (组织设置合理), ``member_development`` and ``member_management``
  (党员管理规范), ``activities`` and ``life`` (活动开展有序; 组织生活会 in ``life``),
  ``support`` (保障措施到位); and ``vetoes``
  (一票否决).

Importing this package registers every rule.
"""

from assessment.rules import (  # noqa: F401
    activities,
    life,
    member_development,
    member_management,
    organization,
    support,
    vetoes,
)
from assessment.rules.base import (
    RULES,
    VETO_RULES,
    Context,
    Rule,
    Suggestion,
    compute,
    detect_vetoes,
    link,
    periods_in_window,
    rule,
    veto_rule,
)

__all__ = [
    "RULES",
    "VETO_RULES",
    "Context",
    "detect_vetoes",
    "Rule",
    "Suggestion",
    "compute",
    "link",
    "periods_in_window",
    "rule",
    "veto_rule",
]
