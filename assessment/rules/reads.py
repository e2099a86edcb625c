"""Shared reads of the record rules: one query each, for all branches of the context.

Each is cached on the context (``ctx.once``), so rules that need the same records share
one query and the number of queries does not grow with the number of branches.

- "在册党员" of a day is the roster of that day: joined by then, not yet gone, and in the
  branch then, read from the transfers (the same rule as ``ledgers.activities.services.roster_on``);
  "考核期末在册党员" is the roster on the window's last day. Flags that the platform keeps
  only as current state (党小组, 失联/空挂/流动, 支委分工) are read as they are now.
- "本年度" is the year of the window's last day (``ctx.year``): plans, 党费基数, 民主评议,
  联系服务群众制度 and 经费 are yearly records.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Trim

from assessment.rules.thresholds import CULTIVATION_STEPS, STOP_CODE
from branches.flow_models import open_flow, relation_outside
from branches.models import (
    PRE_1949_CUTOFF,
    CommitteeSeat,
    CommitteeTerm,
    InterventionKind,
    Member,
    MemberFlow,
    MemberStatus,
    MemberTransfer,
    Organization,
    Standing,
    TermIntervention,
    TermRuleSet,
)
from branches.selectors import branch_on
from ledgers.models import Activity, ActivityQuerySet, ActivityType, Applicant, DevelopmentPlan, DevStage, DevStep, Plan


@dataclass(frozen=True, slots=True)
class _M:
    id: int
    branch_id: int
    name: str
    gender: str
    ethnicity: str
    birth_date: datetime.date
    education: str
    occupation: str
    work_unit: str
    address: str
    joined_on: datetime.date
    full_member_on: datetime.date | None
    status: str
    standing: str
    left_on: datetime.date | None
    dues_from: datetime.date  # 党费起算月
    party_group_id: int | None
    phone: str
    is_lost: bool
    lost_handling: str
    is_kongua: bool
    kongua_handling: str
    is_flowing: bool  # an open flow record (branches.flow_models), annotated
    flow_counterpart: str  # its other side: the district branch it flows into, or the outside organization
    relation_outside: bool  # 区外流入: the relation (and the dues) are outside the district
    is_hardship: bool
    moves: tuple = ()  # (occurred_on, from_branch_id) of the transfers after the window's start, in order

    def on_roster(self, day):
        return self.joined_on <= day and (
            self.standing == Standing.ACTIVE or (self.left_on is not None and self.left_on > day)
        )

    def branch_on(self, day):
        return branch_on(self.moves, self.branch_id, day)

    def full_on(self, day):
        if self.full_member_on is not None:
            return self.full_member_on <= day
        return self.status == MemberStatus.FULL and self.joined_on <= day

    @property
    def pre_1949(self):
        return self.joined_on < PRE_1949_CUTOFF

    def register_gaps(self, fields) -> list[str]:
        """The 《党员基本情况登记表》 fields left empty: ``fields`` is (attribute, label) pairs;
        the 转正日期 is asked of full members only."""
        out = []
        for attr, label in fields:
            if attr == "full_member_on":
                if self.status == MemberStatus.FULL and self.full_member_on is None:
                    out.append(label)
            elif not str(getattr(self, attr) or "").strip():
                out.append(label)
        return out


def _flow_counterpart():
    open_flows = MemberFlow.objects.filter(member=OuterRef("pk"), ended_on__isnull=True)
    side = Subquery(open_flows.annotate(side=Coalesce("in_branch__name", "counterpart")).values("side")[:1])
    return Coalesce(side, Value(""))


def window_members(ctx):
    """Members who were on some branch's roster during the window: one query."""

    def load():
        ids = list(ctx.branch_ids)
        moves = defaultdict(list)
        for member_id, occurred_on, from_branch_id in (
            MemberTransfer.objects.filter(occurred_on__gt=ctx.start)
            .filter(Q(member__branch_id__in=ids) | Q(from_branch_id__in=ids))
            .order_by("member_id", "occurred_on", "id")
            .values_list("member_id", "occurred_on", "from_branch_id")
        ):
            moves[member_id].append((occurred_on, from_branch_id))
        fields = [f for f in _M.__dataclass_fields__ if f != "moves"]
        rows = (
            Member.objects.filter(Q(branch_id__in=ids) | Q(pk__in=list(moves)), joined_on__lte=ctx.end)
            .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gte=ctx.start))
            .annotate(is_flowing=open_flow(), flow_counterpart=_flow_counterpart(), relation_outside=relation_outside())
            .order_by("name_pinyin", "id")
            .values_list(*fields)
        )
        wanted = set(ids)
        out = defaultdict(list)
        for row in rows:
            m = _M(*row, moves=tuple(moves.get(row[0], ())))
            for bid in {m.branch_id, *(b for _, b in m.moves)} & wanted:  # every branch it was in
                out[bid].append(m)
        return out

    return ctx.once("rec:members", load)


