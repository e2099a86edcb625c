"""The review demo's extra situations: thin records returned, a branch without a special
fund, on-site inspections."""

from datetime import timedelta
from decimal import ROUND_FLOOR, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from assessment.models import Assessment, ItemScore
from ledgers.demo.people import person_name, picture
from review.demo.flow import HALF, Clock, at_time
from review.inspections import inspection_record

THIN_REASON = "会议记录过于简单，请补充讨论的主要内容、形成的决议和参会人员发言情况。"


def return_thin_records(staff, year) -> int:
    """This year's two thinnest records under each committee (at most three committees) are
    returned by its reviewer, so the demo shows 退回补充 on both sides. No random numbers:
    the rest of the demo stays the same for a seed."""
    from django.db.models.functions import Length

    from ledgers.activities.returns import activity_return
    from ledgers.models import Activity
    from wujin_branch.errors import DomainError

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


def void_a_double_entry(staff, year) -> int:
    """The demo branch's latest record of the year entered a second time (as a double tap did
    before the one-time tokens), then voided by its secretary with the reason: the demo shows
    作废 in the list, on the record and in the 台账's appendix."""
    from branches.demo import DEMO_BRANCH
    from ledgers.activities import services, voids
    from ledgers.activities.services import ACTIVITY_FIELDS
    from ledgers.models import Activity

    original = (
        Activity.objects.filter(branch__name=DEMO_BRANCH, held_on__year=year, returned=False)
        .order_by("-held_on", "-id")
        .first()
    )
    actor = staff.submitter.get(original.branch_id) if original else None
    if actor is None:
        return 0
    data = {f: getattr(original, f) for f in ACTIVITY_FIELDS}
    twin = services.activity_create(actor=actor, branch=original.branch, data=data, attendance={})
    reason = f"重复录入：与{original.held_on.month}月{original.held_on.day}日的同一条记录重复，保留先录入的一条。"
    voids.activity_void(actor=actor, activity=twin, reason=reason)
    return 1


def no_fund_branch(period):
    from ledgers.models import FundingYear

    funded = set(
        FundingYear.objects.filter(year=period.year, has_special_fund=True).values_list("branch_id", flat=True)
    )
    rows = FundingYear.objects.filter(year=period.year, has_special_fund=False).values_list("branch_id", flat=True)
    return next((b for b in rows if b not in funded), None)


def inspect_on_site(flow, a, sh, day, *, lower):
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
    with Clock(at_time(day, rng)):
        inspection_record(
            actor=flow.actor, assessment=a, inspected_on=day, inspectors=f"区委组织部组织科 {two_names(rng)}",
            items=room_items + paper, findings=findings, photos=[photo], adjustments=adjustments,
        )  # fmt: skip


def two_names(rng):
    return f"{person_name(rng)}、{person_name(rng)}"




def nominate_model_branches(actor, staff, assessments, today) -> int:
    """示范支部: two committees each nominate one confirmed branch; the district commends the
    first (dated, with a document number) and leaves the second waiting for its decision."""
    from review.model_branches import model_branch_commend, model_branch_nominate

    picked, seen = [], set()
    confirmed = Assessment.objects.filter(pk__in=[a.pk for a in assessments], status="confirmed")
    for a in confirmed.select_related("branch").order_by("branch__path"):
        c = staff.committee_of.get(a.branch_id)
        if c is not None and c.pk not in seen and c.pk in staff.reviewer:
            picked.append((a.branch, staff.reviewer[c.pk]))
            seen.add(c.pk)
        if len(picked) == 2:
            break
    made = []
    for branch, reviewer in picked:
        made.append(model_branch_nominate(
            actor=reviewer, branch=branch, year=today.year,
            reason="党员管理严格，花名册、党费台账按月更新；三会一课和主题党日从不缺项，会议记录图文齐全；"
                   "党员在防汛抗台、环境整治中带头示范，群众认可度高。",
            evidence="见本年度组织生活台账、联系服务群众记录及照片。",
        ))  # fmt: skip
    if made:
        model_branch_commend(actor=actor, nomination=made[0], commended_on=today - timedelta(days=10),
                             document_number=f"武组发〔{today.year}〕36号", note="同意表彰。")  # fmt: skip
    return len(made)


def seed_stage_plans(actor, staff, period, today, rng) -> int:
    """Stage 1 on this year's period: the seed's milestones (实施方案 by the end of March, the
    clean-up by the end of the year), and the 实施方案 of the first committees — the demo
    reviewer's 湖塘镇党委 returned with a reason (to change and file again), one accepted,
    one waiting for the district. The other committees have not filed, so the dashboard's
    阶段进度 shows them overdue."""
    from datetime import date

    from assessment.milestones import MilestoneRow, milestones_save, stage_one_defaults
    from branches.demo.common import REVIEWER_COMMITTEE
    from ledgers.demo.people import demo_pdf
    from review.stage_plans import stage_plan_accept, stage_plan_return, stage_plan_submit

    rows = [MilestoneRow(r.measure, r.name, date(today.year, 3, 31) if r.measure == "plan" else r.due_on)
            for r in stage_one_defaults(period)]  # fmt: skip
    milestones_save(actor=actor, period=period, rows=rows)
    reviewers = {c: staff.reviewer[c.pk] for c in set(staff.committee_of.values()) if c and c.pk in staff.reviewer}
    committees = sorted(reviewers, key=lambda c: (c.name != REVIEWER_COMMITTEE, c.path))[:3]
    text = ("一、成立规范化建设工作领导小组，明确党委书记为第一责任人，组织委员具体负责；\n"
            "二、3月底前完成辖区党组织和党员底数排查，建立“空壳”党组织、“失联”党员和违法违纪党员三本清单；\n"
            "三、年底前完成“空壳”党组织清理撤销，对“失联”党员和违法违纪党员逐一核实、稳妥处置；\n"
            "四、每季度督查一次，推荐示范支部，树立规范化建设标杆。")  # fmt: skip
    plans = [
        stage_plan_submit(actor=reviewers[c], committee=c, period=period, text=text,
                          upload=demo_pdf(rng, f"{c.name}实施方案.pdf"))  # fmt: skip
        for c in committees
    ]
    if plans:
        stage_plan_return(actor=actor, plan=plans[0], reason="请补充“失联”党员处置的具体时间安排和责任人。")
    if len(plans) > 1:
        stage_plan_accept(actor=actor, plan=plans[1], note="职责明确，措施具体，同意实施。")
    return len(plans)
