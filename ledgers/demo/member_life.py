"""Demo 民主评议党员, plans, study plans and 联系服务群众."""


from django.utils import timezone

from branches.demo import REVIEWER_COMMITTEE
from ledgers.appraisal import selectors as appraisal_selectors
from ledgers.appraisal import services as appraisal
from ledgers.demo.common import D, days
from ledgers.demo.people import World, aware, backdate
from ledgers.models import Appraisal, Escalation, EscalationStatus, Plan, PlanKind, ServiceKind
from ledgers.plans import notes
from ledgers.plans import services as plans
from ledgers.service import services as service

# ---------------------------------------------------------------- 民主评议党员

MUTUAL = [
    "党员之间开展互评，肯定了大家在疫情防控、志愿服务和岗位工作中的表现，也坦诚指出了学习不够系统、"
    "参加组织生活不够积极等问题。",
    "采取“一对一”谈心和集中互评相结合，每名党员听取其他党员的意见建议，共提出批评意见{n}条。",
]


def seed_appraisals(w: World):
    rng, year = w.rng, w.last
    for b in w.branches:
        meeting = appraisal.appraisal_meetings(b.org, year).first()
        held_on = meeting.held_on if meeting else w.day(D(year, 12, 10), D(year + 1, 1, 20))
        a = appraisal.appraisal_create(
            actor=b.user, branch=b.org, year=year, held_on=held_on, meeting=meeting,
            self_notes="全体党员对照党员标准，从理想信念、政治纪律、作用发挥、遵守规定等方面撰写自评材料。",
            mutual_notes=rng.choice(MUTUAL).format(n=rng.randint(12, 60)),
            synthesis="支部委员会汇总测评票、听取群众意见，综合分析后提出每名党员的评定等次建议，经支部大会审议确定。",
        )  # fmt: skip
        ballots = appraisal.appraisal_ballots(a)
        rows = {}
        excellent = 0
        cap = max(1, round(ballots * 0.15))
        members = list(appraisal_selectors.appraisal_members(a))
        weak = rng.choice(members) if rng.random() < 0.25 and not b.demo else None
        for m in members:
            if m is weak or m.is_lost:
                poor = -(-ballots // 3)
                if m is weak and not w.counts["unqualified"] and ballots >= 3:
                    poor = ballots // 2 + 1  # more than half 差: one 不合格 member, followed up (life_filing)
                    w.counts["unqualified"] += 1
                avg = rng.randint(0, max(0, ballots - poor))
                rows[m.pk] = appraisal.TallyInput(good=ballots - poor - avg, average=avg, poor=poor)
                continue
            if rng.random() < 0.12:  # nearly everyone says 好
                avg = 0
            else:
                least = -(-ballots // 9)  # more than a tenth 一般: not 优秀 by the ballot
                avg = rng.randint(least, max(least, ballots // 3))
            good = ballots - avg
            grade, reasoning = "", ""
            suggested = appraisal.suggest_grade(good=good, average=avg, poor=0, ballots=ballots)
            if suggested == "excellent":
                excellent += 1
                if excellent > cap:
                    grade = "qualified"
                    reasoning = "按优秀等次不超过参评党员15%的比例，经支部委员会研究评定为合格。"
            rows[m.pk] = appraisal.TallyInput(good=good, average=avg, poor=0, grade=grade, reasoning=reasoning)
        a = Appraisal.objects.get(pk=a.pk)
        appraisal.appraisal_results_save(actor=b.user, appraisal=a, version=a.version, rows=rows)
        posted = min(w.today, a.held_on + days(rng.randint(2, 10)))
        appraisal.appraisal_publish(actor=b.user, appraisal=a, posted_on=posted)
        w.counts["appraisals"] += 1
        w.counts["appraisal_results"] += len(rows)


# ---------------------------------------------------------------- plans, study, service

PLAN_TEXTS = {
    PlanKind.WORK: "{year}年{name}工作计划：一、加强政治建设，落实“第一议题”制度；二、严格落实“三会一课”、主题党日、"
    "组织生活会和民主评议党员制度；三、做好发展党员和党员教育管理；四、按月收缴党费，规范党建工作经费使用；"
    "五、深化{service}，为群众办实事{n}件以上；六、加强阵地建设和党务公开。",
    PlanKind.EDUCATION: "{year}年学习教育计划：每月主题党日集中学习一次，学习党章党规、习近平新时代中国特色社会主义思想"
    "和上级会议精神；每季度党课一次；组织党员参加区委党校轮训和线上学习，每名党员制定个人学习计划、记好学习笔记。",
    PlanKind.LECTURE: "{year}年党课计划：第一季度书记讲党课“{t1}”；第二季度邀请上级党委领导讲党课；"
    "第三季度到红色教育基地开展现场教学；第四季度由党员代表讲微党课。",
    PlanKind.SERVICE: "{year}年联系服务群众计划：以“{service}”为载体，年初确定目标，每月开展一次以上服务活动，"
    "建立群众诉求台账，支部解决不了的及时上报，年终开展考核。",
    PlanKind.ACTIVIST: "{year}年入党积极分子培养计划：为每名入党积极分子指定两名培养联系人，每季度谈心谈话一次，"
    "每半年考察一次；组织参加集中培训和志愿服务，做好培养教育考察记录。",
}
LECTURE_TOPICS = [
    "坚定理想信念 筑牢信仰之基",
    "学党章 守党规 做合格党员",
    "弘扬伟大建党精神",
    "践行全心全意为人民服务宗旨",
]
SERVICE_BY_PROFILE = {
    "village": [(ServiceKind.VISITS, "党员联系农户“网格走访”"), (ServiceKind.RESPONSIBILITY, "党员责任区包片联户")],
    "community": [
        (ServiceKind.VOLUNTEER, "“红色物业”党员志愿服务"),
        (ServiceKind.SERVICE_CENTER, "党群服务站便民服务"),
    ],
    "organ": [(ServiceKind.PLEDGE, "机关党员进社区“双报到”"), (ServiceKind.MODEL_POST, "党员先锋岗")],
    "institution": [(ServiceKind.MODEL_POST, "党员示范岗"), (ServiceKind.VOLUNTEER, "党员志愿服务队")],
    "enterprise": [(ServiceKind.MODEL_POST, "党员先锋岗"), (ServiceKind.PLEDGE, "党员承诺践诺")],
    "social": [(ServiceKind.VOLUNTEER, "党员志愿服务"), (ServiceKind.HOTLINE, "会员服务热线")],
    "retired": [(ServiceKind.VOLUNTEER, "银发先锋志愿服务"), (ServiceKind.VISITS, "老党员结对帮扶")],
}
ESCALATIONS = [  # (title, details, branch profiles it fits)
    ("村道路灯损坏多处，群众夜间出行不便", "村内主干道约800米路段路灯损坏，涉及两个村民小组，维修需镇里统一安排资金。",
     ("village",)),
    ("老旧小区加装电梯意见不一", "小区3幢居民申请加装电梯，低层住户有顾虑，协调多次未果，请街道协调指导。",
     ("community",)),
    ("农田灌溉渠道淤塞", "南片农田灌溉渠道淤塞严重，影响夏季灌溉，需水利站统一清淤。", ("village",)),
    ("企业周边道路货车违停", "园区道路货车长期违停，影响职工上下班安全，请协调交警部门整治。", ("enterprise",)),
    ("独居老人助餐需求", "辖区80岁以上独居老人23人有助餐需求，现有助餐点距离较远，请上级统筹设置助餐点。",
     ("community", "retired")),
    ("河道水质变差有异味", "村东河道近期水质变差、有异味，疑似上游排污，请环保部门检查。", ("village", "community")),
    ("流动人口子女入学咨询集中", "外来务工人员子女入学政策咨询较多，支部无法答复具体政策，请上级安排政策宣讲。",
     ("enterprise", "social")),
    ("结对社区停车难问题突出", "党员“双报到”结对社区停车位严重不足，居民反映强烈，需街道统筹规划。",
     ("organ", "institution")),
]  # fmt: skip
REPLIES = [
    "已转镇城管办，列入本月维修计划，请支部做好群众解释工作。",
    "已协调相关部门现场查看，近期组织整治，请支部跟踪反馈群众意见。",
    "已纳入年度民生实事项目，资金已落实，预计下月完成。",
]


NOTE_TEXTS = [
    "学习党章第{n}章，体会：党员要把党的纪律和规矩挺在前面，在工作中发挥先锋模范作用。",
    "学习《中国共产党支部工作条例（试行）》，重点学习党支部的组织生活制度，结合本职工作谈认识。",
    "参加支部党课后整理笔记：坚定理想信念是党员的首要任务，要在学思践悟中筑牢信仰之基。",
    "学习党史中“{n}”一节的内容，记录三点体会，下次党小组会上交流发言。",
]


def _study_notes(b, year, rows, today) -> int:
    """The demo branch's notes: one to three a year for members who said they keep notes (no
    random numbers drawn, so the rest of the demo stays the same for a seed)."""
    members = {m.pk: m for m in b.members}
    made = 0
    for i, (member_id, (_, keeps)) in enumerate(sorted(rows.items())):
        if not keeps:
            continue
        for k in range(1 + i % 3):
            day = D(year, 2 + 3 * k + i % 3, 5 + i % 20)
            if day > today:
                break
            text = NOTE_TEXTS[(i + k) % len(NOTE_TEXTS)].format(n=1 + (i + k) % 11)
            notes.study_note_add(actor=b.user, member=members[member_id], noted_on=day, text=text)
            made += 1
    return made


def seed_plans_and_study(w: World):
    rng = w.rng
    for b in w.branches:
        svc = SERVICE_BY_PROFILE[b.profile][0][1]
        for year in (w.last, w.this):
            kinds = list(PlanKind.values)
            if not b.demo and rng.random() < 0.3:
                kinds.remove(rng.choice([PlanKind.LECTURE, PlanKind.ACTIVIST, PlanKind.SERVICE]))
            for kind in kinds:
                text = PLAN_TEXTS[kind].format(year=year, name=b.org.name, service=svc, n=rng.randint(6, 20),
                                               t1=rng.choice(LECTURE_TOPICS))  # fmt: skip
                plans.plan_save(actor=b.user, branch=b.org, year=year, kind=kind, text=text)
                w.counts["plans"] += 1
            share = 1.0 if b.demo else rng.choice([1.0, 0.97, 0.95, 0.9, 0.8])
            notes = rng.uniform(0.55, 0.95)
            roster = [m for m in b.members if m.joined_on <= D(year, 12, 31)]
            rows = {m.pk: (True, rng.random() < notes) for m in roster if rng.random() < share}
            if b.demo and roster and year == w.this:  # one member's plan is still missing this year
                rows.pop(roster[-1].pk, None)
            if rows:
                plans.study_plans_save(actor=b.user, branch=b.org, year=year, rows=rows)
                w.counts["study_plans"] += len(rows)
            if b.demo:
                w.counts["study_notes"] = w.counts.get("study_notes", 0) + _study_notes(b, year, rows, w.today)
    now = timezone.now()
    created = {
        pk: min(now, aware(D(year, 1, 1) + days(rng.randint(5, 60)), rng=rng))
        for pk, year in Plan.objects.order_by("id").values_list("id", "year")
    }
    backdate(Plan, list(created), "created_at", created)


def seed_service(w: World):
    rng = w.rng
    for b in w.branches:
        kind, name = rng.choice(SERVICE_BY_PROFILE[b.profile]) if not b.demo else SERVICE_BY_PROFILE[b.profile][0]
        for year in (w.last, w.this):
            n = rng.randint(8, 20)
            s = service.service_system_save(
                actor=b.user, branch=b.org, year=year, kind=kind, name=name,
                goal=f"{year}年：每名党员联系群众{rng.randint(3, 10)}户以上，每月开展服务活动不少于一次，"
                f"全年为群众办实事{n}件，群众满意率达到95%以上。",
            )  # fmt: skip
            if year == w.last:
                service.service_review_save(
                    actor=b.user, system=s, reviewed_on=D(year, 12, rng.randint(10, 30)),
                    year_end_review=f"全年开展服务活动{rng.randint(12, 30)}次，为群众办实事{n + rng.randint(0, 5)}件，"
                    f"收集意见建议{rng.randint(10, 40)}条、办结率{rng.randint(90, 100)}%；年终群众测评满意率"
                    f"{rng.randint(95, 99)}%。不足：服务项目还不够精准，明年将加强需求调查。",
                )  # fmt: skip
            w.counts["service_systems"] += 1
    # Problems passed upwards: the committee answered some, some are still open (one of them
    # in 湖塘镇, for the demo reviewer to answer).
    used, replied, kept_open = set(), {}, False
    for title, text, profiles in ESCALATIONS:
        fits = [b for b in w.branches if b.profile in profiles and b.org.pk not in used]
        if w.demo in fits:
            b = w.demo
        elif fits:
            b = rng.choice(fits)
        else:
            continue
        used.add(b.org.pk)
        raised = w.day(D(w.this, 1, 10), w.today - days(3))
        e = service.escalation_raise(actor=b.user, branch=b.org, title=title, description=text,
                                             raised_on=raised)  # fmt: skip
        w.counts["escalations"] += 1
        hutang = b.committee is not None and b.committee.name == REVIEWER_COMMITTEE
        if hutang and not b.demo and not kept_open:
            kept_open = True
            continue
        if b.reviewer is not None and (hutang or rng.random() < 0.4) and raised < w.today - days(10):
            status = rng.choice([EscalationStatus.REPLIED, EscalationStatus.RESOLVED])
            service.escalation_reply(actor=b.reviewer, escalation=e, reply=rng.choice(REPLIES), status=status)
            replied[e.pk] = min(w.today, raised + days(rng.randint(3, 12)))
    for pk, day in replied.items():
        Escalation.objects.filter(pk=pk).update(replied_on=day)
        Escalation.history.filter(id=pk, history_type="~").update(history_date=aware(day, 15))