def roster_of(ctx, bid, day=None):
    day = day or ctx.end
    return [m for m in window_members(ctx).get(bid, []) if m.on_roster(day) and m.branch_on(day) == bid]


def branch_rows(ctx):
    return ctx.once(
        "rec:branches",
        lambda: {
            r["id"]: r
            for r in Organization.objects.filter(pk__in=ctx.branch_ids).values("id", "path", "name", "branch_type")
        },
    )


@dataclass
class _Seat:
    id: int
    position: str
    holder_id: int | None
    holder_name: str | None
    since: datetime.date
    vacated_on: datetime.date | None
    duties: str

    def state_on(self, day):
        """held / vacant / absent (filled or added after ``day``: not a post that day as far as we know)."""
        if self.holder_id is None:
            return "held" if self.vacated_on and self.vacated_on > day else "vacant"
        return "held" if self.since <= day else "absent"


@dataclass
class _Term:
    id: int
    elected_on: datetime.date
    due_on: datetime.date
    postponed_until: datetime.date | None
    ended_on: datetime.date | None
    seats: list
    term_years: int = 0
    interventions: list = field(default_factory=list)  # (decided_on, kind label, person) of 整顿/选派/兼任

    @property
    def effective_due_on(self):
        return self.postponed_until or self.due_on


def term_rule_sets(ctx):
    """Every rule set of allowed term lengths with its rows (a small table): two queries."""

    def load():
        return list(TermRuleSet.objects.prefetch_related("rules").order_by("effective_from"))

    return ctx.once("rec:term_rule_sets", load)


def allowed_term_years(ctx, term, branch_type):
    """(rule set, allowed years) judging ``term``: the period's chosen set, else the one in force at its election."""
    sets = term_rule_sets(ctx)
    if ctx.term_rule_set_id:
        rs = next((r for r in sets if r.pk == ctx.term_rule_set_id), None)
    else:
        rs = next((r for r in reversed(sets) if r.effective_from <= term.elected_on), None)
    return (rs, rs.allowed_years(branch_type)) if rs else (None, ())


def committee_terms(ctx):
    """{branch: (term in office at the window's end or None, [terms that ended inside the window])}: two queries."""

    def load():
        terms = (
            CommitteeTerm.objects.filter(branch_id__in=ctx.branch_ids, elected_on__lte=ctx.end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=ctx.start))
            .order_by("elected_on", "id")
            .values_list("id", "branch_id", "elected_on", "due_on", "postponed_until", "ended_on", "term_years")
        )
        current, ended = {}, defaultdict(list)
        for pk, bid, elected_on, due_on, postponed_until, ended_on, years in terms:
            t = _Term(pk, elected_on, due_on, postponed_until, ended_on, [], years)
            if ended_on is None or ended_on > ctx.end:
                current[bid] = t  # the latest elected one wins
            else:
                ended[bid].append(t)
        by_id = {t.id: t for t in current.values()}
        if by_id:
            for row in (
                CommitteeSeat.objects.filter(term_id__in=list(by_id))
                .order_by("id")
                .values_list("term_id", "id", "position", "holder_id", "holder__name", "since", "vacated_on", "duties")
            ):
                by_id[row[0]].seats.append(_Seat(*row[1:]))
            for term_id, decided_on, kind, person in (
                TermIntervention.objects.filter(term_id__in=list(by_id), decided_on__lte=ctx.end)
                .order_by("decided_on", "id")
                .values_list("term_id", "decided_on", "kind", "person")
            ):
                by_id[term_id].interventions.append((decided_on, InterventionKind(kind).label, person))
        return {bid: (current.get(bid), ended.get(bid, [])) for bid in ctx.branch_ids}

    return ctx.once("rec:terms", load)


