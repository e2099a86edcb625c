"""Demo data for the assessment and the review of the small demo district.

``seed_review(actor=…, rng=…, today=…)`` runs after ``ledgers.demo_support.seed_support``
(the suggestions are computed from the seeded records). It creates two periods:

- last year's (stage 2, window 1 January–31 December, deadlines in January and February,
  pass line 85, notice 5 working days), opened like the district does it (``period_create``,
  a ``Job`` row, ``period_open_run``), whose assessments are then moved through the REAL
  review services by the right people — the branch's staff submits, the committee's reviewer
  reviews, recommends and declares in a 申报表, the district scores, inspects, accepts,
  publishes and confirms. The branches end in every state: still draft, submitted, returned
  with per-item reasons, reviewed, recommended, declared, accepted, not passed (below 85
  after an on-site inspection), published, confirmed (most of them, the demo secretary's
  branch among them; the notice ended a few days ago, one objection was dismissed),
  not recommended because of a one-vote veto, and the branch without a special fund in
  rectification with its tasks;
- this year's, opened the same way, where every branch is still self-assessing (a few have
  started), so the demo secretary can self-assess and submit.

Self scores start from the suggestions (full points for items scored by hand) with small
deductions; last year's activity records start in December, so for the frequency items the
branch scores what its paper ledgers showed and says so. Committee and district scores
stay close to the self scores. Every step's time (events, notices, history rows) is moved
back to when it happened. All randomness comes from ``rng``.
"""

import datetime
import time
from decimal import ROUND_FLOOR, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max, Q
from django.utils import timezone

from assessment.models import Assessment, ItemScore, Job, Period, RubricSection, RubricVersion, Veto
from assessment.models import AssessmentStatus as S
from assessment.services import period_create, period_open_run, self_scores_save, veto_lift
from branches.demo import DEMO_BRANCH
from branches.models import CommitteeSeat, CommitteeTerm, Position
from ledgers.demo_support import demo_staff, person_name, picture
from ledgers.models import Photo

from . import services
from .inspections import inspection_record
from .models import (
    Declaration,
    Inspection,
    Notice,
    Objection,
    Publication,
    Rectification,
    RectificationTask,
    ReviewEvent,
    ScoreAdjustment,
)

D = datetime.date
days = datetime.timedelta
HALF = Decimal("0.5")

# Items whose last-year records were kept on paper (the platform's records start in December).
PAPER_RULES = {"freq_congress", "freq_committee", "freq_group", "freq_lecture", "freq_life", "freq_appraisal",
               "freq_theme_day", "service_system", "service_ledger", "online_education", "life_ledger"}  # fmt: skip
# Where branches and reviewers take points off: judgement items, not facts such as the fund.
SOFT_RULES = {"", "life_ledger", "service_ledger", "member_ledger", "room_facilities", "study_plans",
              "online_education", "service_system", "freq_group", "freq_committee", "activist_plan",
              "development_procedure", "party_groups"}  # fmt: skip
PAPER_REMARK = "1—11月记录为纸质台账（平台12月启用），已报党(工)委核查"
# What each side says when it takes points off an item: (branch, committee, district).
REMARKS = {
    "": ("理想信念教育结合业务培训还不够", "教育内容结合实际不够紧密", "学习内容较单一"),
    "life_ledger": ("个别记录照片不全，自扣", "抽查会议记录，个别记录签到不全", "个别记录要素不全"),
    "service_ledger": ("服务台账个别月份成效记录不具体", "服务群众成效材料不够充分", "成效记录较简单"),
    "member_ledger": ("党员信息个别项目未及时更新", "党员信息台账个别项目未更新", "台账抽查发现个别信息未更新"),
    "room_facilities": ("阵地资料更新不够及时", "实地查看阵地，资料摆放不够规范", "实地考察：阵地资料未分类摆放"),
    "study_plans": ("个别党员学习笔记记录较少", "学习笔记抽查，部分党员记录较少", "学习笔记抽查记录较少"),
    "online_education": ("线上学习形式较少", "线上教育形式较单一", "线上教育形式较单一"),
    "service_system": ("服务制度年终考核不够具体", "年终考核内容较简单", "年终考核缺少群众评价"),
    "freq_group": ("个别党小组会到会人数不足", "个别党小组会记录内容简单", "个别党小组会记录不规范"),
    "freq_committee": ("个别支委会议题记录简单", "个别支委会记录缺少决定事项", "个别支委会记录不规范"),
    "activist_plan": ("培养联系人谈话记录不全", "培养考察记录不够完整", "培养考察记录不完整"),
    "development_procedure": ("个别材料归档不及时", "发展材料个别页缺少签字", "发展材料个别页缺少签字"),
    "party_groups": ("个别党员尚未编入党小组", "党小组划分需调整", "党小组划分需调整"),
}
RETURN_ITEMS = {
    "freq_group": "党小组会记录缺少3月、7月的签到表照片，请补充上传后重新自评。",
    "study_plans": "个人学习计划未上传，自评满分依据不足。",
    "service_system": "年终考核内容过于简单，请补充服务成效。",
}

