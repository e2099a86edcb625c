"""Transfers of members' organization relationship (in, out, inside the district) and the
records of merged branches."""

from branches.demo.common import days
from branches.models import MemberTransfer, OrgChange, OrgChangeKind, OrgStatus, Standing, TransferDirection

OUTSIDE_ORGS = [
    "中共常州市天宁区{p}社区党支部",
    "中共常州市新北区{p}村党支部",
    "中共无锡市惠山区{p}村党支部",
    "中共苏州市吴中区{p}社区党委",
    "中共南京市鼓楼区{p}街道机关党支部",
    "中共上海市闵行区{p}镇机关党支部",
    "中共常州市钟楼区{p}社区党支部",
    "中共镇江市丹阳市{p}村党支部",
]


class TransfersMixin:
    """Builds ``transfers`` and the merge ``changes`` (part of ``DemoBuilder``)."""

    def _outside_org(self):
        return self.rng.choice(OUTSIDE_ORGS).format(p=self._place())

    def _transfers(self):
        rng, today = self.rng, self.today
        live = [b for b in self.branches if b.org.status == OrgStatus.ACTIVE]
        for b in self.branches:
            for m in b.members:
                start = max(m.full_member_on or m.joined_on, today - days(8 * 365))
                when = start + days(rng.randint(0, max(0, (today - start).days - 5)))
                if m.standing == Standing.TRANSFERRED_OUT:
                    self.transfers.append(
                        MemberTransfer(
                            member=m,
                            direction=TransferDirection.OUT,
                            occurred_on=m.left_on,
                            from_branch=b.org,
                            counterpart=self._outside_org(),
                            note="组织关系网上转出",
                            created_at=self.now,
                        )
                    )
                elif m.standing != Standing.ACTIVE:
                    continue
                else:
                    r = rng.random()
                    if r < 0.04:
                        self.transfers.append(
                            MemberTransfer(
                                member=m,
                                direction=TransferDirection.IN,
                                occurred_on=when,
                                to_branch=b.org,
                                counterpart=self._outside_org(),
                                note="组织关系网上转入",
                                created_at=self.now,
                            )
                        )
                    elif r < 0.055 and len(live) > 1:
                        other = rng.choice(live)
                        if other is not b:
                            self.transfers.append(
                                MemberTransfer(
                                    member=m,
                                    direction=TransferDirection.INTERNAL,
                                    occurred_on=when,
                                    from_branch=other.org,
                                    to_branch=b.org,
                                    counterpart=other.org.name,
                                    note="区内组织关系接转",
                                    created_at=self.now,
                                )
                            )
        for merged, target in self.merges:
            moved = [m for m in target.members if m.standing == Standing.ACTIVE and m not in target.core][:6]
            when = merged.org.ended_on
            for m in moved:
                self.transfers.append(
                    MemberTransfer(
                        member=m,
                        direction=TransferDirection.INTERNAL,
                        occurred_on=max(when, m.joined_on),
                        from_branch=merged.org,
                        to_branch=target.org,
                        counterpart=merged.org.name,
                        note=f"{merged.org.name}撤并至{target.org.name}",
                        created_at=self.now,
                    )
                )
            self.changes.append(
                OrgChange(
                    organization=merged.org,
                    kind=OrgChangeKind.MERGED,
                    occurred_on=when,
                    reason="村规模较小，按区域调整方案并入相邻村",
                    merged_into=target.org,
                    members_moved=len(moved),
                    created_at=self.now,
                )
            )
