"""Writing what the builder made: ``bulk_create`` table by table, with bulk history rows."""

from branches.demo.common import BATCH
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


class WritingMixin:
    """Writes the built rows (part of ``DemoBuilder``)."""

    def _insert(self, model, objs, *, history=True):
        model.objects.bulk_create(objs, batch_size=BATCH)
        if history:
            self._history(model, objs)

    def _history(self, model, objs):
        manager = model.history
        for i in range(0, len(objs), BATCH):
            manager.bulk_history_create(
                objs[i : i + BATCH],
                batch_size=BATCH,
                default_user=self.actor,
                default_date=self.now,
                default_change_reason="演示数据",
            )

    def _write(self, plan) -> dict:
        demo = next((b for b in self.branches if b.spec.demo), None)
        reviewer_committee = next((c for c in plan if c.reviewer), plan[0])
        counts = {}
        with self.phase("账号"):
            users = self._users(demo)
            self.actor = users["district"]
        with self.phase(f"组织 {len(self.orgs):,} 个"):
            self._insert(Organization, self.orgs, history=False)
            for merged, target in self.merges:
                merged.org.merged_into = target.org
                Organization.objects.filter(pk=merged.org.pk).update(merged_into=target.org)
            self._history(Organization, self.orgs)
        members = [m for b in self.branches for m in b.members]
        with self.phase(f"党小组 {len(self.groups):,} 个、党员 {len(members):,} 名"):
            self._insert(PartyGroup, self.groups, history=False)
            self._insert(Member, members)
            for g, leader in self.leaders:
                g.leader = leader
            PartyGroup.objects.bulk_update([g for g, _ in self.leaders], ["leader"], batch_size=BATCH)
            self._history(PartyGroup, self.groups)
        with self.phase(f"届次 {len(self.terms):,} 个、职务 {len(self.seats):,} 个"):
            for term, under_reviewer in self.postponed:
                term.postponement_approved_by = users["reviewer"] if under_reviewer else users["district"]
            self._insert(CommitteeTerm, self.terms)
            self._insert(CommitteeSeat, self.seats)
        with self.phase(
            f"接转 {len(self.transfers):,} 条、处分 {len(self.sanctions):,} 条、组织变更 {len(self.changes):,} 条"
        ):
            for t in self.transfers:
                t.actor = self.actor
            for c in self.changes:
                c.actor = self.actor
            self._insert(MemberTransfer, self.transfers)
            self._insert(Sanction, self.sanctions)
            self._insert(OrgChange, self.changes, history=False)
        with self.phase("角色"):
            self._roles(users, reviewer_committee, demo)
        counts.update(
            organizations=len(self.orgs),
            branches=len(self.branches),
            members=len(members),
            groups=len(self.groups),
            terms=len(self.terms),
            seats=len(self.seats),
            transfers=len(self.transfers),
            sanctions=len(self.sanctions),
            reviewer_org=reviewer_committee.name,
            demo_branch=demo.org.name if demo else "",
        )
        return counts