# ---------------------------------------------------------------- time


class _Clock:
    """Everything written inside the block happened at ``when``: review events, notices,
    declarations, publications, inspections and the history rows of the review models."""

    STAMPED = [(ReviewEvent, "at"), (Notice, "created_at"), (Declaration, "submitted_at"),
               (Publication, "published_at"), (Rectification, "started_at"), (Inspection, "created_at"),
               (ScoreAdjustment, "at"), (Photo, "uploaded_at")]  # fmt: skip
    HISTORY = [Assessment, ItemScore, Veto, Objection, Rectification, RectificationTask, Inspection, Photo]

    def __init__(self, when: datetime.datetime):
        self.when = min(when, timezone.now())

    def __enter__(self):
        self.before = {m: m.objects.aggregate(n=Max("pk"))["n"] or 0 for m, _ in self.STAMPED}
        self.hist = {m: m.history.model.objects.aggregate(n=Max("history_id"))["n"] or 0 for m in self.HISTORY}
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        for model, name in self.STAMPED:
            model.objects.filter(pk__gt=self.before[model]).update(**{name: self.when})
        for model in self.HISTORY:
            model.history.model.objects.filter(history_id__gt=self.hist[model]).update(history_date=self.when)
        return False


def _at(day: D, rng, lo=9, hi=17) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(lo, hi), rng.randint(0, 59))))


# ---------------------------------------------------------------- scores


class _Sheet:
    """One assessment's items, for building score columns."""

    def __init__(self, a: Assessment, sections):
        self.a = a
        self.sections = sections
        self.scores = {
            s.item_id: s
            for s in ItemScore.objects.filter(assessment=a)
            .select_related("item")
            .order_by("item__section__order", "item__order")
        }

    def total(self, rows) -> Decimal:
        out = Decimal("0")
        for s in self.sections:
            raw = sum((Decimal(rows[i.pk][0]) for i in s.items.all() if i.pk in rows), Decimal("0"))
            out += min(raw, s.max_points)
        return out

    def self_rows(self, rng, *, paper: bool, target: Decimal, partial=None) -> dict:
        rows = {}
        for item_id, s in self.scores.items():
            points = s.item.points
            value, remark = (s.suggested, "") if s.suggested is not None else (points, "")
            if paper and s.item.rule in PAPER_RULES and value < points:
                value, remark = points, PAPER_REMARK
            rows[item_id] = (value, remark)
        rows = self._cut(rows, rng, target, 0)
        if partial is not None:
            keep = sorted(rows)[: int(len(rows) * partial)]
            rows = {k: rows[k] for k in keep}
        return {k: (str(v), r) for k, (v, r) in rows.items()}

    def follow(self, rows, rng, *, target: Decimal, who: int) -> dict:
        """Another column close to ``rows`` (self → committee → district), cut down to ``target``."""
        base = {k: (Decimal(v), "") for k, (v, _) in rows.items()}
        return {k: (str(v), r) for k, (v, r) in self._cut(base, rng, target, who).items()}

    def _cut(self, rows, rng, target, who):
        guard = 200
        keys = sorted(k for k in rows if self.scores[k].item.rule in SOFT_RULES) or sorted(rows)
        while self.total({k: (v, r) for k, (v, r) in rows.items()}) > target and guard:
            guard -= 1
            k = rng.choice(keys)
            v, r = rows[k]
            if v < 1:
                continue
            step = HALF if v < 2 or rng.random() < 0.6 else Decimal("1")
            rows[k] = (v - step, r or REMARKS.get(self.scores[k].item.rule, REMARKS[""])[who])
        return rows


