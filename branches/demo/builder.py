"""``DemoBuilder``: builds a planned district in memory, then writes it."""

import random
import time
from contextlib import contextmanager

from django.utils import timezone

from branches.demo.accounts import AccountsMixin
from branches.demo.committees import CommitteesMixin
from branches.demo.members import MembersMixin
from branches.demo.sanctions import SanctionsMixin
from branches.demo.transfers import TransfersMixin
from branches.demo.tree import DemoBranch, OrgTreeMixin
from branches.demo.writing import WritingMixin
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    Member,
    MemberTransfer,
    Organization,
    OrgChange,
    PartyGroup,
    Sanction,
)


class DemoBuilder(
    OrgTreeMixin, MembersMixin, CommitteesMixin, SanctionsMixin, TransfersMixin, AccountsMixin, WritingMixin
):
    def __init__(self, *, seed: int, log=None):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.log = log or (lambda msg: None)
        self._pinyin: dict[str, tuple[str, str]] = {}
        self._ids: set[str] = set()
        self.orgs: list[Organization] = []
        self.changes: list[OrgChange] = []
        self.branches: list[DemoBranch] = []
        self.groups: list[PartyGroup] = []
        self.leaders: list[tuple[PartyGroup, Member]] = []
        self.terms: list[CommitteeTerm] = []
        self.postponed: list[tuple[CommitteeTerm, bool]] = []  # (term, under the reviewer's committee)
        self.seats: list[CommitteeSeat] = []
        self.transfers: list[MemberTransfer] = []
        self.sanctions: list[Sanction] = []
        self.merges: list[tuple[DemoBranch, DemoBranch]] = []

    # -- timing

    @contextmanager
    def phase(self, label):
        t = time.perf_counter()
        yield
        self.log(f"  {label}：{time.perf_counter() - t:.2f} 秒")

    # -- entry point

    def run(self, plan) -> dict:
        """Build ``plan`` in memory, then write it. Call inside ``transaction.atomic``."""
        with self.phase("生成（内存）"):
            self._tree(plan)
            self._members()
            self._groups()
            self._scenarios()
            self._terms()
            self._sanctions()
            self._transfers()
        return self._write(plan)
