"""Writing what the builder made: table by table (``COPY`` on PostgreSQL), with bulk history rows."""

from branches.demo.common import BATCH, days
from branches.demo.copy import Tables
from branches.models import (
    CommitteeSeat,
    CommitteeTerm,
    LifeMeeting,
    Member,
    MemberFlow,
    MemberTransfer,
    Organization,
    OrgChange,
    PartyGroup,
    Sanction,
)


class WritingMixin:
    """Writes the built rows (part of ``DemoBuilder``)."""

    def _insert(self, model, objs, *, history=True):
        self.tables.insert_objects(model, objs, batch_size=BATCH)
        if history:
            self._history(model, objs)

    def _history(self, model, objs):
        self.tables.history_of(model, objs, user=self.actor, date=self.now, reason="演示数据")

    def _life_meeting(self, org, cadres):
        """One 民主生活会 of the reviewer's committee this year, two of its cadres taking part (the third has none)."""
        if not cadres:
            return
        held_on = self.today - days(min(30, self.today.timetuple().tm_yday - 1))  # this year
        meeting = LifeMeeting.objects.create(
            organization=org,
            held_on=held_on,
            topic="深入学习贯彻党的创新理论，对照检查班子和个人存在的问题",
            minutes="会前广泛征求意见，开展谈心谈话。会上书记代表班子作对照检查，班子成员逐一发言，"
            "开展批评和自我批评，明确整改措施和时限。",
            actor=self.actor,
            created_at=self.now,
        )
        meeting.participants.set(cadres)

    def _write(self, plan) -> dict:
        demo = next((b for b in self.branches if b.spec.demo), None)
        reviewer_committee = next((c for c in plan if c.reviewer), plan[0])
        counts = {}
        self.tables = Tables()
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
        # 区管党员领导干部: the first core member of a few branches under the reviewer's committee
        cadres = [b.core[0] for b in self.branches if b.committee is reviewer_committee and b.core
                  and b.org.is_active and b.core[0].standing == "active"][:3]  # fmt: skip
        for m in cadres:
            m.is_district_cadre = True
        with self.phase(f"党小组 {len(self.groups):,} 个、党员 {len(members):,} 名"):
            # Members get their ids first, so the groups are written with their leaders (the
            # foreign keys are checked at commit) instead of updated afterwards.
            first = self.tables.reserve(Member, len(members))
            for k, m in enumerate(members):
                m.pk = first + k
            for g, leader in self.leaders:
                g.leader = leader
            self._insert(PartyGroup, self.groups, history=False)
            self._insert(Member, members)
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
            self.flows = flows = self.flow_rows(self.today)
            for f in flows:
                f.actor = self.actor
            self._insert(MemberFlow, flows)
            self._insert(Sanction, self.sanctions)
            self._insert(OrgChange, self.changes, history=False)
        with self.phase("民主生活会"):
            self._life_meeting(reviewer_committee.org, cadres[:2])
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