# ---------------------------------------------------------------- the flow


class _Flow:
    def __init__(self, *, actor, rng, today, staff, period, sections):
        self.actor, self.rng, self.today, self.staff = actor, rng, today, staff
        self.period = period
        self.sections = sections
        self.y1 = period.year + 1

    def jan(self, lo, hi):
        return D(self.y1, 1, self.rng.randint(lo, hi))

    def reviewer(self, a):
        committee = self.staff.committee_of.get(a.branch_id)
        return self.staff.reviewer.get(committee.pk) if committee else None

    def submit(self, a, sheet, day, *, target, paper=True):
        rows = sheet.self_rows(self.rng, paper=paper, target=target)
        user = self.staff.submitter[a.branch_id]
        with _Clock(_at(day - days(self.rng.randint(1, 4)), self.rng)):
            a = self_scores_save(actor=user, assessment=a, version=a.version, rows=rows)
        when = _at(day, self.rng)
        with _Clock(when):
            a = services.submit(actor=user, assessment=a)
        Assessment.objects.filter(pk=a.pk).update(submitted_at=when)
        return a, rows

    def committee_scores(self, a, sheet, rows, day, *, target):
        crow = sheet.follow(rows, self.rng, target=target, who=1)
        with _Clock(_at(day, self.rng)):
            a = services.committee_scores_save(actor=self.reviewer(a), assessment=a, version=a.version, rows=crow)
        return a, crow

    def recommend(self, a, day, *, comment="组织健全、制度落实、台账规范，同意推荐。"):
        with _Clock(_at(day, self.rng, 15, 18)):
            return services.committee_decide(actor=self.reviewer(a), assessment=a, recommend=True, comment=comment)

    def district_scores(self, a, sheet, rows, day, *, target):
        drow = sheet.follow(rows, self.rng, target=target, who=2)
        with _Clock(_at(day, self.rng)):
            return services.district_scores_save(actor=self.actor, assessment=a, version=a.version, rows=drow)

    def accept(self, a, day):
        with _Clock(_at(day, self.rng, 14, 17)):
            return services.accept(actor=self.actor, assessment=a, comment="资料齐全，验收合格。")


def _score_target(rng, lo, hi):
    return Decimal(rng.randint(int(lo * 2), int(hi * 2))) / 2


def _open(actor, period, when):
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    period_open_run(job_id=job.pk)
    Period.objects.filter(pk=period.pk).update(created_at=when)
    Job.objects.filter(pk=job.pk).update(created_at=when, finished_at=when + days(minutes=2))
    return Assessment.objects.filter(period=period).select_related("branch").order_by("branch__path")


def _create_period(actor, rubric, year, name, deadlines):
    return period_create(
        actor=actor, name=name, year=year, stage=2, window_start=D(year, 1, 1), window_end=D(year, 12, 31),
        self_deadline=deadlines[0], committee_deadline=deadlines[1], district_deadline=deadlines[2],
        pass_line=Decimal("85"), notice_days=5, rubric=rubric,
    )  # fmt: skip


def _publication_start(today):
    """A start so that the 5-working-day notice ended two to five days ago."""
    start = today - days(8)
    while not (today - days(5) <= services.add_working_days(start, 5) <= today - days(2)):
        start -= days(1)
    return start


