"""Suggestion rules for the rubric items other than the activity frequencies.

Each registers itself with ``@rule(key, description)`` (see ``rules.py``). Like the
frequency rules, every rule reads the records of ALL branches of the context with a few
queries (shared between rules through ``ctx.once``) and then works in Python, so the number
of queries does not grow with the number of branches.

Conventions:

- "在册党员" of a day is the roster of that day: joined by then and not yet gone (the same
  rule as ``ledgers.services.roster_on``); "考核期末在册党员" is the roster on the window's
  last day. Flags that the platform keeps only as current state (党小组, 失联/空挂/流动,
  支委分工) are read as they are now.
- "本年度" is the year of the window's last day (``ctx.year``): plans, 党费基数, 民主评议,
  联系服务群众制度 and 经费 are yearly records.
- Thresholds are the module-level constants below; each rule's description states them.
- Scores are in steps of 0.5 and never round up (``floor_half``). The point values in the
  descriptions are those of the 2016 rubric; a later rubric version with other points
  scales the result (``_final``).
"""

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import BooleanField, Case, Count, Exists, Min, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Trim

from branches.models import (
    PRE_1949_CUTOFF,
    CommitteeSeat,
    CommitteeTerm,
    Education,
    Member,
    MemberStatus,
    MemberTransfer,
    Occupation,
    Organization,
    PartyGroup,
    Position,
    Standing,
    TransferDirection,
)
from branches.services import MAX_COMMITTEE_SIZE, SMALL_BRANCH_FULL_MEMBERS, SMALL_BRANCH_POSITIONS
from ledgers.branch_support import COMPUTED_STANDARD_TYPES, FUNDING_PER_MEMBER_FEN, roster_date_for
from ledgers.models import (
    INCOME_CATEGORIES,
    Activity,
    ActivityForm,
    ActivityRoom,
    ActivityType,
    Applicant,
    Appraisal,
    AppraisalResult,
    DevelopmentPlan,
    DevStage,
    DevStep,
    DuesBase,
    DuesPayment,
    FundingCategory,
    FundingYear,
    MemberRecord,
    Photo,
    Plan,
    PlanKind,
    RecordKind,
    RoomCheck,
    RoomItem,
    RoomKind,
    Screening,
    ServiceSystem,
    StudyPlan,
)

from .rules import Suggestion, link, periods_in_window, rule
from .scoring import floor_half

# ---------------------------------------------------------------- thresholds

COMMITTEE_MIN_SIZE = 3  # 正式党员 7 人以上的支部，支委会 3 人以上（至多 MAX_COMMITTEE_SIZE = 7 人，seed）
GROUP_NEEDED_MEMBERS = 10  # 在册党员达到此数的支部应划分党小组
VACANCY_MAX_DAYS = 90  # 委员出缺超过此天数未补选即为“未及时补选”
YOUNG_AGE = 35  # 发展党员结构：35 岁以下（以接收为预备党员之日计）
COLLEGE_OR_ABOVE = (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE)  # 大专以上学历
FRONTLINE = (Occupation.WORKER, Occupation.FARMER)  # 一线工人、农民
CULTIVATION_STEPS = (5, 6)  # 指定培养联系人、培养教育考察
MATERIAL_STEPS = (15, 17, 23, 24)  # 支部大会讨论、上级审批、讨论转正、审批转正：须上传材料
MATERIAL_PENALTY = Decimal("0.5")
STUDY_PLAN_SHARE = 90  # %：个人学习计划覆盖在册党员的比例
ONLINE_FULL = 2  # 线上/线上线下结合的活动次数：达到即满分
DUES_BASE_SHARE = 95  # %：党费基数已核定的在册党员比例
DUES_PAID_SHARE = 90  # %：应交“人·月”中已交的比例
ARREARS_MONTHS = 6  # 连续未交月数（按自行脱党处理的情形，平台只提示）
APPRAISAL_SHARE = 90  # %：评定等次覆盖在册党员的比例
OTHER_EXPENSE_MAX_SHARE = 50  # %：“其他支出”金额占支出不超过此比例时得一半分
TRAINING_SHARE = 50  # %：考核期内有教育培训记录的党员比例
SERVICE_LEDGER_STEPS = ((6, Decimal("4")), (3, Decimal("2")), (1, Decimal("1")))  # 附照片的服务活动次数 → 分

CARE_KINDS = (RecordKind.HELP, RecordKind.VISIT)
NO_ROSTER = "平台上没有本支部考核期末的在册党员记录，本项需人工评分。"
STOP_CODE = 0  # 终止培养 is kept as a DevStep row with code 0 (ledgers.development)


# ---------------------------------------------------------------- small helpers

D0 = Decimal("0")
HALF = Decimal("0.5")


def _d(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"))


def _n(value) -> str:
    """A score for people: 3, 1.5, 0."""
    text = f"{_d(value):f}"
    return text[:-2] if text.endswith(".0") else text


def _pct(part, whole) -> str:
    """A share rounded down to 0.1 % (so 89.99 % never reads as 90 %)."""
    if not whole:
        return "0%"
    value = math.floor(part * 1000 / whole) / 10
    return f"{value:g}%"


def _share_at_least(part, whole, percent) -> bool:
    return whole > 0 and part * 100 >= percent * whole


def _final(item, nominal, raw) -> Decimal:
    """``raw`` out of ``nominal`` points, rescaled to the item's points, in [0, points], floored to 0.5."""
    raw = Decimal(raw)
    points = Decimal(item.points)
    if points != Decimal(nominal):
        raw = raw * points / Decimal(nominal)
    return floor_half(max(D0, min(raw, points)))


def _month_start(day):
    return day.replace(day=1)


def _add_months(month, n):
    y, m = divmod(month.month - 1 + n, 12)
    return datetime.date(month.year + y, m + 1, 1)


def _age_on(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _names(rows, n=5):
    names = list(rows)[:n]
    return "、".join(names) + ("等" if len(rows) > n else "")


# ---------------------------------------------------------------- shared reads (one query each, for all branches)


@dataclass(frozen=True, slots=True)
class _M:
    id: int
    branch_id: int
    name: str
    joined_on: datetime.date
    full_member_on: datetime.date | None
    status: str
    standing: str
    left_on: datetime.date | None
    party_group_id: int | None
    phone: str
    is_lost: bool
    lost_handling: str
    is_kongua: bool
    kongua_handling: str
    is_flowing: bool
    flow_counterpart: str
    is_hardship: bool

    def on_roster(self, day):
        return self.joined_on <= day and (
            self.standing == Standing.ACTIVE or (self.left_on is not None and self.left_on > day)
        )

    def full_on(self, day):
        if self.full_member_on is not None:
            return self.full_member_on <= day
        return self.status == MemberStatus.FULL and self.joined_on <= day

    @property
    def pre_1949(self):
        return self.joined_on < PRE_1949_CUTOFF


def _members(ctx):
    """Members who were on some branch's roster during the window: one query."""

    def load():
        rows = (
            Member.objects.filter(branch_id__in=ctx.branch_ids, joined_on__lte=ctx.end)
            .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gte=ctx.start))
            .order_by("name_pinyin", "id")
            .values_list(*_M.__dataclass_fields__)
        )
        out = defaultdict(list)
        for row in rows:
            m = _M(*row)
            out[m.branch_id].append(m)
        return out

    return ctx.once("rec:members", load)


