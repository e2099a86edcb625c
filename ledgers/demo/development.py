"""Demo 发展党员: applicants at every stage, steps within the time rules, a few deliberate breaks."""

import random

from django.utils import timezone

from branches.demo import Weighted, id_number
from branches.models import (
    Education,
    Gender,
    Member,
    MemberStatus,
    Occupation,
)
from branches.services import member_update
from ledgers import (
    development,
)
from ledgers.demo.common import D, days
from ledgers.demo.people import DemoBranch, World, aware, backdate, demo_pdf, person_name
from ledgers.models import Applicant, DevStep

# ---------------------------------------------------------------- 发展党员

# date of each step: (step it follows, least days after it, most days after it)
STEP_AFTER = {
    2: (1, 7, 25), 3: (1, 60, 200), 4: (3, 3, 15), 5: (3, 0, 10), 6: (3, 170, 200), 7: (3, 380, 470),
    8: (7, 3, 15), 9: (7, 0, 10), 10: (7, 15, 60), 11: (7, 20, 90), 12: (11, 10, 30), 13: (12, 5, 15),
    14: (13, 3, 10), 15: (14, 5, 15), 16: (15, 5, 20), 17: (15, 25, 80), 18: (17, 5, 15), 19: (17, 0, 7),
    20: (17, 7, 40), 21: (17, 90, 200), 22: (17, 335, 358), 23: (17, 366, 400), 24: (23, 15, 60),
    25: (24, 5, 30),
}  # fmt: skip
MATERIALS = {15: "支部大会讨论接收预备党员会议记录", 17: "上级党委审批意见", 23: "支部大会讨论转正会议记录",
             24: "上级党委审批转正意见"}  # fmt: skip
STEP_NOTES = {
    2: "了解入党动机和对党的认识，鼓励其加强学习，自觉接受组织培养。",
    4: "已将入党积极分子名单报上级党委备案。",
    6: "半年考察：思想上积极要求进步，工作中起带头作用，能按时参加组织活动。",
    8: "发展对象名单已报上级党委备案。",
    12: "支部委员会对发展对象的条件、培养教育情况进行审查，同意提交支部大会讨论。",
    13: "上级党委预审合格，发放《入党志愿书》。",
    14: "在入党介绍人指导下如实填写入党志愿书。",
    18: "已报再上级党委组织部门备案。",
    19: "编入党支部和党小组，参加组织生活。",
    20: "在党旗下进行入党宣誓。",
    21: "预备期内继续教育考察，每季度听取思想汇报。",
    22: "本人在预备期满前提交书面转正申请。",
    25: "入党材料整理归档，转入党员档案。",
}
# A path that breaks a rule on purpose → (the exception reason the branch gives, the step it is on).
EXCEPTIONS = {
    "late_talk": ("收到申请书时申请人在外地务工，返乡后支部即派人谈话，此前已电话沟通。", 2),
    "short_training": ("发展对象在防汛一线值守，集中培训2天，其余课时通过线上学习补足，有学习记录。", 11),
    "late_approval": ("上级党委换届期间集中审批，审批时间超过三个月，已说明情况。", 17),
    "order": ("入党积极分子备案回执延后送达，先行确定发展对象，次日即补报备案。", 7),
}
EXAM_NOTES = ["思想上积极要求进步，认真学习党的理论，工作中发挥骨干作用，群众评价较好。",
              "参加支部组织的学习和志愿服务，表现积极；对党的认识还需进一步加深。"]  # fmt: skip
STOP_REASONS = ["本人因工作调动离开本地，经支部研究终止培养，材料转交新单位党组织。",
                "培养考察期间表现不符合条件，经支部委员会研究终止培养。"]  # fmt: skip