def seed_review(*, actor, rng, today, log=None) -> dict:
    """Both periods and the review path of last year's (see the module docstring); returns
    counts, with the number of last year's assessments in each state. ``log`` gets a summary."""
    log = log or (lambda msg: None)
    started = time.perf_counter()
    staff = demo_staff()
    rubric = RubricVersion.objects.filter(code="2016").first() or RubricVersion.objects.order_by("-created_at").first()
    sections = list(RubricSection.objects.filter(version=rubric).prefetch_related("items"))
    last, this = today.year - 1, today.year

    counts = {"periods": 2}
    # ---- last year's period, opened in December
    period = _create_period(actor, rubric, last, f"{last}年度党支部规范化建设考核",
                            (D(this, 1, 15), D(this, 1, 31), D(this, 2, 28)))  # fmt: skip
    opened_on = D(last, 12, rng.randint(1, 10))
    assessments = list(_open(actor, period, _at(opened_on, rng)))
    counts["vetoes_lifted"] = _lift_false_vacancies(staff, period, assessments, rng, opened_on)
    assessments = list(Assessment.objects.filter(period=period).select_related("branch").order_by("branch__path"))
    flow = _Flow(actor=actor, rng=rng, today=today, staff=staff, period=period, sections=sections)

    demo = next((a for a in assessments if a.branch.name == DEMO_BRANCH), None)
    no_fund_id = _no_fund_branch(period)
    vetoed = [a for a in assessments if a.has_veto and a is not demo]
    clean = [a for a in assessments if not a.has_veto and a is not demo and a.branch_id in staff.submitter]
    rng.shuffle(clean)
    plan = {}
    # The most telling states first, so that a small district still shows them all.
    order = ["confirmed", "draft", "returned", "not_passed", "published", "submitted", "recommended", "declared",
             "accepted", "confirmed", "committee_reviewed", "draft_partial", "submitted", "recommended", "declared",
             "published"]  # fmt: skip
    for a, state in zip(clean, order, strict=False):
        plan[a.pk] = state
    for a in clean[len(order) :]:
        plan[a.pk] = "confirmed"
    if demo is not None:
        plan[demo.pk] = "confirmed"
    for a in vetoed:
        if a.branch_id == no_fund_id:
            plan[a.pk] = "rectifying"
        elif a.branch_id not in staff.submitter or not a.branch.members.exists():
            plan[a.pk] = "draft"
        else:
            plan[a.pk] = "not_recommended"
    sheets = {}
    committee_rows = {}
    to_declare = []

    def sheet(a):
        if a.pk not in sheets:
            sheets[a.pk] = _Sheet(a, sections)
        return sheets[a.pk]

    # ---- branch and committee steps, branch by branch in path order
    for a in assessments:
        state = plan.get(a.pk, "draft")
        if state == "draft":
            continue
        sh = sheet(a)
        if state == "draft_partial":
            rows = sh.self_rows(rng, paper=True, target=_score_target(rng, 90, 96), partial=0.6)
            with _Clock(_at(flow.jan(8, 14), rng)):
                self_scores_save(actor=staff.submitter[a.branch_id], assessment=a, version=a.version, rows=rows)
            continue
        low = state in ("not_passed",)
        target = _score_target(rng, 88, 91) if low else _score_target(rng, 90, 97.5)
        submitted_on = flow.jan(4, 15)
        a, rows = flow.submit(a, sh, submitted_on, target=target)
        counts["submitted"] = counts.get("submitted", 0) + 1
        if state == "submitted":
            continue
        if state == "returned":
            items = {
                sh.scores[k].item.code: text
                for k in sh.scores
                for rule, text in RETURN_ITEMS.items()
                if sh.scores[k].item.rule == rule
            }
            with _Clock(_at(submitted_on + days(rng.randint(3, 6)), rng)):
                services.committee_return(
                    actor=flow.reviewer(a), assessment=a, comment="自评依据不足，请按逐项意见补充材料后重新报送。",
                    item_comments=dict(list(items.items())[:2]),
                )  # fmt: skip
            continue
        reviewed_on = submitted_on + days(rng.randint(3, 12))
        ctarget = min(sh.total({k: (Decimal(v), r) for k, (v, r) in rows.items()}), target) - HALF * rng.randint(0, 4)
        if low:
            ctarget = _score_target(rng, 86, 87.5)
        a, crow = flow.committee_scores(a, sh, rows, reviewed_on, target=ctarget)
        committee_rows[a.pk] = crow
        if state == "committee_reviewed":
            continue
        if state in ("not_recommended", "rectifying"):
            reasons = "；".join(v.detail for v in Veto.objects.filter(assessment=a, active=True))
            with _Clock(_at(reviewed_on, rng, 15, 18)):
                a = services.committee_decide(
                    actor=flow.reviewer(a), assessment=a, recommend=False,
                    comment=f"存在一票否决情形（{reasons or '见一票否决'}），本年度不予推荐。",
                )  # fmt: skip
            if state == "rectifying":
                start = D(this, 3, rng.randint(5, 20))
                with _Clock(_at(start, rng)):
                    r = services.rectification_start(
                        actor=flow.reviewer(a), assessment=a,
                        reason="未落实党建工作专项经费，一票否决，考核不合格，进入整顿。",
                        deadline=D(this, 12, 31),
                        tasks=["与公司协商落实党建工作专项经费，列入年度预算", "设立党建工作经费专账，规范收支管理",
                               "补齐经费收支台账和票据", "支部书记向党(工)委作整改情况专题汇报"],
                    )  # fmt: skip
                progress = [
                    ("已多次与公司负责人沟通，公司同意从明年起按营收比例列支党建经费，正在走审批流程。", None),
                    ("已向开户银行咨询设立专账事宜，待经费落实后开设。", None),
                    ("已补齐今年返还党费的收支记录。", D(this, 6, rng.randint(1, 28))),
                ]
                for task, (text, done) in zip(r.tasks.order_by("id"), progress, strict=False):
                    with _Clock(_at(D(this, 6, 30) + days(rng.randint(0, 120)), rng)):
                        services.rectification_task_update(
                            actor=staff.submitter[a.branch_id], task=task, progress=text, done_on=done
                        )
                counts["rectifications"] = 1
            continue
        a = flow.recommend(a, reviewed_on)
        if state == "recommended":
            continue
        to_declare.append(a)

    # ---- 申报: one declaration per committee
    by_committee = {}
    for a in to_declare:
        c = staff.committee_of.get(a.branch_id)
        by_committee.setdefault(c.pk, (c, []))[1].append(a)
    for _cid, (c, items) in sorted(by_committee.items(), key=lambda kv: kv[1][0].path):
        reviewer = staff.reviewer[c.pk]
        day = D(this, 1, rng.randint(26, 31))
        with _Clock(_at(day, rng, 15, 18)):
            services.declaration_submit(
                actor=reviewer, committee=c, period=period, assessments=items,
                note=f"经{c.name}审核，推荐以下{len(items)}个党支部申报{last}年度规范化建设合格党支部。",
            )  # fmt: skip
        counts["declarations"] = counts.get("declarations", 0) + 1

    # ---- district: scores, inspection, acceptance
    accepted_for_notice = []
    for a in to_declare:
        a = Assessment.objects.get(pk=a.pk)
        state = plan[a.pk]
        if state == "declared":
            continue
        sh = sheet(a)
        crow = committee_rows[a.pk]
        day = D(this, 2, rng.randint(10, 26))
        ctotal = sh.total({k: (Decimal(v), r) for k, (v, r) in crow.items()})
        a = flow.district_scores(a, sh, crow, day - days(2), target=ctotal - HALF * rng.randint(0, 2))
        if state == "not_passed" or (a.branch.name == DEMO_BRANCH):
            _inspect(flow, a, sh, day - days(1), lower=state == "not_passed")
            a.refresh_from_db()
        with _Clock(_at(day, rng, 14, 17)):
            a = services.accept(
                actor=actor, assessment=a,
                comment="资料齐全，验收合格。" if state != "not_passed" else "考核得分低于85分，验收不合格。",
            )  # fmt: skip
        if state in ("published", "confirmed") and a.status == S.ACCEPTED:
            accepted_for_notice.append(a)

    # ---- 公示 (ended a few days ago), one objection dismissed, confirmation
    if accepted_for_notice:
        start = _publication_start(today)
        with _Clock(_at(start - days(1), rng, 16, 18)):
            pub = services.publish(
                actor=actor, period=period, assessments=accepted_for_notice, starts_on=start,
                title=f"关于{last}年度党支部规范化建设拟确认合格党支部名单的公示",
                contact="区委组织部组织科，电话 0519-86312345，邮箱 zzk@wj.gov.cn（演示）",
            )  # fmt: skip
        counts["published"] = len(accepted_for_notice)
        entries = list(pub.entries.select_related("assessment__branch").order_by("id"))
        target = next((e for e in entries if plan[e.assessment_id] == "confirmed" and e.assessment != demo), None)
        if target is not None:
            lodged = _at(start + days(1), rng)
            o = Objection.objects.create(
                entry=target, name="", contact="139****2871", created_at=lodged,
                text=f"{target.assessment.branch.name}去年有几个月没有开支委会，台账是后来补的，请核实。",
            )  # fmt: skip
            with _Clock(lodged + days(2)):
                services.objection_handle(
                    actor=actor, objection=o, upheld=False,
                    note="经调阅纸质会议记录和签到表，并向党员核实，该支部按月召开支委会，反映情况不属实，不予采纳。",
                )  # fmt: skip
            Objection.objects.filter(pk=o.pk).update(handled_at=lodged + days(2))
            counts["objections"] = 1
        confirmed = 0
        for e in entries:
            if plan[e.assessment_id] != "confirmed":
                continue
            when = _at(min(today, pub.ends_on + days(rng.randint(1, 2))), rng)
            with _Clock(when):
                services.confirm(actor=actor, assessment=e.assessment, comment="公示期满无异议，确认为合格党支部。")
            confirmed += 1
        counts["confirmed"] = confirmed

    # ---- this year's period: everyone self-assessing, a few have started
    current = _create_period(actor, rubric, this, f"{this}年度党支部规范化建设考核",
                             (D(this + 1, 1, 10), D(this + 1, 1, 20), D(this + 1, 1, 31)))  # fmt: skip
    opened = list(_open(actor, current, _at(D(this, 1, rng.randint(5, 12)), rng)))
    self_assessing = [a for a in opened if a.branch_id in staff.submitter and a.branch.name != DEMO_BRANCH]
    for a in rng.sample(self_assessing, min(6, len(self_assessing))):
        sh = _Sheet(a, sections)
        rows = sh.self_rows(rng, paper=False, target=Decimal("100"), partial=rng.choice([0.3, 0.5, 0.8]))
        with _Clock(_at(today - days(rng.randint(1, 20)), rng)):
            self_scores_save(actor=staff.submitter[a.branch_id], assessment=a, version=a.version, rows=rows)
    counts["records_returned"] = _return_thin_records(staff, this)
    states = Assessment.objects.filter(period=period).values_list("status", flat=True)
    counts["states"] = {st: n for st in S.values if (n := sum(1 for x in states if x == st))}
    log(
        f"  考核：{period.name}（"
        + "、".join(f"{S(st).label} {n}" for st, n in counts["states"].items())
        + f"），{current.name}（全部自评中）：{time.perf_counter() - started:.2f} 秒"
    )
    return counts