def _roster(ctx, bid, day=None):
    day = day or ctx.end
    return [m for m in _members(ctx).get(bid, []) if m.on_roster(day)]


def _branches(ctx):
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

    @property
    def effective_due_on(self):
        return self.postponed_until or self.due_on


def _terms(ctx):
    """{branch: (term in office at the window's end or None, [terms that ended inside the window])}: two queries."""

    def load():
        terms = (
            CommitteeTerm.objects.filter(branch_id__in=ctx.branch_ids, elected_on__lte=ctx.end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=ctx.start))
            .order_by("elected_on", "id")
            .values_list("id", "branch_id", "elected_on", "due_on", "postponed_until", "ended_on")
        )
        current, ended = {}, defaultdict(list)
        for pk, bid, elected_on, due_on, postponed_until, ended_on in terms:
            t = _Term(pk, elected_on, due_on, postponed_until, ended_on, [])
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

    @property
    def complete(self):
        return self.quorum_met and self.photo_count > 0 and self.texts


def _activities(ctx):
    """Every activity of the window, with a flag for place, topic and content all filled: one query."""

    def load():
        filled = ~Q(_place="") & ~Q(_topic="") & ~Q(_content="")
        rows = (
            Activity.objects.filter(branch_id__in=ctx.branch_ids, held_on__gte=ctx.start, held_on__lte=ctx.end)
            .annotate(_place=Trim("place"), _topic=Trim("topic"), _content=Trim("content"))
            .annotate(texts=Case(When(filled, then=Value(True)), default=Value(False), output_field=BooleanField()))
            .order_by("held_on", "id")
            .values_list("branch_id", "id", "type", "form", "held_on", "quorum_met", "photo_count", "texts")
        )
        out = defaultdict(list)
        for bid, *rest in rows:
            out[bid].append(_Act(*rest))
        return out

    return ctx.once("rec:activities", load)


def _plans(ctx):
    def load():
        out = defaultdict(dict)
        for bid, kind, pk in Plan.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values_list(
            "branch_id", "kind", "id"
        ):
            out[bid][kind] = pk
        return out

    return ctx.once("rec:plans", load)


def _dev_plans(ctx):
    return ctx.once(
        "rec:dev_plans",
        lambda: {
            r["branch_id"]: r
            for r in DevelopmentPlan.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values(
                "branch_id", "planned_count", "target_young_pct", "target_college_pct", "target_frontline_pct"
            )
        },
    )


def _window_steps(ctx):
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


def _in_progress(ctx):
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


# ---------------------------------------------------------------- 组织设置合理


