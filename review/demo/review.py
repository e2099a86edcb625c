"""Demo data for the assessment and the review of the small demo district.

``seed_review(actor=…, rng=…, today=…)`` runs after ``ledgers.demo.support.seed_support``
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
  not recommended because of a one-vote veto (judged again on the day of each decision, so a
  书记 seat vacant now or a sanction in force now counts), and the branch without a special
  fund in rectification with its tasks;
- this year's, opened the same way, where every branch is still self-assessing (a few have
  started), so the demo secretary can self-assess and submit.

Self scores start from the suggestions (full points for items scored by hand) with small
deductions; last year's activity records start in December, so for the frequency items the
branch scores what its paper ledgers showed and says so. Committee and district scores
stay close to the self scores. Every step's time (events, notices, history rows) is moved
back to when it happened. All randomness comes from ``rng``.
"""

import time
from decimal import Decimal

from assessment.models import Assessment, RubricSection, RubricVersion, Veto
from assessment.models import AssessmentStatus as S
from assessment.services import self_scores_save
from branches.demo import DEMO_BRANCH
from ledgers.demo.people import demo_staff
from review import services
from review.demo.brands import brands_and_exchanges
from review.demo.extras import (
    inspect_on_site,
    no_fund_branch,
    nominate_model_branches,
    return_thin_records,
    seed_stage_plans,
    void_a_double_entry,
)
from review.demo.flow import (
    HALF,
    RETURN_ITEMS,
    Clock,
    D,
    DemoSheet,
    Flow,
    at_time,
    create_period,
    days,
    open_period,
    publication_start,
    score_target,
)
from review.demo.results import put_results_to_use
from review.models import Objection


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
    period = create_period(actor, rubric, last, f"{last}年度党支部规范化建设考核",
                            (D(this, 1, 15), D(this, 1, 31), D(this, 2, 28)))  # fmt: skip
    opened_on = D(last, 12, rng.randint(1, 10))
    open_period(actor, period, at_time(opened_on, rng))
    assessments = list(Assessment.objects.filter(period=period).select_related("branch").order_by("branch__path"))
    flow = Flow(actor=actor, rng=rng, today=today, staff=staff, period=period, sections=sections)

    demo = next((a for a in assessments if a.branch.name == DEMO_BRANCH), None)
    no_fund_id = no_fund_branch(period)
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
            sheets[a.pk] = DemoSheet(a, sections)
        return sheets[a.pk]

    # ---- branch and committee steps, branch by branch in path order
    for a in assessments:
        state = plan.get(a.pk, "draft")
        if state == "draft":
            continue
        sh = sheet(a)
        if state == "draft_partial":
            rows = sh.self_rows(rng, paper=True, target=score_target(rng, 90, 96), partial=0.6)
            with Clock(at_time(flow.jan(8, 14), rng)):
                self_scores_save(actor=staff.submitter[a.branch_id], assessment=a, version=a.version, rows=rows)
            continue
        low = state in ("not_passed",)
        target = score_target(rng, 88, 91) if low else score_target(rng, 90, 97.5)
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
            with Clock(at_time(submitted_on + days(rng.randint(3, 6)), rng)):
                services.committee_return(
                    actor=flow.reviewer(a), assessment=a, comment="自评依据不足，请按逐项意见补充材料后重新报送。",
                    item_comments=dict(list(items.items())[:2]),
                )  # fmt: skip
            continue
        reviewed_on = submitted_on + days(rng.randint(3, 12))
        ctarget = min(sh.total({k: (Decimal(v), r) for k, (v, r) in rows.items()}), target) - HALF * rng.randint(0, 4)
        if low:
            ctarget = score_target(rng, 86, 87.5)
        a, crow = flow.committee_scores(a, sh, rows, reviewed_on, target=ctarget)
        committee_rows[a.pk] = crow
        if state == "committee_reviewed":
            continue
        if state in ("not_recommended", "rectifying"):
            reasons = "；".join(v.detail for v in Veto.objects.filter(assessment=a, active=True))
            with Clock(at_time(reviewed_on, rng, 15, 18)):
                a = services.committee_decide(
                    actor=flow.reviewer(a), assessment=a, recommend=False,
                    comment=f"存在一票否决情形（{reasons or '见一票否决'}），本年度不予推荐。",
                )  # fmt: skip
            if state == "rectifying":
                start = D(this, 3, rng.randint(5, 20))
                with Clock(at_time(start, rng)):
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
                    with Clock(at_time(D(this, 6, 30) + days(rng.randint(0, 120)), rng)):
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
        with Clock(at_time(day, rng, 15, 18)):
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
            inspect_on_site(flow, a, sh, day - days(1), lower=state == "not_passed")
            a.refresh_from_db()
        with Clock(at_time(day, rng, 14, 17)):
            a = services.accept(
                actor=actor, assessment=a,
                comment="资料齐全，验收通过。" if state != "not_passed" else "考核得分低于85分，验收不合格。",
            )  # fmt: skip
        if state in ("published", "confirmed") and a.status == S.ACCEPTED:
            accepted_for_notice.append(a)

    # ---- 公示 (ended a few days ago), one objection dismissed, confirmation
    if accepted_for_notice:
        start = publication_start(today)
        with Clock(at_time(start - days(1), rng, 16, 18)):
            pub = services.publish(
                actor=actor, period=period, assessments=accepted_for_notice, starts_on=start,
                title=f"关于{last}年度党支部规范化建设拟确认合格党支部名单的公示",
                contact="区委组织部组织科，电话 0519-86312345，邮箱 zzk@wj.gov.cn（演示）",
            )  # fmt: skip
        counts["published"] = len(accepted_for_notice)
        entries = list(pub.entries.select_related("assessment__branch").order_by("id"))
        target = next((e for e in entries if plan[e.assessment_id] == "confirmed" and e.assessment != demo), None)
        if target is not None:
            lodged = at_time(start + days(1), rng)
            o = Objection.objects.create(
                entry=target, name="", contact="139****2871", created_at=lodged,
                text=f"{target.assessment.branch.name}去年有几个月没有开支委会，台账是后来补的，请核实。",
            )  # fmt: skip
            with Clock(lodged + days(2)):
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
            when = at_time(min(today, pub.ends_on + days(rng.randint(1, 2))), rng)
            with Clock(when):
                services.confirm(actor=actor, assessment=e.assessment, comment="公示期满无异议，确认为合格党支部。")
            confirmed += 1
        counts["confirmed"] = confirmed

    # ---- this year's period: everyone self-assessing, a few have started
    current = create_period(actor, rubric, this, f"{this}年度党支部规范化建设考核",
                             (D(this + 1, 1, 10), D(this + 1, 1, 20), D(this + 1, 1, 31)))  # fmt: skip
    opened = list(open_period(actor, current, at_time(D(this, 1, rng.randint(5, 12)), rng)))
    self_assessing = [a for a in opened if a.branch_id in staff.submitter and a.branch.name != DEMO_BRANCH]
    for a in rng.sample(self_assessing, min(6, len(self_assessing))):
        sh = DemoSheet(a, sections)
        rows = sh.self_rows(rng, paper=False, target=Decimal("100"), partial=rng.choice([0.3, 0.5, 0.8]))
        with Clock(at_time(today - days(rng.randint(1, 20)), rng)):
            self_scores_save(actor=staff.submitter[a.branch_id], assessment=a, version=a.version, rows=rows)
    counts["records_returned"] = return_thin_records(staff, this)
    counts["records_voided"] = void_a_double_entry(staff, this)
    counts["model_branches"] = nominate_model_branches(actor, staff, assessments, today)
    counts["stage_plans"] = seed_stage_plans(actor, staff, current, today, rng)
    demo_now = Assessment.objects.filter(pk=demo.pk).select_related("branch").first() if demo else None
    counts.update(put_results_to_use(actor=actor, rng=rng, today=today, period=period, demo_assessment=demo_now,
                                     log=log))  # fmt: skip
    counts.update(brands_and_exchanges(actor, staff, today, rng))
    states = Assessment.objects.filter(period=period).values_list("status", flat=True)
    counts["states"] = {st: n for st in S.values if (n := sum(1 for x in states if x == st))}
    log(
        f"  考核：{period.name}（"
        + "、".join(f"{S(st).label} {n}" for st, n in counts["states"].items())
        + f"），{current.name}（全部自评中）：{time.perf_counter() - started:.2f} 秒"
    )
    return counts