THIN_REASON = "会议记录过于简单，请补充讨论的主要内容、形成的决议和参会人员发言情况。"


def _return_thin_records(staff, year) -> int:
    """This year's two thinnest records under each committee (at most three committees) are
    returned by its reviewer, so the demo shows 退回补充 on both sides. No random numbers:
    the rest of the demo stays the same for a seed."""
    from django.db.models.functions import Length

    from branches.errors import DomainError
    from ledgers.models import Activity
    from ledgers.record_returns import activity_return

    done, by_committee = 0, {}
    thin = (
        Activity.objects.filter(held_on__year=year, branch_id__in=list(staff.committee_of), returned=False)
        .annotate(n=Length("content"))
        .select_related("branch")
        .order_by("n", "-held_on", "id")[:200]
    )
    for a in thin:
        c = staff.committee_of.get(a.branch_id)
        reviewer = staff.reviewer.get(c.pk) if c is not None else None
        taken = by_committee.get(getattr(c, "pk", None), 0)
        if reviewer is None or taken >= 2 or (taken == 0 and len(by_committee) >= 3):
            continue
        try:
            activity_return(actor=reviewer, activity=a, reason=THIN_REASON)
        except DomainError:  # frozen by a submitted self-assessment
            continue
        by_committee[c.pk] = taken + 1
        done += 1
    return done


