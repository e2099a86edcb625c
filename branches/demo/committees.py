"""Committee terms and seats, and the scenarios that shape them at district scale (term state,
vacancy, sanction: random, with every case at least once)."""

from branches.demo.common import days
from branches.models import CommitteeSeat, CommitteeTerm, MemberStatus, OrgStatus, Position, Standing, add_years
from branches.services import SMALL_BRANCH_FULL_MEMBERS

DUTIES = {
    Position.SECRETARY: "主持支部全面工作，抓班子带队伍",
    Position.DEPUTY: "协助书记工作，分管党员教育管理",
    Position.ORGANIZATION: "负责组织建设、发展党员和党费收缴",
    Position.PROPAGANDA: "负责宣传教育和学习计划",
    Position.DISCIPLINE: "负责党风廉政建设和纪律监督",
    Position.OTHER: "负责群众工作和青年工作",
}


class CommitteesMixin:
    """Builds ``terms``, ``seats`` and ``postponed`` (part of ``DemoBuilder``)."""

    def _full_count(self, b):
        return sum(1 for m in b.members if m.standing == Standing.ACTIVE and m.status == MemberStatus.FULL)

    def _scenarios(self):
        rng = self.rng
        auto = [b for b in self.branches if b.spec.term == "auto"]
        if not auto:
            return
        big = []
        for b in auto:
            r = rng.random()
            b.spec.term = "overdue" if r < 0.07 else "due_soon" if r < 0.14 else "postponed" if r < 0.16 else "fine"
            if self._full_count(b) >= SMALL_BRANCH_FULL_MEMBERS:
                big.append(b)
            r = rng.random()
            if r < 0.015:
                b.spec.vacancy = "secretary"
            elif r < 0.065 and b in big:
                b.spec.vacancy = "other"
        plain = [b for b in auto if not b.spec.vacancy]
        for term in ("overdue", "due_soon", "postponed"):
            if not any(b.spec.term == term for b in auto):
                rng.choice(auto).spec.term = term
        if not any(b.spec.vacancy == "secretary" for b in auto) and plain:
            rng.choice(plain).spec.vacancy = "secretary"
        big_plain = [b for b in big if not b.spec.vacancy]
        if not any(b.spec.vacancy == "other" for b in auto) and big_plain:
            rng.choice(big_plain).spec.vacancy = "other"
        n = max(1, round(len(auto) * 0.003))
        with_secretary = [b for b in auto if b.spec.vacancy != "secretary"]
        for b in rng.sample(with_secretary, min(n, len(with_secretary))):
            b.spec.sanction = "secretary_warning"
        committees = [b for b in big if not b.spec.sanction]
        for b in rng.sample(committees, min(n, len(committees))):
            b.spec.sanction = "member_serious"

    @staticmethod
    def _positions(n_full, rng):
        if n_full < SMALL_BRANCH_FULL_MEMBERS:
            return [Position.SECRETARY]
        three = [Position.SECRETARY, Position.ORGANIZATION, Position.PROPAGANDA]
        five = [Position.SECRETARY, Position.DEPUTY, Position.ORGANIZATION, Position.PROPAGANDA, Position.DISCIPLINE]
        if n_full < 15:
            return three
        if n_full < 50:
            return five if rng.random() < 0.7 else three
        return five + [Position.OTHER, Position.OTHER] if rng.random() < 0.4 else five

    def _term_dates(self, kind, ty):
        rng, today = self.rng, self.today
        if kind == "due_soon":
            return add_years(today + days(rng.randint(5, 85)), -ty)
        if kind == "overdue":
            return add_years(today - days(rng.randint(10, 400)), -ty)
        if kind == "postponed":
            return add_years(today - days(rng.randint(10, 200)), -ty)
        return today - days(rng.randint(30, ty * 365 - 100))

    def _terms(self):
        rng, today = self.rng, self.today
        for b in self.branches:
            spec, org = b.spec, b.org
            if spec.term == "none" or not b.core or org.status != OrgStatus.ACTIVE:
                continue
            ty = org.term_years
            elected = self._term_dates(spec.term, ty)
            term = CommitteeTerm(branch=org, elected_on=elected, term_years=ty, due_on=add_years(elected, ty))
            if spec.term == "postponed":
                term.postponed_until = today + days(rng.randint(100, 160))
                term.postponement_reason = rng.choice(
                    [
                        "村（社区）“两委”换届统筹安排，经上级党组织批准延期换届",
                        "单位改制重组进行中，经上级党组织批准延期换届",
                        "主要负责人调整尚未到位，经上级党组织批准延期换届",
                    ]
                )
                term.postponement_approved_on = min(today, term.due_on - days(rng.randint(5, 30)))
                self.postponed.append((term, b.committee.reviewer))
            active_full = [m for m in b.members if m.standing == Standing.ACTIVE and m.status == MemberStatus.FULL]
            eligible = b.core + [m for m in active_full if not m._demo_flag and m not in b.core]
            positions = self._positions(len(active_full), rng)
            seats = [
                CommitteeSeat(term=term, position=p, holder=h, since=elected, duties=DUTIES[p])
                for p, h in zip(positions, eligible, strict=False)
            ]
            if spec.vacancy == "secretary" or (spec.vacancy == "other" and len(seats) >= 3):
                seat = seats[0] if spec.vacancy == "secretary" else seats[-1]
                seat.holder = None
                span = (today - elected).days
                seat.vacated_on = today - days(rng.randint(10, max(10, min(200, span - 1)))) if span > 11 else today
            self.terms.append(term)
            self.seats.extend(seats)
            b.seats = seats
            previous = add_years(elected, -ty) - days(rng.randint(0, 45))
            first_elected = elected
            if rng.random() < 0.6:
                old = CommitteeTerm(
                    branch=org, elected_on=previous, term_years=ty, due_on=add_years(previous, ty), ended_on=elected
                )
                holders = rng.sample(eligible, min(len(positions), len(eligible)))
                self.terms.append(old)
                self.seats.extend(
                    CommitteeSeat(term=old, position=p, holder=h, since=previous, duties=DUTIES[p])
                    for p, h in zip(positions, holders, strict=False)
                )
                first_elected = previous
            if org.founded_on >= first_elected:
                org.founded_on = first_elected - days(rng.randint(30, 700))
