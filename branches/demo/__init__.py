"""Demo data: a believable small district, or district scale for the benchmark.

Both scales run through one ``DemoBuilder``: it builds every row in memory (organizations
with their materialized paths, members, groups, terms, seats, transfers, sanctions), then
writes them table by table with ``bulk_create`` and bulk history rows, so 90,000 members
take seconds rather than an hour of per-row ``save()``. All randomness comes from one
``random.Random(seed)``: the same seed on the same day gives the same district.

Layout (``DemoBuilder`` is assembled from one mixin per kind of row it builds):

- ``plan``: what a district is made of (``CommitteeSpec``, ``BranchSpec`` …) and ``small_plan``;
  ``district``: ``district_plan`` for district scale.
- ``builder``: ``DemoBuilder`` itself (``run`` builds in memory, then writes).
- ``tree`` (organizations), ``members`` (members and party groups), ``committees`` (terms and
  seats), ``sanctions``, ``transfers``, ``accounts`` (users and roles), ``writing`` (bulk writes).
- ``names``, ``profiles``, ``common``: vocabularies, member profiles, constants and tools.
- ``flush``: ``flush_demo_data``.

Used by ``manage.py seed_demo`` and by ``bench/run.py``.
"""

from branches.demo.builder import DemoBuilder
from branches.demo.common import DEMO_BRANCH, DEMO_PASSWORD, REVIEWER_COMMITTEE, Weighted, id_number
from branches.demo.district import district_plan
from branches.demo.flush import flush_demo_data
from branches.demo.names import FEMALE_GIVEN, MALE_GIVEN, SURNAMES
from branches.demo.plan import BranchSpec, CommitteeSpec, GeneralSpec, branch_spec, small_plan

__all__ = [
    "DEMO_BRANCH",
    "DEMO_PASSWORD",
    "FEMALE_GIVEN",
    "MALE_GIVEN",
    "REVIEWER_COMMITTEE",
    "SURNAMES",
    "BranchSpec",
    "CommitteeSpec",
    "DemoBuilder",
    "GeneralSpec",
    "Weighted",
    "branch_spec",
    "district_plan",
    "flush_demo_data",
    "id_number",
    "small_plan",
]