def _lift_false_vacancies(staff, period, assessments, rng, opened_on) -> int:
    """The committee lifts "书记缺职" vetoes of last year where a secretary was in office on the
    window's last day: the detection looks at the term in office today only, so a branch that
    elected a new committee this year looks vacant last year."""
    end = period.window_end
    in_office = set(
        CommitteeSeat.objects.filter(position=Position.SECRETARY, since__lte=end, term__elected_on__lte=end)
        .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gt=end))
        .filter(Q(holder__isnull=False) | Q(vacated_on__gt=end))
        .values_list("term__branch_id", flat=True)
    )
    elected_after = set(
        CommitteeTerm.objects.filter(ended_on__isnull=True, elected_on__gt=end).values_list("branch_id", flat=True)
    )
    lifted = 0
    for a in assessments:
        if a.branch_id not in in_office | elected_after:
            continue
        reviewer = staff.reviewer.get(getattr(staff.committee_of.get(a.branch_id), "pk", None))
        for v in Veto.objects.filter(assessment=a, active=True, kind__code="secretary_vacant").select_related(
            "assessment__branch"
        ):
            with _Clock(_at(opened_on + days(rng.randint(3, 12)), rng)):
                veto_lift(
                    actor=reviewer or staff.reviewer[next(iter(staff.reviewer))], veto=v,
                    reason=f"经核实，{end.year}年末书记在任（{end.year + 1}年完成换届，上届支委会资料以纸质档案为准），"
                    "系平台按现任届次检测所致，撤销。",
                )  # fmt: skip
            lifted += 1
    return lifted