TRAINING_UNITS = ["区委党校第{n}期发展对象培训班", "{c}发展对象集中培训班", "区委党校网络学院发展对象专题培训"]
OCC_BY_PROFILE = {
    "village": (Occupation.FARMER, Occupation.WORKER, Occupation.OTHER),
    "community": (Occupation.OTHER, Occupation.WORKER, Occupation.PROFESSIONAL),
    "organ": (Occupation.PUBLIC_SERVANT,),
    "institution": (Occupation.PROFESSIONAL, Occupation.PUBLIC_SERVANT),
    "enterprise": (Occupation.WORKER, Occupation.PROFESSIONAL, Occupation.MANAGER),
    "social": (Occupation.OTHER, Occupation.MANAGER),
    "retired": (Occupation.OTHER,),
}
EDU_BY_PROFILE = {
    "village": (Education.HIGH_SCHOOL, Education.COLLEGE, Education.SECONDARY, Education.BACHELOR),
    "community": (Education.COLLEGE, Education.BACHELOR, Education.HIGH_SCHOOL),
    "organ": (Education.BACHELOR, Education.POSTGRADUATE),
    "institution": (Education.BACHELOR, Education.POSTGRADUATE, Education.COLLEGE),
    "enterprise": (Education.COLLEGE, Education.BACHELOR, Education.SECONDARY, Education.HIGH_SCHOOL),
    "social": (Education.COLLEGE, Education.BACHELOR),
    "retired": (Education.COLLEGE, Education.BACHELOR),
}


def _schedule(rng, flags=()):
    """Step dates relative to the application (day 0), each on or after the previous one."""
    rel = {1: 0}
    for code in range(2, 26):
        ref, lo, hi = STEP_AFTER[code]
        if code == 2 and "late_talk" in flags:
            lo, hi = 38, 50
        if code == 17 and "late_approval" in flags:
            lo, hi = 96, 120
        off = rel[ref] + rng.randint(lo, hi)
        if code == 12:
            off = max(off, rel[10] + 5)
        rel[code] = max(rel[code - 1], off)
    return rel