@rule(
    "committee_size",
    f"考核期截止时有在任的支委会（届次）且书记在任；职数与正式党员人数相符：正式党员{SMALL_BRANCH_FULL_MEMBERS}人以上的"
    f"设{COMMITTEE_MIN_SIZE}—{MAX_COMMITTEE_SIZE}个职务，不足{SMALL_BRANCH_FULL_MEMBERS}人的只设书记（可设副书记）。"
    "两项都符合得2分，符合其中一项得1分，都不符合或没有在任支委会得0分。",
)
def committee_size(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        term, _ = _terms(ctx)[bid]
        evidence = [link("支部页面（支委会）", "branch_detail", bid)]
        n_full = sum(1 for m in _roster(ctx, bid) if m.full_on(ctx.end))
        if term is None:
            out[bid] = Suggestion(
                _final(item, 2, 0),
                f"平台上没有本支部考核期截止时在任的支委会届次记录（正式党员{n_full}名），得0分。",
                evidence,
            )
            continue
        posts = [s for s in term.seats if s.state_on(ctx.end) != "absent"]
        positions = [s.position for s in posts]
        has_secretary = any(s.position == Position.SECRETARY and s.state_on(ctx.end) == "held" for s in posts)
        if n_full >= SMALL_BRANCH_FULL_MEMBERS:
            fits = COMMITTEE_MIN_SIZE <= len(posts) <= MAX_COMMITTEE_SIZE
            need = f"应设{COMMITTEE_MIN_SIZE}—{MAX_COMMITTEE_SIZE}个职务"
        else:
            fits = bool(positions) and set(positions) <= SMALL_BRANCH_POSITIONS
            need = "应只设书记（可设副书记）"
        score = (1 if has_secretary else 0) + (1 if fits else 0)
        labels = "、".join(Position(p).label for p in positions)
        out[bid] = Suggestion(
            _final(item, 2, score),
            f"考核期截止时正式党员{n_full}名，{need}，本届设{len(posts)}个职务（{labels or '无'}）"
            f"{'相符' if fits else '不相符'}，书记{'在任' if has_secretary else '缺职'}，得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "party_groups",
    f"考核期末在册党员{GROUP_NEEDED_MEMBERS}名以上的支部应划分党小组：每个党小组都有党小组长且每名在册党员都编入党小组得2分；"
    f"有党小组但有党员未编组或有党小组没有组长得1分；未划分党小组得0分。在册党员不足{GROUP_NEEDED_MEMBERS}名且未划分党小组的"
    "得2分（党员人数较少，可不划分党小组）；已划分的按上述标准评；没有在册党员的需人工评分。",
)
def party_groups(ctx, item):
    def load():
        out = defaultdict(list)
        for bid, pk, name, leader_id in PartyGroup.objects.filter(
            branch_id__in=ctx.branch_ids, is_active=True
        ).values_list("branch_id", "id", "name", "leader_id"):
            out[bid].append((pk, name, leader_id))
        return out

    groups_by_branch = ctx.once("rec:party_groups", load)
    out = {}
    for bid in ctx.branch_ids:
        roster = _roster(ctx, bid)
        groups = groups_by_branch.get(bid, [])
        evidence = [link("支部页面（党小组）", "branch_detail", bid)]
        n = len(roster)
        if not n:
            out[bid] = Suggestion(None, NO_ROSTER, evidence)
            continue
        if not groups:
            if n < GROUP_NEEDED_MEMBERS:
                out[bid] = Suggestion(
                    _final(item, 2, 2), f"考核期末在册党员{n}名，党员人数较少，可不划分党小组，得2分。", evidence
                )
            else:
                out[bid] = Suggestion(
                    _final(item, 2, 0),
                    f"考核期末在册党员{n}名（{GROUP_NEEDED_MEMBERS}名以上），平台上没有本支部的党小组记录，得0分。",
                    evidence,
                )
            continue
        roster_ids = {m.id for m in roster}
        group_ids = {pk for pk, _, _ in groups}
        ungrouped = [m for m in roster if m.party_group_id not in group_ids]
        leaderless = [name for _, name, leader_id in groups if leader_id is None or leader_id not in roster_ids]
        score = 2 if not ungrouped and not leaderless else 1
        evidence += [link(f"{m.name}（未编入党小组）", "member_records", m.id) for m in ungrouped[:5]]
        out[bid] = Suggestion(
            _final(item, 2, score),
            f"考核期末在册党员{n}名、党小组{len(groups)}个，未编入党小组的党员{len(ungrouped)}名，"
            f"没有党小组长的党小组{len(leaderless)}个{('（' + _names(leaderless) + '）') if leaderless else ''}，"
            f"得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "committee_duties",
    "考核期截止时在任的每名支委（含只设书记的）都登记了分工得3分；部分登记得1.5分；都未登记或没有在任支委得0分。",
)
def committee_duties(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        term, _ = _terms(ctx)[bid]
        evidence = [link("支部页面（支委会）", "branch_detail", bid)]
        held = [s for s in term.seats if s.state_on(ctx.end) == "held"] if term else []
        if not held:
            out[bid] = Suggestion(_final(item, 3, 0), "平台上没有本支部考核期截止时在任的支委记录，得0分。", evidence)
            continue
        with_duties = [s for s in held if s.duties.strip()]
        missing = [Position(s.position).label for s in held if not s.duties.strip()]
        score = 3 if len(with_duties) == len(held) else (HALF * 3 if with_duties else 0)
        out[bid] = Suggestion(
            _final(item, 3, score),
            f"在任支委{len(held)}名，其中{len(with_duties)}名登记了分工"
            f"{('（未登记：' + _names(missing) + '）') if missing else ''}，得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "elections",
    "按期换届1.5分：考核期截止时本届未逾期（届满日期，经批准延期的按延期日期，不早于考核期截止日），且考核期内完成的换届"
    f"不晚于上一届的届满（延期）日期；及时补选1.5分：考核期截止时没有出缺超过{VACANCY_MAX_DAYS}天的职务。"
    "没有在任支委会得0分。",
)
def elections(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        term, ended = _terms(ctx)[bid]
        evidence = [link("支部页面（换届与补选）", "branch_detail", bid)]
        if term is None:
            out[bid] = Suggestion(
                _final(item, 3, 0), "平台上没有本支部考核期截止时在任的支委会届次记录，得0分。", evidence
            )
            continue
        parts = []
        overdue_days = (ctx.end - term.effective_due_on).days
        due_label = "延期至" if term.postponed_until else "届满日期"
        late = [t for t in ended if t.ended_on > t.effective_due_on]
        on_time = overdue_days <= 0 and not late
        if overdue_days > 0:
            parts.append(f"本届{due_label}{term.effective_due_on}，考核期截止时已逾期{overdue_days}天")
        elif late:
            t = late[-1]
            parts.append(f"考核期内换届时已逾期{(t.ended_on - t.effective_due_on).days}天")
        else:
            parts.append(f"本届{due_label}{term.effective_due_on}，按期换届")
        vacancies = []
        for s in term.seats:
            if s.state_on(ctx.end) == "vacant":
                days = (ctx.end - (s.vacated_on or s.since)).days
                vacancies.append((days, Position(s.position).label))
        long_ones = [(d, p) for d, p in vacancies if d > VACANCY_MAX_DAYS]
        if not vacancies:
            parts.append("没有出缺的职务")
        else:
            longest = max(vacancies)
            parts.append(f"出缺职务{len(vacancies)}个，最长为{longest[1]}已出缺{longest[0]}天")
        score = (HALF * 3 if on_time else 0) + (HALF * 3 if not long_ones else 0)
        out[bid] = Suggestion(_final(item, 3, score), "，".join(parts) + f"，得{_n(score)}分。", evidence)
    return out


# ---------------------------------------------------------------- 发展党员


@rule(
    "development_structure",
    "考核期内接收为预备党员（上级党委审批，第17步）的人员，其结构与本年度发展党员计划中的目标比较："
    f"{YOUNG_AGE}岁以下、大专以上学历、一线工人农民三项占比目标（计划中填写了的）逐项达到即达标，"
    "建议分 = 3 × 达标项数 ÷ 已填目标项数，向下取0.5分；考核期内没有接收预备党员，或计划未填写结构目标的，需人工评分。",
)
def development_structure(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        developed = [r for r in _window_steps(ctx).get(bid, []) if r["code"] == 17]
        evidence = [link("发展党员", "dev_list", bid), link("年度计划", "plans_page", bid)]
        if not developed:
            out[bid] = Suggestion(None, "考核期内本支部没有接收预备党员，发展党员结构无从评价，需人工评分。", evidence)
            continue
        n = len(developed)
        young = sum(1 for r in developed if _age_on(r["applicant__birth_date"], r["done_on"]) < YOUNG_AGE)
        college = sum(1 for r in developed if r["applicant__education"] in COLLEGE_OR_ABOVE)
        frontline = sum(1 for r in developed if r["applicant__occupation"] in FRONTLINE)
        actual = f"接收预备党员{n}名，其中{YOUNG_AGE}岁以下{young}名、大专以上{college}名、一线工人农民{frontline}名"
        plan = _dev_plans(ctx).get(bid)
        targets = []
        if plan:
            for label, key, count in (
                (f"{YOUNG_AGE}岁以下", "target_young_pct", young),
                ("大专以上", "target_college_pct", college),
                ("一线工人农民", "target_frontline_pct", frontline),
            ):
                if plan[key] is not None:
                    targets.append((label, plan[key], count, count * 100 >= plan[key] * n))
        if not targets:
            out[bid] = Suggestion(
                None,
                f"考核期内{actual}，但{ctx.year}年度发展党员计划{'未填写结构目标' if plan else '未录入'}，"
                "无从比较，需人工评分。",
                evidence,
            )
            continue
        met = sum(1 for t in targets if t[3])
        score = _final(item, 3, Decimal(3) * met / len(targets))
        detail = "、".join(
            f"{label}{_pct(c, n)}（目标{t}%）{'达到' if ok else '未达到'}" for label, t, c, ok in targets
        )
        out[bid] = Suggestion(score, f"考核期内{actual}，{detail}，得{_n(score)}分。", evidence)
    return out


@rule(
    "activist_plan",
    f"有本年度入党积极分子培养计划（计划类别“入党积极分子培养计划”）或发展党员计划得1.5分；目前的入党积极分子和发展对象中"
    f"已记录第{CULTIVATION_STEPS[0]}步（指定培养联系人）和第{CULTIVATION_STEPS[1]}步（培养教育考察）的比例 × 1.5分"
    "（向下取0.5分），没有入党积极分子和发展对象的此项不扣分。",
)
def activist_plan(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("年度计划", "plans_page", bid), link("发展党员", "dev_list", bid)]
        has_plan = PlanKind.ACTIVIST in _plans(ctx).get(bid, {}) or bid in _dev_plans(ctx)
        people = [r for r in _in_progress(ctx).get(bid, []) if r.stage in (DevStage.ACTIVIST, DevStage.CANDIDATE)]
        cultivated = [r for r in people if r.step5 and r.step6]
        plan_part = HALF * 3 if has_plan else D0
        if people:
            care_part = floor_half(HALF * 3 * len(cultivated) / len(people))
            care_text = (
                f"入党积极分子和发展对象{len(people)}名，其中{len(cultivated)}名已记录指定培养联系人和培养教育考察"
            )
        else:
            care_part = HALF * 3
            care_text = "目前没有入党积极分子和发展对象，培养考察不扣分"
        score = _final(item, 3, plan_part + care_part)
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度{'有' if has_plan else '没有'}入党积极分子培养计划或发展党员计划，"
            f"{care_text}，得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "development_procedure",
    "考核期内记录的发展党员步骤：都没有违反时限或顺序规则得3分；有违反但都填写了例外原因得1.5分；有违反且未说明原因得0分；"
    f"第{'、'.join(map(str, MATERIAL_STEPS))}步未上传材料的每步扣{_n(MATERIAL_PENALTY)}分，扣完为止；"
    "考核期内没有发展党员步骤记录的需人工评分。",
)
def development_procedure(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        steps = _window_steps(ctx).get(bid, [])
        evidence = [link("发展党员", "dev_list", bid)]
        if not steps:
            out[bid] = Suggestion(None, "考核期内本支部没有发展党员步骤记录，无从评价程序，需人工评分。", evidence)
            continue
        broken = [r for r in steps if r["broken"]]
        unexplained = [r for r in broken if not r["explained"]]
        no_material = [r for r in steps if r["code"] in MATERIAL_STEPS and not r["has_material"]]
        base = D0 if unexplained else (HALF * 3 if broken else Decimal(3))
        raw = max(D0, base - MATERIAL_PENALTY * len(no_material))
        score = _final(item, 3, raw)
        people = sorted({r["applicant__name"] for r in no_material + unexplained})
        out[bid] = Suggestion(
            score,
            f"考核期内记录发展党员步骤{len(steps)}个，违反时限或顺序规则{len(broken)}个（未说明原因{len(unexplained)}个），"
            f"应上传材料而未上传的{len(no_material)}个{('（' + _names(people) + '）') if people else ''}，"
            f"得{_n(score)}分。",
            evidence,
        )
    return out


# ---------------------------------------------------------------- 党员教育


@rule(
    "study_plans",
    f"有本年度支部学习教育计划得1.5分；考核期末在册党员中已制定本年度个人学习计划的达到{STUDY_PLAN_SHARE}%得1.5分。",
)
def study_plans(ctx, item):
    def load():
        out = defaultdict(set)
        for bid, member_id in StudyPlan.objects.filter(
            member__branch_id__in=ctx.branch_ids, year=ctx.year, has_plan=True
        ).values_list("member__branch_id", "member_id"):
            out[bid].add(member_id)
        return out

    planned = ctx.once("rec:study_plans", load)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("年度计划", "plans_page", bid)]
        has_plan = PlanKind.EDUCATION in _plans(ctx).get(bid, {})
        roster = _roster(ctx, bid)
        n = sum(1 for m in roster if m.id in planned.get(bid, ()))
        ok = _share_at_least(n, len(roster), STUDY_PLAN_SHARE)
        score = _final(item, 3, (HALF * 3 if has_plan else 0) + (HALF * 3 if ok else 0))
        if roster:
            personal = (
                f"考核期末在册党员{len(roster)}名中{n}名（{_pct(n, len(roster))}）已制定个人学习计划"
                f"（要求{STUDY_PLAN_SHARE}%）"
            )
        else:
            personal = "平台上没有本支部考核期末的在册党员记录"
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度支部学习教育计划{'已' if has_plan else '未'}制定，{personal}，得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "online_education",
    f"考核期内形式为“线上”或“线上线下结合”的活动记录：{ONLINE_FULL}次以上得3分，1次得1.5分，没有得0分。",
)
def online_education(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        online = [a for a in _activities(ctx).get(bid, []) if a.form in (ActivityForm.ONLINE, ActivityForm.MIXED)]
        n = len(online)
        raw = 3 if n >= ONLINE_FULL else (HALF * 3 if n else 0)
        evidence = [link("活动记录", "activity_list", bid)]
        evidence += [
            link(
                f"{a.held_on:%Y-%m-%d} {ActivityType(a.type).label}（{ActivityForm(a.form).label}）",
                "activity_detail",
                a.id,
            )
            for a in online[:6]
        ]
        score = _final(item, 3, raw)
        out[bid] = Suggestion(score, f"考核期内线上或线上线下结合的活动{n}次，得{_n(score)}分。", evidence)
    return out


# ---------------------------------------------------------------- 党员管理


@rule(
    "member_management",
    "考核期末在册党员中：每名失联党员都登记了处置情况、每名空挂党员都登记了处理情况、每名流动党员都登记了流入/流出地党组织，"
    "三类都齐全得3分，每有一类不齐全扣1分；没有在册党员的需人工评分。",
)
def member_management(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        roster = _roster(ctx, bid)
        if not roster:
            out[bid] = Suggestion(None, NO_ROSTER, [link("支部页面（党员名册）", "branch_detail", bid)])
            continue
        lost = [m for m in roster if m.is_lost]
        kongua = [m for m in roster if m.is_kongua]
        flowing = [m for m in roster if m.is_flowing]
        gaps = {
            "失联": [m for m in lost if not m.lost_handling.strip()],
            "空挂": [m for m in kongua if not m.kongua_handling.strip()],
            "流动": [m for m in flowing if not m.flow_counterpart.strip()],
        }
        kinds_with_gaps = [k for k, v in gaps.items() if v]
        score = _final(item, 3, 3 - len(kinds_with_gaps))
        evidence = [link("支部页面（党员名册）", "branch_detail", bid), link("党内统计", "statistics", bid)]
        for k, ms in gaps.items():
            evidence += [link(f"{m.name}（{k}党员，未登记）", "member_records", m.id) for m in ms[:3]]
        out[bid] = Suggestion(
            score,
            f"考核期末在册党员{len(roster)}名，失联{len(lost)}名（未登记处置{len(gaps['失联'])}名）、"
            f"空挂{len(kongua)}名（未登记处理{len(gaps['空挂'])}名）、流动{len(flowing)}名"
            f"（未登记流入/流出地党组织{len(gaps['流动'])}名），得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "screening",
    "考核期内本支部或其任一上级党组织（党总支、党(工)委、区委组织部）开展过违法违纪党代表和党员排查清理得3分，否则得0分。",
)
def screening(ctx, item):
    branches = _branches(ctx)
    steplen = Organization.steplen

    def prefixes(path):
        return [path[:i] for i in range(steplen, len(path) + 1, steplen)]

    all_prefixes = {p for b in branches.values() for p in prefixes(b["path"])}
    rows = ctx.once(
        "rec:screenings",
        lambda: list(
            Screening.objects.filter(held_on__gte=ctx.start, held_on__lte=ctx.end, organization__path__in=all_prefixes)
            .order_by("-held_on", "-id")
            .values_list("organization_id", "organization__path", "organization__name", "held_on")
        ),
    )
    by_path = defaultdict(list)
    for org_id, path, name, held_on in rows:
        by_path[path].append((org_id, name, held_on))
    out = {}
    for bid in ctx.branch_ids:
        b = branches.get(bid)
        found = [s for p in prefixes(b["path"]) for s in by_path.get(p, [])] if b else []
        if found:
            org_id, name, held_on = max(found, key=lambda s: s[2])
            out[bid] = Suggestion(
                _final(item, 3, 3),
                f"考核期内{name}于{held_on}开展了违法违纪党员排查清理（共{len(found)}次涉及本支部），得3分。",
                [link(f"{name}排查清理记录", "screening_list", org_id)],
            )
        else:
            out[bid] = Suggestion(
                _final(item, 3, 0),
                "平台上没有考核期内本支部或上级党组织的违法违纪党员排查清理记录，得0分。",
                [link("排查清理记录", "screening_list", bid)],
            )
    return out


def _dues_facts(ctx):
    """Per branch: members with a base for the year, expected and paid member-months of the
    window's complete months, and who has a run of ``ARREARS_MONTHS`` unpaid months at its
    end. Four queries. Months follow ``ledgers.dues``: from the month of joining (or the
    month after a transfer in), not in a year whose verified amount is 0 (a waiver), and
    only from the branch's first recorded payment."""

    def load():
        last_day = min(ctx.end, ctx.today)
        last = _add_months(_month_start(last_day + datetime.timedelta(days=1)), -1)  # last complete month
        first = ctx.start if ctx.start.day == 1 else _add_months(_month_start(ctx.start), 1)
        fetch_from = min(first, _add_months(last, 1 - ARREARS_MONTHS))
        bases = defaultdict(list)
        for member_id, year, fen in (
            DuesBase.objects.filter(member__branch_id__in=ctx.branch_ids, year__lte=ctx.end.year)
            .order_by("year")
            .values_list("member_id", "year", "monthly_fen")
        ):
            bases[member_id].append((year, fen))
        paid = defaultdict(set)
        for member_id, month in DuesPayment.objects.filter(
            member__branch_id__in=ctx.branch_ids, month__gte=fetch_from, month__lte=last
        ).values_list("member_id", "month"):
            paid[member_id].add(month)
        tracking = dict(
            DuesPayment.objects.filter(member__branch_id__in=ctx.branch_ids)
            .values("member__branch_id")
            .annotate(first=Min("month"))
            .values_list("member__branch_id", "first")
        )
        moved_in = {}
        for member_id, to_branch, day in (
            MemberTransfer.objects.filter(direction=TransferDirection.IN, to_branch_id__in=ctx.branch_ids)
            .order_by("occurred_on", "id")
            .values_list("member_id", "to_branch_id", "occurred_on")
        ):
            moved_in[(member_id, to_branch)] = day

        def amount(member_id, year):
            fen = None
            for y, f in bases[member_id]:
                if y > year:
                    break
                fen = f
            return fen

        out = {}
        for bid in ctx.branch_ids:
            roster = _roster(ctx, bid)
            with_base = [m for m in roster if any(y == ctx.year for y, _ in bases[m.id])]
            since = tracking.get(bid)
            expected = paid_n = 0
            flagged = []
            for m in roster if since else []:
                start = _month_start(m.joined_on)
                if (m.id, bid) in moved_in:
                    start = max(start, _add_months(_month_start(moved_in[(m.id, bid)]), 1))
                start = max(start, _month_start(since))
                month = max(start, first)
                while month <= last:
                    if amount(m.id, month.year) != 0:
                        expected += 1
                        paid_n += month in paid[m.id]
                    month = _add_months(month, 1)
                run, month = 0, last
                while (
                    run < ARREARS_MONTHS
                    and month >= start
                    and amount(m.id, month.year) != 0
                    and month not in paid[m.id]
                ):
                    run += 1
                    month = _add_months(month, -1)
                if run >= ARREARS_MONTHS:
                    flagged.append(m)
            out[bid] = {
                "roster": len(roster),
                "with_base": len(with_base),
                "tracking": since,
                "expected": expected,
                "paid": paid_n,
                "flagged": flagged,
                "last": last,
            }
        return out

    return ctx.once("rec:dues", load)


@rule(
    "dues",
    f"考核期末在册党员中已核定本年度党费基数的达到{DUES_BASE_SHARE}%得1.5分；考核期内已结束的月份中，应交党费的“人·月”"
    f"已交达到{DUES_PAID_SHARE}%，且截至考核期末（或今天）没有连续{ARREARS_MONTHS}个月以上未交的党员，得1.5分"
    "（应交月份同党费页面：自入党当月或转入次月起、减免为0的年度除外、自支部在平台首次登记交纳起算）；"
    "没有在册党员的需人工评分。",
)
def dues(ctx, item):
    facts = _dues_facts(ctx)
    out = {}
    for bid in ctx.branch_ids:
        f = facts[bid]
        evidence = [
            link("党费基数核定", "dues_bases", bid),
            link("党费交纳", "dues_month", bid),
            link("欠交党费", "dues_arrears", bid),
        ]
        if not f["roster"]:
            out[bid] = Suggestion(None, NO_ROSTER, evidence)
            continue
        base_ok = _share_at_least(f["with_base"], f["roster"], DUES_BASE_SHARE)
        base_text = (
            f"{ctx.year}年度党费基数已核定{f['with_base']}/{f['roster']}名（{_pct(f['with_base'], f['roster'])}）"
        )
        if f["tracking"] is None:
            pay_ok = False
            pay_text = "平台上没有本支部的党费交纳记录"
        else:
            share_ok = f["expected"] == 0 or _share_at_least(f["paid"], f["expected"], DUES_PAID_SHARE)
            pay_ok = share_ok and not f["flagged"]
            pay_text = (
                f"考核期内应交{f['expected']}人·月、已交{f['paid']}人·月（{_pct(f['paid'], f['expected'])}），"
                f"连续{ARREARS_MONTHS}个月以上未交的{len(f['flagged'])}名"
                f"{('（' + _names([m.name for m in f['flagged']]) + '）') if f['flagged'] else ''}"
            )
        score = _final(item, 3, (HALF * 3 if base_ok else 0) + (HALF * 3 if pay_ok else 0))
        out[bid] = Suggestion(score, f"{base_text}，{pay_text}，得{_n(score)}分。", evidence)
    return out


@rule(
    "appraisal",
    f"有本年度民主评议党员记录，且为评议当日（评议在考核期截止后的按截止日）在册党员的{APPRAISAL_SHARE}%以上评定了等次得3分；"
    "有评议记录但评定等次的党员不足该比例得1.5分；没有评议记录得0分。",
)
def appraisal(ctx, item):
    def load():
        appraisals = {
            r["branch_id"]: r
            for r in Appraisal.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values(
                "id", "branch_id", "held_on"
            )
        }
        results = defaultdict(set)
        if appraisals:
            for appraisal_id, member_id in AppraisalResult.objects.filter(
                appraisal_id__in=[a["id"] for a in appraisals.values()]
            ).values_list("appraisal_id", "member_id"):
                results[appraisal_id].add(member_id)
        return appraisals, results

    appraisals, results = ctx.once("rec:appraisals", load)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("民主评议党员", "appraisal_page", bid)]
        a = appraisals.get(bid)
        if a is None:
            out[bid] = Suggestion(
                _final(item, 3, 0), f"平台上没有本支部{ctx.year}年度民主评议党员记录，得0分。", evidence
            )
            continue
        day = min(a["held_on"], ctx.end)
        roster = _roster(ctx, bid, day)
        n = sum(1 for m in roster if m.id in results[a["id"]])
        ok = _share_at_least(n, len(roster), APPRAISAL_SHARE)
        score = _final(item, 3, 3 if ok else HALF * 3)
        out[bid] = Suggestion(
            score,
            f"{a['held_on']}开展{ctx.year}年度民主评议，当时在册党员{len(roster)}名中{n}名（{_pct(n, len(roster))}）"
            f"评定了等次（要求{APPRAISAL_SHARE}%），得{_n(score)}分。",
            evidence,
        )
    return out


# ---------------------------------------------------------------- 联系服务群众


def _service_with_photo(ctx, bid):
    return [a for a in _activities(ctx).get(bid, []) if a.type == ActivityType.SERVICE and a.photo_count > 0]


@rule(
    "service_system",
    "年初有目标：本年度联系服务群众制度已确定并填写年度目标得2分；月月有举措：考核期内每个完整月份有附照片的联系服务群众活动，"
    "得 4 × 有活动的月数 ÷ 月数 分（向下取0.5分）；年终有考核：已填写年终考核得2分。",
)
def service_system(ctx, item):
    systems = ctx.once(
        "rec:service_systems",
        lambda: {
            r["branch_id"]: r
            for r in ServiceSystem.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year).values(
                "branch_id", "kind", "name", "goal", "year_end_review"
            )
        },
    )
    months = periods_in_window("month", ctx.start, ctx.judged_end)
    out = {}
    for bid in ctx.branch_ids:
        s = systems.get(bid)
        evidence = [link("联系服务群众", "service_page", bid)]
        acts = _service_with_photo(ctx, bid)
        covered = {(a.held_on.year, a.held_on.month - 1) for a in acts} & set(months)
        goal_ok = bool(s and s["goal"].strip())
        review_ok = bool(s and s["year_end_review"].strip())
        monthly = floor_half(Decimal(4) * len(covered) / len(months)) if months else D0
        score = _final(item, 8, (2 if goal_ok else 0) + monthly + (2 if review_ok else 0))
        evidence += [link(f"{a.held_on:%Y-%m-%d} 联系服务群众活动", "activity_detail", a.id) for a in acts[:12]]
        state = "已确定并有年度目标" if goal_ok else ("未填写年度目标" if s else "未录入")
        head = f"{ctx.year}年度联系服务群众制度{state}"
        out[bid] = Suggestion(
            score,
            f"{head}，考核期{len(months)}个完整月份中{len(covered)}个月有附照片的联系服务群众活动（得{_n(monthly)}分），"
            f"年终考核{'已填写' if review_ok else '未填写'}，得{_n(score)}分。",
            evidence,
        )
    return out


# ---------------------------------------------------------------- 阵地


def _rooms(ctx):
    def load():
        rooms = {
            r["branch_id"]: r
            for r in ActivityRoom.objects.filter(branch_id__in=ctx.branch_ids).values("branch_id", "kind", "address")
        }
        photos = Photo.objects.filter(
            owner_type__app_label=RoomCheck._meta.app_label, owner_type__model=RoomCheck._meta.model_name,
            owner_id=OuterRef("pk"),
        )  # fmt: skip
        checks = defaultdict(dict)
        for bid, item, present, has_photo in (
            RoomCheck.objects.filter(room__branch_id__in=ctx.branch_ids)
            .annotate(has_photo=Exists(photos))
            .values_list("room__branch_id", "item", "present", "has_photo")
        ):
            checks[bid][item] = (present, has_photo)
        return rooms, checks

    return ctx.once("rec:rooms", load)


@rule("room", "平台上登记了本支部的活动阵地（独立活动室或共用活动阵地）得3分，否则得0分。")
def room(ctx, item):
    rooms, _ = _rooms(ctx)
    out = {}
    for bid in ctx.branch_ids:
        r = rooms.get(bid)
        evidence = [link("活动阵地", "room_page", bid)]
        if r:
            out[bid] = Suggestion(
                _final(item, 3, 3), f"已登记活动阵地（{RoomKind(r['kind']).label}，{r['address']}），得3分。", evidence
            )
        else:
            out[bid] = Suggestion(_final(item, 3, 0), "平台上没有本支部的活动阵地记录，得0分。", evidence)
    return out


@rule(
    "room_facilities",
    f"阵地建设核对表共{len(RoomItem.values)}项（党支部标识、党旗、入党誓词等），已具备且附照片的项数 × 3 ÷ "
    f"{len(RoomItem.values)}，向下取0.5分；没有登记活动阵地的得0分。",
)
def room_facilities(ctx, item):
    rooms, checks = _rooms(ctx)
    total = len(RoomItem.values)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("活动阵地", "room_page", bid)]
        if bid not in rooms:
            out[bid] = Suggestion(
                _final(item, 3, 0), "平台上没有本支部的活动阵地记录，阵地设施无从核对，得0分。", evidence
            )
            continue
        c = checks.get(bid, {})
        ok = [i for i in RoomItem.values if c.get(i) == (True, True)]
        no_photo = [RoomItem(i).label for i in RoomItem.values if c.get(i, (False, False))[0] and not c[i][1]]
        missing = [RoomItem(i).label for i in RoomItem.values if not c.get(i, (False, False))[0]]
        score = _final(item, 3, Decimal(3) * len(ok) / total)
        text = f"阵地核对表{total}项中{len(ok)}项已具备且附照片"
        if no_photo:
            text += f"，{len(no_photo)}项已具备但缺照片（{_names(no_photo, 3)}）"
        if missing:
            text += f"，{len(missing)}项未具备或未核对（{_names(missing, 3)}）"
        out[bid] = Suggestion(score, f"{text}，得{_n(score)}分。", evidence)
    return out


# ---------------------------------------------------------------- 经费


def _funding(ctx):
    """The year's funding row with its sums, and the standard (computed from the roster on
    1 January for 机关/事业单位, as in ``ledgers.branch_support``): two queries."""

    def load():
        income = Q(entries__category__in=list(INCOME_CATEGORIES))
        expense = Q(entries__category__in=[c for c in FundingCategory.values if c not in INCOME_CATEGORIES])
        other = Q(entries__category=FundingCategory.OTHER_EXPENSE)
        rows = {
            r["branch_id"]: r
            for r in FundingYear.objects.filter(branch_id__in=ctx.branch_ids, year=ctx.year)
            .annotate(
                income=Coalesce(Sum("entries__amount_fen", filter=income), 0),
                expense=Coalesce(Sum("entries__amount_fen", filter=expense), 0),
                n_entries=Count("entries"),
                n_expense=Count("entries", filter=expense),
                other_n=Count("entries", filter=other),
                other_fen=Coalesce(Sum("entries__amount_fen", filter=other), 0),
                no_receipt=Count("entries", filter=expense & Q(entries__receipt="")),
            )
            .values(
                "branch_id",
                "standard_fen",
                "budget_fen",
                "has_special_fund",
                "has_account",
                "income",
                "expense",
                "n_entries",
                "n_expense",
                "other_n",
                "other_fen",
                "no_receipt",
            )  # fmt: skip
        }
        computed = [bid for bid, b in _branches(ctx).items() if b["branch_type"] in COMPUTED_STANDARD_TYPES]
        standards = {}
        if computed:
            day = roster_date_for(ctx.year)
            counts = dict(
                Member.objects.filter(branch_id__in=computed, joined_on__lte=day)
                .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
                .values("branch_id")
                .annotate(n=Count("id"))
                .values_list("branch_id", "n")
            )
            standards = {bid: counts.get(bid, 0) * FUNDING_PER_MEMBER_FEN for bid in computed}
        for bid, r in rows.items():
            if bid in standards:
                r["standard_fen"] = standards[bid]
            r["computed"] = bid in standards
        return rows

    return ctx.once("rec:funding", load)


def _yuan(fen):
    return f"{fen / 100:.2f}".rstrip("0").rstrip(".")


@rule(
    "funding_provided",
    f"本年度已落实党建工作专项经费且年度预算不低于经费标准（机关、事业单位按1月1日在册党员每人每年"
    f"{FUNDING_PER_MEMBER_FEN // 100}元计算，其他支部按登记的标准）"
    "得3分；已落实专项经费但预算低于标准或未登记标准得1.5分；未落实得0分。",
)
def funding_provided(ctx, item):
    rows = _funding(ctx)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("党建工作经费", "funding_page", bid)]
        r = rows.get(bid)
        if r is None or not r["has_special_fund"]:
            out[bid] = Suggestion(
                _final(item, 3, 0),
                f"{ctx.year}年度"
                f"{'平台上没有本支部的党建工作经费记录' if r is None else '未落实党建工作专项经费'}，得0分。",
                evidence,
            )
            continue
        if not r["standard_fen"] and not r["computed"]:
            raw, text = HALF * 3, "已落实专项经费，但未登记经费标准，无法核对预算"
        elif r["budget_fen"] >= r["standard_fen"]:
            raw, text = 3, f"已落实专项经费，年度预算{_yuan(r['budget_fen'])}元不低于标准{_yuan(r['standard_fen'])}元"
        else:
            raw, text = (
                HALF * 3,
                f"已落实专项经费，但年度预算{_yuan(r['budget_fen'])}元低于标准{_yuan(r['standard_fen'])}元",
            )
        score = _final(item, 3, raw)
        out[bid] = Suggestion(score, f"{ctx.year}年度{text}，得{_n(score)}分。", evidence)
    return out