def _no_fund_branch(period):
    from ledgers.models import FundingYear

    funded = set(
        FundingYear.objects.filter(year=period.year, has_special_fund=True).values_list("branch_id", flat=True)
    )
    rows = FundingYear.objects.filter(year=period.year, has_special_fund=False).values_list("branch_id", flat=True)
    return next((b for b in rows if b not in funded), None)


def _inspect(flow, a, sh, day, *, lower):
    """On-site inspection by the district; for the branch that fails, it lowers a few items."""
    rng = flow.rng
    room_items = [s.item for s in sh.scores.values() if s.item.rule in ("room", "room_facilities")]
    paper = [s.item for s in sh.scores.values() if s.item.rule in ("freq_group", "freq_committee", "life_ledger")]
    adjustments = {}
    findings = "实地查看活动阵地和纸质台账，阵地设施齐全，“三会一课”记录与平台一致。"
    if lower:
        findings = "实地查看：党小组会纸质记录多月缺失，活动室资料陈旧，与平台记录和自评情况不符。"
        current = {s.item_id: s.district_score for s in ItemScore.objects.filter(assessment=a)}
        target = Decimal(rng.randint(164, 168)) / 2  # 82–84
        others = [s.item for s in sh.scores.values() if s.item not in paper + room_items]
        for item in paper + room_items + others:
            total = sh.total({k: (v, "") for k, v in current.items() if v is not None})
            if total <= target:
                break
            old = current[item.pk] or Decimal("0")
            new = max(Decimal("0"), old - min(Decimal("2"), total - target))
            new = (new / HALF).to_integral_value(rounding=ROUND_FLOOR) * HALF
            if new == old:
                continue
            adjustments[item.pk] = (str(new), "实地考察发现纸质台账缺失、阵地布置不到位，与自评不符")
            current[item.pk] = new
    photo = SimpleUploadedFile(f"IMG_{day:%Y%m%d}_kc.jpg", picture(rng.getrandbits(64)), "image/jpeg")
    with _Clock(_at(day, rng)):
        inspection_record(
            actor=flow.actor, assessment=a, inspected_on=day, inspectors=f"区委组织部组织科 {_two_names(rng)}",
            items=room_items + paper, findings=findings, photos=[photo], adjustments=adjustments,
        )  # fmt: skip


def _two_names(rng):
    return f"{person_name(rng)}、{person_name(rng)}"


__all__ = ["seed_review"]