class _Act(NamedTuple):
    id: int
    type: str
    form: str
    held_on: datetime.date
    quorum_met: bool
    photo_count: int
    texts: bool  # place, topic and content all filled
    returned: bool  # returned by a reviewer for completion, not amended yet
    counts: bool  # ActivityQuerySet.counts_q
    substantive: bool  # ActivityQuerySet.substance_q: a topic and minutes long enough

    @property
    def complete(self):
        return self.counts and self.texts


def window_activities(ctx):
    """Every activity of the window, with a flag for place, topic and content all filled: one query."""

    def load():
        filled = ~Q(_place="") & ~Q(_topic="") & ~Q(_content="")
        rows = (
            Activity.objects.filter(branch_id__in=ctx.branch_ids, held_on__gte=ctx.start, held_on__lte=ctx.end)
            .with_counts()
            .annotate(substantive=ExpressionWrapper(ActivityQuerySet.substance_q(), output_field=BooleanField()))
            .annotate(_place=Trim("place"), _topic=Trim("topic"), _content=Trim("content"))
            .annotate(texts=Case(When(filled, then=Value(True)), default=Value(False), output_field=BooleanField()))
            .order_by("held_on", "id")
            .values_list(
                "branch_id", "id", "type", "form", "held_on", "quorum_met", "photo_count", "texts", "returned",
                "counts", "substantive",
            )
        )
        out = defaultdict(list)
        for bid, *rest in rows:
            out[bid].append(_Act(*rest))
        return out

    return ctx.once("rec:activities", load)


def year_plans(ctx):
    def load():
        out = defaultdict(dict)
        for bid, kind, pk in Plan.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values_list(
            "branch_id", "kind", "id"
        ):
            out[bid][kind] = pk
        return out

    return ctx.once("rec:plans", load)


def dev_plans(ctx):
    return ctx.once(
        "rec:dev_plans",
        lambda: {
            r["branch_id"]: r
            for r in DevelopmentPlan.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values(
                "branch_id", "planned_count", "target_young_pct", "target_college_pct", "target_frontline_pct"
            )
        },
    )


def window_steps(ctx):
    """Development steps dated in the window (终止培养 excluded), with what the rules need: one query."""

    def load():
        rows = (
            DevStep.objects.filter(
                applicant__branch_id__in=ctx.branch_ids, done_on__gte=ctx.start, done_on__lte=ctx.end
            )
            .exclude(code=STOP_CODE)
            .annotate(
                broken=Case(
                    When(~Q(rule_breaks=""), then=Value(True)), default=Value(False), output_field=BooleanField()
                ),
                explained=Case(
                    When(~Q(exception_reason=""), then=Value(True)), default=Value(False), output_field=BooleanField()
                ),
                has_material=Case(
                    When(~Q(material=""), then=Value(True)), default=Value(False), output_field=BooleanField()
                ),
            )
            .order_by("done_on", "id")
            .values(
                "applicant__branch_id",
                "applicant_id",
                "applicant__name",
                "applicant__birth_date",
                "applicant__education",
                "applicant__occupation",
                "code",
                "done_on",
                "broken",
                "explained",
                "has_material",
            )
        )
        out = defaultdict(list)
        for r in rows:
            out[r["applicant__branch_id"]].append(r)
        return out

    return ctx.once("rec:window_steps", load)


class _Person(NamedTuple):
    id: int
    name: str
    stage: str
    step5: bool
    step6: bool


def in_progress(ctx):
    """People still on the way (申请人 to 预备党员) with whether steps 5 and 6 are recorded: one query."""

    def load():
        steps = DevStep.objects.filter(applicant=OuterRef("pk"), done_on__lte=ctx.end)
        rows = (
            Applicant.objects.filter(
                branch_id__in=ctx.branch_ids,
                stage__in=[DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE, DevStage.PROBATIONARY],
            )
            .annotate(
                s5=Exists(steps.filter(code=CULTIVATION_STEPS[0])),
                s6=Exists(steps.filter(code=CULTIVATION_STEPS[1])),
            )
            .order_by("id")
            .values_list("branch_id", "id", "name", "stage", "s5", "s6")
        )
        out = defaultdict(list)
        for bid, *rest in rows:
            out[bid].append(_Person(*rest))
        return out

    return ctx.once("rec:in_progress", load)


def service_with_photo(ctx, bid):
    return [
        a
        for a in window_activities(ctx).get(bid, [])
        if a.type == ActivityType.SERVICE and a.photo_count > 0 and not a.returned
    ]