@rule(
    "funding_use",
    "本年度有经费支出记录且都在规定范围内（阵地建设、发展党员和党员教育管理、党员表彰和慰问、党报党刊订阅）得3分；"
    f"有“其他支出”但金额不超过支出总额的{OTHER_EXPENSE_MAX_SHARE}%得1.5分，超过的得0分；没有支出记录得0分。",
)
def funding_use(ctx, item):
    rows = _funding(ctx)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("党建工作经费", "funding_page", bid)]
        r = rows.get(bid)
        if r is None or not r["n_expense"]:
            out[bid] = Suggestion(
                _final(item, 3, 0),
                f"平台上没有本支部{ctx.year}年度的党建工作经费支出记录，无从核对经费用途，得0分。",
                evidence,
            )
            continue
        if not r["other_n"]:
            raw = 3
        elif r["other_fen"] * 100 <= OTHER_EXPENSE_MAX_SHARE * r["expense"]:
            raw = HALF * 3
        else:
            raw = 0
        score = _final(item, 3, raw)
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度经费支出{r['n_expense']}笔共{_yuan(r['expense'])}元，其中规定范围以外的“其他支出”{r['other_n']}笔"
            f"共{_yuan(r['other_fen'])}元（{_pct(r['other_fen'], r['expense'])}），得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "funding_account",
    "本年度经费：设专户管理得1分；有收支记录且收支结余不为负得1分；有支出记录且每笔支出都上传了票据得1分。",
)
def funding_account(ctx, item):
    rows = _funding(ctx)
    out = {}
    for bid in ctx.branch_ids:
        evidence = [link("党建工作经费", "funding_page", bid)]
        r = rows.get(bid)
        if r is None:
            out[bid] = Suggestion(
                _final(item, 3, 0), f"平台上没有本支部{ctx.year}年度的党建工作经费记录，得0分。", evidence
            )
            continue
        balance = r["income"] - r["expense"]
        account = 1 if r["has_account"] else 0
        balanced = 1 if r["n_entries"] and balance >= 0 else 0
        receipts = 1 if r["n_expense"] and not r["no_receipt"] else 0
        score = _final(item, 3, account + balanced + receipts)
        if not r["n_entries"]:
            rest = "没有收支记录"
        else:
            rest = (
                f"收入{_yuan(r['income'])}元、支出{_yuan(r['expense'])}元、结余{_yuan(balance)}元，"
                f"支出{r['n_expense']}笔中{r['no_receipt']}笔未上传票据"
            )
        out[bid] = Suggestion(
            score, f"{ctx.year}年度经费{'已' if r['has_account'] else '未'}设专户，{rest}，得{_n(score)}分。", evidence
        )
    return out