class DevSeeder:
    def __init__(self, w: World):
        self.w = w
        self.ids = set(Member.objects.values_list("id_number", flat=True)) | set(
            Applicant.objects.values_list("id_number", flat=True)
        )

    def _id(self, birth, female):
        rng = self.w.rng
        while True:
            seq = rng.randrange(1, 999)
            if seq % 2 != (0 if female else 1):
                seq ^= 1
            n = id_number(rng.choice(["320412", "320483", "320421"]), birth, seq or 2)
            if n not in self.ids:
                self.ids.add(n)
                return n

    def scenario(self, kind):
        """(anchor step, anchor date, last step kept) for a kind of path."""
        w, t = self.w, self.w.today
        if kind == "applicant":
            return 1, w.day(t - days(100), t - days(6)), 2
        if kind == "activist":
            return 3, w.day(t - days(330), t - days(40)), 6
        if kind == "activist_overdue":  # no examination since step 6: the half-yearly one is overdue
            return 3, w.day(t - days(600), t - days(400)), 6
        if kind == "candidate":
            return 7, w.day(t - days(260), t - days(40)), 16
        if kind == "stopped":
            return 3, w.day(t - days(700), t - days(420)), 6
        if kind == "prob_this":  # approved as 预备党员 this year
            return 17, w.day(D(w.this, 3, 1), min(D(w.this, 9, 30), t - days(50))), 25
        if kind == "prob_last":
            return 17, w.day(D(w.last, 5, 1), D(w.last, 11, 30)), 25
        if kind == "full_this":  # made 正式党员 this year
            return 24, w.day(D(w.this, 3, 1), min(D(w.this, 10, 31), t - days(20))), 25
        if kind == "full_last":
            return 24, w.day(D(w.last, 3, 1), D(w.last, 12, 20)), 25
        raise ValueError(kind)

    def person(self, b: DemoBranch, kind, flags=()):
        w, rng = self.w, self.w.rng
        anchor, anchor_day, last = self.scenario(kind)
        rel = _schedule(rng, flags)
        start = anchor_day - days(rel[anchor])
        dates = {c: start + days(r) for c, r in rel.items() if c <= last and start + days(r) <= w.today}
        female = rng.random() < 0.42
        age = rng.randint(19, 34) if b.profile != "village" else rng.randint(22, 40)
        birth = start - days(int(age * 365.25) + rng.randint(0, 300))
        occupation = rng.choice(OCC_BY_PROFILE[b.profile])
        a = development.applicant_create(
            actor=b.user, branch=b.org, applied_on=dates[1], note="本人递交入党申请书。",
            name=person_name(rng, female), gender=Gender.FEMALE if female else Gender.MALE, birth_date=birth,
            education=rng.choice(EDU_BY_PROFILE[b.profile]), occupation=occupation,
            id_number=self._id(birth, female), phone=f"1{rng.choice('3589')}{rng.randrange(10 ** 9):09d}",
        )  # fmt: skip
        full = [m for m in b.members if m.status == MemberStatus.FULL]
        codes = sorted(c for c in dates if c != 1)
        if "order" in flags and 4 in codes and 7 in codes:
            codes.remove(4)
            codes.insert(codes.index(7) + 1, 4)
        recorded = {1: dates[1]}
        for code in codes:
            kw = {"note": STEP_NOTES.get(code, "")}
            kw["exception_reason"] = next((EXCEPTIONS[f][0] for f in flags if EXCEPTIONS[f][1] == code), "")
            if code in (2, 5, 9, 16, 10):
                picks = rng.sample(full, min(2, len(full))) if full else []
                names = [m.name for m in picks] or [person_name(rng)]
                kw["people"] = {
                    2: names[0],
                    5: "、".join(names),
                    9: "、".join(names) if len(names) > 1 else f"{names[0]}、{person_name(rng)}",
                    10: f"{names[0]}、{person_name(rng)}",
                    16: f"{b.committee.name if b.committee else '上级党委'}组织委员{person_name(rng)}",
                }[code]
            if code == 11:
                short = "short_training" in flags
                kw["training_days"], kw["training_hours"] = (2, 16) if short else (3, rng.choice([24, 24, 28, 32]))
                kw["people"] = rng.choice(TRAINING_UNITS).format(
                    n=rng.randint(3, 12), c=b.committee.name if b.committee else "上级党委"
                )
            if code in (15, 23):
                e = max(1, development.full_members_on(b.org, dates[code]))
                p = min(e, max(e // 2 + 1, round(e * rng.uniform(0.75, 0.95))))
                yes = max(e // 2 + 1, p - rng.randint(0, 1)) if p > e // 2 + 1 else p
                kw["votes"] = {"vote_expected": e, "vote_present": p, "ballots_issued": p, "ballots_returned": p,
                               "votes_for": min(yes, p)}  # fmt: skip
            if code in MATERIALS and (rng.random() < 0.85 or code == 15):
                kw["material"] = demo_pdf(rng, f"{MATERIALS[code]}.pdf")
            if code == 10:
                kw["note"] = "函调本人及直系亲属政治情况，结论：政治审查合格。"
            if code == 3:
                kw["note"] = "经党员推荐、支部委员会研究，确定为入党积极分子。"
            if code == 7:
                kw["note"] = "听取党小组、培养联系人、党员和群众意见，经支部委员会讨论确定为发展对象。"
            if code == 17:
                kw["note"] = "上级党委审批同意接收为中共预备党员，预备期一年。"
            if code == 24:
                kw["note"] = "上级党委审批同意按期转为中共正式党员。"
            step = development.step_record(actor=b.user, applicant=a, code=code, done_on=dates[code], **kw)
            recorded[code] = step.done_on
            self.w.counts["dev_steps"] += 1
            if step.rule_breaks:
                self.w.counts["dev_breaks"] += 1
            if code == 19 and b.groups:
                a.refresh_from_db()
                member_update(actor=b.user, member=a.member, version=None, party_group=rng.choice(b.groups))
        if kind == "activist":
            self._examinations(b, a, recorded.get(6, recorded[3]))
        if kind == "stopped":
            stop_on = min(w.today, max(recorded.values()) + days(rng.randint(60, 160)))
            development.applicant_stop(actor=b.user, applicant=a, stopped_on=stop_on, reason=rng.choice(STOP_REASONS))
        self.w.counts["applicants"] += 1
        return a

    def _examinations(self, b: DemoBranch, a, since):
        """Half-yearly 考察 of an activist every five to six months after step 6 (the first one), on a
        random stream of its own so the rest of the demo data stays as it was."""
        rng = random.Random(f"exam:{a.id_number}")
        day = since + days(rng.randint(150, 178))
        while day <= self.w.today:
            development.examination_record(actor=b.user, applicant=a, examined_on=day, examined_by="培养联系人",
                                           content=rng.choice(EXAM_NOTES))  # fmt: skip
            day += days(rng.randint(150, 178))

    def run(self):
        w, rng = self.w, self.w.rng
        plan = []  # (branch, kind, flags)
        if w.demo:
            for kind, flags in [("applicant", ()), ("applicant", ()), ("activist", ("late_talk",)),
                                ("activist_overdue", ()), ("candidate", ()), ("prob_this", ()), ("full_this", ()),
                                ("full_last", ()), ("stopped", ())]:  # fmt: skip
                plan.append((w.demo, kind, flags))
        kinds = Weighted({"applicant": 5, "activist": 6, "candidate": 3, "prob_this": 2, "prob_last": 2,
                          "full_this": 1, "full_last": 2, "stopped": 1})  # fmt: skip
        others = [b for b in w.branches if not b.demo and len(b.members) >= 5 and b.profile != "retired"]
        for b in others:
            if rng.random() < 0.65:
                for _ in range(rng.randint(1, 3)):
                    plan.append((b, kinds.pick(rng), ()))
        # Each kind of exception at least once outside the demo branch.
        for flag, kind in (("short_training", "prob_this"), ("late_approval", "full_this"), ("order", "candidate")):
            if others:
                plan.append((rng.choice(others), kind, (flag,)))
        for b, kind, flags in plan:
            self.person(b, kind, flags)
        self._backdate_entries()
        self._plans()

    def _backdate_entries(self):
        rng, now = self.w.rng, timezone.now()
        steps = list(DevStep.objects.order_by("id").values_list("id", "done_on"))
        when = {pk: min(now, aware(d + days(rng.randint(0, 6)), rng=rng)) for pk, d in steps}
        backdate(DevStep, list(when), "recorded_at", when)
        first = dict(DevStep.objects.filter(code=1).values_list("applicant_id", "done_on"))
        created = {pk: aware(d, rng=rng) for pk, d in first.items()}
        Applicant.objects.bulk_update([Applicant(pk=pk, created_at=at) for pk, at in created.items()], ["created_at"])

    def _plans(self):
        w, rng = self.w, self.w.rng
        for b in w.branches:
            for year in (w.last, w.this):
                developed = DevStep.objects.filter(applicant__branch=b.org, code=17, done_on__year=year).count()
                usual = rng.choice([0, 0, 1, 1, 1, 2]) if len(b.members) >= 8 and b.profile != "retired" else 0
                planned = max(developed, usual)
                if b.demo:
                    planned = max(planned, 2)
                data = {"planned_count": planned}
                if planned:
                    data.update(target_young_pct=rng.choice([50, 60, 70]), target_college_pct=rng.choice([30, 40, 50]),
                                target_frontline_pct=rng.choice([20, 30]) if b.profile in ("village", "enterprise")
                                else None)  # fmt: skip
                    data["text"] = (
                        f"{year}年计划发展党员{planned}名，重点在"
                        f"{'青年农民、致富带头人' if b.profile == 'village' else '一线骨干、青年人才'}"
                        "中发展党员；坚持标准、严格程序、控制总量、优化结构、提高质量，五个关口全程纪实。"
                    )
                else:
                    data["text"] = f"{year}年本支部暂不安排发展党员，继续做好入党积极分子培养教育工作。"
                p = development.plan_save(actor=b.user, branch=b.org, year=year, **data)
                if b.reviewer is not None and (year == w.last or rng.random() < 0.85 or b.demo):
                    development.plan_approve(actor=b.reviewer, plan=p)
                w.counts["dev_plans"] += 1


