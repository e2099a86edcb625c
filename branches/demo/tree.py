"""The organization tree: district, committees, general branches and branches, with their
materialized paths, codes and founding records."""

from dataclasses import dataclass, field

from branches.demo.common import ROOT_NAME, D, days
from branches.demo.plan import BranchSpec, CommitteeSpec, GeneralSpec
from branches.demo.profiles import FOUNDED_YEARS, TYPE_PROFILE
from branches.models import Organization, OrgChange, OrgChangeKind, OrgKind, OrgStatus


@dataclass(eq=False)
class DemoBranch:
    spec: BranchSpec
    org: Organization
    committee: CommitteeSpec
    profile: str
    members: list = field(default_factory=list)
    core: list = field(default_factory=list)
    seats: list = field(default_factory=list)  # current term's seats


class OrgTreeMixin:
    """Builds ``orgs``, ``changes``, ``branches`` and ``merges`` (part of ``DemoBuilder``)."""

    def _org(self, parent, **kw):
        org = Organization(created_at=self.now, **kw)
        self.orgs.append(org)
        if parent is not None:
            self.changes.append(
                OrgChange(
                    organization=org,
                    kind=OrgChangeKind.FOUNDED,
                    occurred_on=org.founded_on,
                    reason="新设立",
                    to_parent=parent,
                    created_at=self.now,
                )
            )
        return org

    def _date_in_years(self, lo, hi):
        return D(self.rng.randint(lo, hi), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def _tree(self, plan):
        path = Organization._get_path
        root = self._org(
            None,
            kind=OrgKind.DISTRICT,
            name=ROOT_NAME,
            path=path(None, 1, 1),
            depth=1,
            numchild=len(plan),
            code="320412000000",
            founded_on=D(1949, 5, 1),
            has_own_room=True,
        )
        self.root = root
        for i, c in enumerate(plan, 1):
            cpath = path(root.path, 2, i)
            c.org = self._org(
                root,
                kind=OrgKind.COMMITTEE,
                committee_kind=c.kind,
                name=c.name,
                path=cpath,
                depth=2,
                numchild=len(c.units),
                code=f"320412{i:03d}0000",
                founded_on=self._date_in_years(1950, 2005),
                has_own_room=True,
            )
            k = 0
            for j, unit in enumerate(c.units, 1):
                upath = path(cpath, 3, j)
                k += 1
                if isinstance(unit, GeneralSpec):
                    g = self._org(
                        c.org,
                        kind=OrgKind.GENERAL_BRANCH,
                        name=unit.name,
                        path=upath,
                        depth=3,
                        numchild=len(unit.branches),
                        code=f"320412{i:03d}{k:04d}",
                        founded_on=self._date_in_years(1985, 2010),
                        has_own_room=True,
                    )
                    for m, b in enumerate(unit.branches, 1):
                        k += 1
                        self._branch(b, c, g, path(upath, 4, m), 4, f"320412{i:03d}{k:04d}")
                else:
                    self._branch(unit, c, c.org, upath, 3, f"320412{i:03d}{k:04d}")
        by_name = {b.spec.name: b for b in self.branches}
        for b in self.branches:
            if b.spec.merged_into:
                self.merges.append((b, by_name[b.spec.merged_into]))

    def _branch(self, spec, committee, parent, path, depth, code):
        rng = self.rng
        bt = spec.branch_type
        if bt in ("village", "community"):
            term_years = 5
        else:
            # 3 years: the rules in force (支部工作条例, 2018) allow no other length for these
            # branches. The draw that once picked a 2-year term is kept, so the rest of the
            # demo stays the same for a seed.
            rng.choice((0, 1, 2, 3))
            term_years = 3
        lo, hi = FOUNDED_YEARS[bt]
        org = self._org(
            parent,
            kind=OrgKind.BRANCH,
            name=spec.name,
            path=path,
            depth=depth,
            numchild=0,
            code=code,
            branch_type=bt,
            regional_kind=spec.regional_kind,
            term_years=term_years,
            founded_on=spec.founded_on or self._date_in_years(lo, hi),
            has_own_room=rng.random() < (0.9 if bt in ("village", "community", "organ", "institution") else 0.6),
        )
        if spec.merged_into:
            org.status = OrgStatus.MERGED
            org.ended_on = self.today - days(rng.randint(120, 300))
        self.branches.append(DemoBranch(spec, org, committee, TYPE_PROFILE[bt]))