# ---------------------------------------------------------------- 台账


@rule(
    "member_ledger",
    "以下五项各1分：考核期末每名在册党员都登记了手机号（学历、职业、出生日期为必填项）；考核期内有教育培训记录的党员达到"
    f"在册党员的{TRAINING_SHARE}%；考核期内有党费交纳记录；有发展党员记录（考核期内的步骤记录），或本年度没有发展计划且"
    "没有在培养的人员；每名建国前老党员和困难党员考核期内都有受助帮扶或走访慰问记录（没有此类党员的得分）。",
)
def member_ledger(ctx, item):
    def load():
        records = defaultdict(set)
        for member_id, kind in (
            MemberRecord.objects.filter(
                member__branch_id__in=ctx.branch_ids, occurred_on__gte=ctx.start, occurred_on__lte=ctx.end
            )
            .values_list("member_id", "kind")
            .distinct()
        ):
            records[member_id].add(kind)
        dues_rows = dict(
            DuesPayment.objects.filter(
                member__branch_id__in=ctx.branch_ids, month__gte=_month_start(ctx.start), month__lte=ctx.end
            )
            .values("member__branch_id")
            .annotate(n=Count("id"))
            .values_list("member__branch_id", "n")
        )
        return records, dues_rows

    records, dues_rows = ctx.once("rec:member_ledger", load)
    out = {}
    for bid in ctx.branch_ids:
        roster = _roster(ctx, bid)
        n = len(roster)
        parts, score = [], 0
        evidence = [link("支部页面（党员名册）", "branch_detail", bid)]
        if n:
            no_phone = [m for m in roster if not m.phone.strip()]
            score += 0 if no_phone else 1
            parts.append(f"未登记手机号的党员{len(no_phone)}名")
            evidence += [link(f"{m.name}（未登记手机号）", "member_records", m.id) for m in no_phone[:3]]
            trained = sum(1 for m in roster if RecordKind.TRAINING in records.get(m.id, ()))
            score += 1 if _share_at_least(trained, n, TRAINING_SHARE) else 0
            parts.append(f"有教育培训记录的{trained}名（{_pct(trained, n)}）")
        else:
            parts.append("考核期末没有在册党员")
        n_dues = dues_rows.get(bid, 0)
        score += 1 if n_dues else 0
        parts.append(f"党费交纳记录{n_dues}条")
        steps = _window_steps(ctx).get(bid, [])
        plan = _dev_plans(ctx).get(bid)
        waiting = _in_progress(ctx).get(bid, [])
        if steps:
            score += 1
            parts.append(f"发展党员步骤记录{len(steps)}条")
        elif not waiting and not (plan and plan["planned_count"]):
            score += 1
            parts.append("本年度无发展党员任务")
        else:
            parts.append("有发展任务但考核期内没有发展党员步骤记录")
        needy = [m for m in roster if m.pre_1949 or m.is_hardship]
        uncared = [m for m in needy if not records.get(m.id, set()) & set(CARE_KINDS)]
        score += 0 if uncared else 1
        parts.append(f"建国前老党员和困难党员{len(needy)}名中{len(uncared)}名没有帮扶慰问记录")
        evidence += [link(f"{m.name}（无帮扶慰问记录）", "member_records", m.id) for m in uncared[:3]]
        evidence += [
            link("党费交纳", "dues_month", bid),
            link("发展党员", "dev_list", bid),
            link("关爱帮扶", "care_list", bid),
        ]
        total = _final(item, 5, score)
        out[bid] = Suggestion(total, "，".join(parts) + f"，得{_n(total)}分。", evidence)
    return out


