"""Party discipline sanctions: the planned scenarios and a few random ones."""

from branches.demo.common import Weighted, days
from branches.models import Sanction, SanctionKind, Standing

SANCTION_REASONS = {
    SanctionKind.WARNING: [
        "违反工作纪律，履职不力",
        "违反廉洁纪律，违规收受礼品",
        "违反组织纪律，未如实报告个人有关事项",
    ],
    SanctionKind.SERIOUS_WARNING: ["违反中央八项规定精神，违规公款吃喝", "违反群众纪律，优亲厚友", "酒后驾驶机动车"],
    SanctionKind.PROBATION: ["违反廉洁纪律，利用职务便利为他人谋取利益", "违反国家法律法规，受到行政处罚"],
    SanctionKind.EXPULSION: ["严重违纪违法，受到刑事处罚", "长期不参加组织生活、不交党费，经教育不改"],
}
SANCTION_MONTHS = {
    SanctionKind.WARNING: 12,
    SanctionKind.SERIOUS_WARNING: 18,
    SanctionKind.REMOVAL: 24,
    SanctionKind.PROBATION: 24,
}


class SanctionsMixin:
    """Builds ``sanctions`` (part of ``DemoBuilder``)."""

    def _sanction(self, member, kind, imposed_on, decided_by):
        months = SANCTION_MONTHS.get(kind)
        until = imposed_on + days(int(months * 30.4)) if months else None
        self.sanctions.append(
            Sanction(
                member=member,
                kind=kind,
                imposed_on=imposed_on,
                effective_until=until,
                reason=self.rng.choice(SANCTION_REASONS[kind]),
                decided_by=decided_by,
                created_at=self.now,
            )
        )

    def _sanctions(self):
        rng, today = self.rng, self.today
        pool = []
        for b in self.branches:
            decided_by = b.committee.name
            secretary = b.seats[0].holder if b.seats else None
            if b.spec.sanction == "secretary_warning" and secretary is not None:
                self._sanction(secretary, SanctionKind.WARNING, today - days(rng.randint(30, 200)), decided_by)
            if b.spec.sanction == "member_serious":
                holder = next((s.holder for s in b.seats[1:] if s.holder is not None), None)
                if holder is not None:
                    self._sanction(holder, SanctionKind.SERIOUS_WARNING, today - days(rng.randint(30, 300)), decided_by)
            for m in b.members:
                if m._demo_flag == "expelled":
                    self._sanction(m, SanctionKind.EXPULSION, m.left_on, decided_by)
                elif m.standing == Standing.ACTIVE and m not in b.core:
                    pool.append((m, decided_by))
        n = max(2, round(len(pool) * 0.0015))
        kinds = Weighted({SanctionKind.WARNING: 55, SanctionKind.SERIOUS_WARNING: 28, SanctionKind.PROBATION: 17})
        for m, decided_by in rng.sample(pool, min(n, len(pool))):
            start = max(m.full_member_on or m.joined_on, today - days(5 * 365))
            imposed = start + days(rng.randint(0, max(0, (today - start).days - 30)))
            self._sanction(m, kinds.pick(rng), imposed, decided_by)