@rule(
    "life_ledger",
    "考核期内的组织生活记录中完整记录（到会人数符合要求、附照片、地点/主题/内容齐全）所占比例 × 5，向下取0.5分；"
    "没有记录得0分。",
)
def life_ledger(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        acts = _activities(ctx).get(bid, [])
        evidence = [
            link(f"{ctx.year}年党组织生活台账", "life_ledger", bid, ctx.year),
            link("活动记录", "activity_list", bid),
        ]
        if not acts:
            out[bid] = Suggestion(_final(item, 5, 0), "平台上没有本支部考核期内的组织生活记录，得0分。", evidence)
            continue
        complete = [a for a in acts if a.complete]
        incomplete = [a for a in acts if not a.complete]
        no_photo = sum(1 for a in acts if not a.photo_count)
        no_quorum = sum(1 for a in acts if not a.quorum_met)
        score = _final(item, 5, Decimal(5) * len(complete) / len(acts))
        evidence += [
            link(f"{a.held_on:%Y-%m-%d} {ActivityType(a.type).label}（不完整）", "activity_detail", a.id)
            for a in incomplete[:6]
        ]
        out[bid] = Suggestion(
            score,
            f"考核期内组织生活记录{len(acts)}条，完整的{len(complete)}条（缺照片{no_photo}条、到会人数不符合要求{no_quorum}条），"
            f"按5×{len(complete)}/{len(acts)}向下取0.5分得{_n(score)}分。",
            evidence,
        )
    return out


@rule(
    "service_ledger",
    "有本年度联系服务群众计划得1分；考核期内附照片的联系服务群众活动记录：6次以上得4分，3—5次得2分，1—2次得1分，没有得0分。",
)
def service_ledger(ctx, item):
    out = {}
    for bid in ctx.branch_ids:
        has_plan = PlanKind.SERVICE in _plans(ctx).get(bid, {})
        acts = _service_with_photo(ctx, bid)
        part = next((pts for at_least, pts in SERVICE_LEDGER_STEPS if len(acts) >= at_least), D0)
        score = _final(item, 5, (1 if has_plan else 0) + part)
        evidence = [link("年度计划", "plans_page", bid), link("联系服务群众", "service_page", bid)]
        evidence += [link(f"{a.held_on:%Y-%m-%d} 联系服务群众活动", "activity_detail", a.id) for a in acts[:12]]
        out[bid] = Suggestion(
            score,
            f"{ctx.year}年度联系服务群众计划{'已' if has_plan else '未'}制定，"
            f"考核期内附照片的联系服务群众活动{len(acts)}次，得{_n(score)}分。",
            evidence,
        )
    return out
