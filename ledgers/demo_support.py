"""Demo data for the member and support ledgers of the small demo district.

``seed_support(actor=…, rng=…, today=…)`` runs after the organizations, members and a year of
activity records exist (``manage.py seed_demo``, small scale only), inside the same
transaction. For every active branch with members it writes last year and this year of:

- 发展党员: applicants at every stage through ``development.applicant_create`` /
  ``step_record`` (so the time rules apply: a few steps break one and carry the exception
  reason), one person approved as 预备党员 this year (a roster row appears) and one made
  正式党员 this year; the yearly 发展党员计划 with structure targets, approved upstairs;
- 党费: the yearly bases (``dues_bases_save``, one reduction with the branch's decision and
  the upper approval), every month through ``dues_month_save``, a few members in arrears,
  one with six or more consecutive unpaid months (the flag) and reminders;
- 民主评议党员 of last year linked to its meeting record, tallies, grades and publication;
- the five annual plans, personal study plans, the 联系服务群众 system with last year's
  year-end review, and problems passed upwards (some answered by the committee);
- 党建工作经费 with income and expenses and small receipt photos; one branch has no
  special fund (the one-vote veto), one has an "other" expense;
- 阵地 and its checklist (a few items missing, photos for the present ones), 党务公开
  postings, member records (training, rewards, visits to pre-1949 and hardship members)
  and screenings at district and committee level.

Writes go through the services, with the branch's own staff as the actor (the demo
secretary's branch: the demo 党务工作者; elsewhere a non-login staff user per branch,
``<code>-sec``, made here) and the committee's reviewer for committee decisions, so the
history shows who did what. Dates that the services set to "now" are moved back to when
the thing happened. The demo secretary's branch (东街村党支部) is complete and healthy, with
one or two things to fix. All randomness comes from ``rng``: the same seed on the same day
gives the same data.
"""

import datetime
import io
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import DateTimeField, F
from django.db.models.functions import Cast
from django.utils import timezone
from PIL import Image, ImageDraw

from branches.demo import DEMO_BRANCH, FEMALE_GIVEN, MALE_GIVEN, REVIEWER_COMMITTEE, SURNAMES, Weighted, id_number
from branches.models import (
    CommitteeSeat,
    Education,
    Gender,
    Member,
    MemberStatus,
    MemberTransfer,
    Occupation,
    Organization,
    OrgKind,
    OrgStatus,
    PartyGroup,
    Position,
    Role,
    RoleAssignment,
    Standing,
    TransferDirection,
    User,
)
from branches.services import member_update

from . import branch_support, development, dues, members_support, records
from .models import (
    Applicant,
    DevStep,
    DuesBase,
    DuesGroup,
    DuesPayment,
    Escalation,
    EscalationStatus,
    FundingCategory,
    FundingYear,
    NoticeCategory,
    PaymentMethod,
    Plan,
    PlanKind,
    RecordKind,
    RoomItem,
    RoomKind,
    ServiceKind,
)

D = datetime.date
days = datetime.timedelta
YUAN = 100

_SURNAME = Weighted(SURNAMES)


# ---------------------------------------------------------------- staff users


@dataclass
class Staff:
    """Who types a branch's records and who decides for its committee."""

    branch: dict = field(default_factory=dict)  # branch id → user (secretary or worker)
    submitter: dict = field(default_factory=dict)  # branch id → user allowed to submit the assessment
    reviewer: dict = field(default_factory=dict)  # committee id → reviewer
    committee_of: dict = field(default_factory=dict)  # branch id → committee Organization


def person_name(rng, female=None):
    """A believable Chinese name."""
    female = rng.random() < 0.4 if female is None else female
    return _SURNAME.pick(rng) + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)


def _user(username, full_name, password):
    u = User.objects.filter(username=username).first() or User(username=username)
    u.full_name = full_name
    u.password = password
    u.is_active, u.is_staff, u.is_superuser = True, False, False
    u.save()
    return u


def _grant(user, org, role, now):
    RoleAssignment.objects.get_or_create(user=user, organization=org, role=role, defaults={"created_at": now})
    user._scopes_cache = None
    return user


def demo_staff(*, rng=None) -> Staff:
    """The staff users of the demo: found or made, idempotent (a second call changes nothing).

    The demo secretary's branch uses the demo users ``secretary`` (submits) and ``worker``
    (types); the 湖塘镇党委 uses ``reviewer``. Every other active branch gets a staff user
    ``<code>-sec`` (its secretary, or a 党务工作者 while the post is vacant) and every other
    committee a reviewer ``<code>-rev``; they cannot log in (unusable password).
    """
    rng = rng or random.Random(0)
    now = timezone.now()
    unusable = make_password(None)
    staff = Staff()
    committees = {o.path: o for o in Organization.objects.filter(kind=OrgKind.COMMITTEE).order_by("path")}
    demo_users = {u.username: u for u in User.objects.filter(username__in=["secretary", "worker", "reviewer"])}
    for c in committees.values():
        if c.name == REVIEWER_COMMITTEE and "reviewer" in demo_users:
            staff.reviewer[c.pk] = _grant(demo_users["reviewer"], c, Role.REVIEWER, now)
            continue
        name = person_name(random.Random(f"rev:{c.code or c.pk}"))
        u = _user(f"{c.code or c.pk}-rev", name, unusable)
        staff.reviewer[c.pk] = _grant(u, c, Role.REVIEWER, now)
    secretaries = {
        s.term.branch_id: s.holder
        for s in CommitteeSeat.objects.filter(term__ended_on__isnull=True, position=Position.SECRETARY)
        .select_related("term", "holder")
        .order_by("id")
    }
    for b in Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).order_by("path"):
        staff.committee_of[b.pk] = committees.get(b.path[: Organization.steplen * 2])
        if b.name == DEMO_BRANCH and "secretary" in demo_users:
            sec = demo_users["secretary"]
            staff.submitter[b.pk] = sec
            staff.branch[b.pk] = demo_users.get("worker") or sec
            continue
        holder = secretaries.get(b.pk)
        if holder is not None:
            name, role = holder.name, Role.SECRETARY
        else:
            first = b.members.filter(standing=Standing.ACTIVE).order_by("id").first()
            name, role = (first.name if first else person_name(random.Random(f"sec:{b.pk}"))), Role.WORKER
        u = _grant(_user(f"{b.code or b.pk}-sec", name, unusable), b, role, now)
        staff.branch[b.pk] = staff.submitter[b.pk] = u
    return staff


# ---------------------------------------------------------------- pictures


def picture(seed: int, *, size=(400, 300), kind="photo", taken: datetime.datetime | None = None) -> bytes:
    """A small JPEG: a scene of coloured shapes (``photo``), or a receipt (``receipt``: white
    paper, a coloured header, ruled lines, a red stamp). Different for every seed."""
    r = random.Random(seed)
    w, h = size
    if kind == "receipt":
        img = Image.new("RGB", size, (250, 249, 244))
        d = ImageDraw.Draw(img)
        head = r.choice([(190, 40, 40), (40, 90, 170), (60, 130, 80)])
        d.rectangle((12, 10, w - 12, 10 + h // 9), fill=head)
        y = 20 + h // 9
        while y < h - 40:
            d.line((16, y, w - 16, y), fill=(200, 200, 200), width=1)
            for _ in range(r.randint(1, 4)):
                x0 = r.randint(20, w // 2)
                d.rectangle((x0, y + 4, x0 + r.randint(20, w // 3), y + 10), fill=(90, 90, 90))
            y += r.randint(18, 30)
        cx, cy, rad = r.randint(w // 2, w - 50), r.randint(h // 2, h - 50), r.randint(26, 38)
        d.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), outline=(210, 30, 30), width=4)
        d.regular_polygon((cx, cy, rad // 3), 5, fill=(210, 30, 30))
    else:
        c1 = [r.randrange(256) for _ in range(3)]
        c2 = [r.randrange(256) for _ in range(3)]
        ramp = Image.linear_gradient("L").resize(size).rotate(r.choice([0, 90, 180, 270]))
        img = Image.merge(
            "RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(c1, c2, strict=True)]
        )
        d = ImageDraw.Draw(img)
        for _ in range(r.randint(6, 12)):
            x0, y0 = r.randrange(w), r.randrange(h)
            x1, y1 = x0 + r.randint(w // 16, w // 2), y0 + r.randint(h // 16, h // 2)
            colour = tuple(r.randrange(256) for _ in range(3))
            (d.rectangle if r.random() < 0.5 else d.ellipse)((x0, y0, x1, y1), fill=colour)
    buf = io.BytesIO()
    exif = Image.Exif()
    if taken is not None:
        exif[306] = f"{taken:%Y:%m:%d %H:%M:%S}"
    img.save(buf, "JPEG", quality=80, exif=exif)
    return buf.getvalue()


def _upload(rng, name, *, kind="photo", day=None, size=(400, 300)):
    taken = None
    if day is not None:
        taken = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return SimpleUploadedFile(name, picture(rng.getrandbits(64), size=size, kind=kind, taken=taken), "image/jpeg")


def _pdf(rng, name):
    """A one-page PDF (a scanned page), as a branch uploads minutes or approval forms."""
    img = Image.open(io.BytesIO(picture(rng.getrandbits(64), size=(210, 297), kind="receipt"))).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=50)
    return SimpleUploadedFile(name, buf.getvalue(), "application/pdf")


# ---------------------------------------------------------------- the world


@dataclass(eq=False)
class _B:
    org: Organization
    user: User
    committee: Organization | None
    reviewer: User | None
    members: list
    groups: list
    demo: bool
    profile: str


PROFILE = {
    "village": "village", "coop": "village", "community": "community", "organ": "organ", "institution": "institution",
    "soe": "enterprise", "private": "enterprise", "chain": "enterprise", "regional": "enterprise",
    "social": "social", "association": "social", "other": "retired",
}  # fmt: skip


class _World:
    def __init__(self, *, actor, rng, today, staff: Staff):
        self.actor, self.rng, self.today = actor, rng, today
        self.this, self.last = today.year, today.year - 1
        self.staff = staff
        self.counts = defaultdict(int)
        self.branches: list[_B] = []
        groups = defaultdict(list)
        for g in PartyGroup.objects.order_by("name", "id"):
            groups[g.branch_id].append(g)
        for org in Organization.objects.filter(kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).order_by("path"):
            members = list(Member.objects.filter(branch=org, standing=Standing.ACTIVE).order_by("id"))
            if not members or org.pk not in staff.branch:
                continue
            committee = staff.committee_of.get(org.pk)
            self.branches.append(
                _B(org, staff.branch[org.pk], committee, staff.reviewer.get(committee.pk) if committee else None,
                   members, groups[org.pk], org.name == DEMO_BRANCH, PROFILE.get(org.branch_type, "village"))
            )  # fmt: skip
        self.demo = next((b for b in self.branches if b.demo), None)
        # The branch without a special fund (a one-vote veto) and the one with an "other" expense.
        others = [b for b in self.branches if not b.demo]
        small = sorted(others, key=lambda b: (len(b.members), b.org.path))
        enterprise = [b for b in small if b.profile == "enterprise"]
        self.no_fund = (enterprise or small)[0] if small else None
        rest = [b for b in others if b is not self.no_fund and b.profile in ("enterprise", "social", "community")]
        self.other_expense = rng.choice(rest) if rest else None

    def day(self, lo: D, hi: D) -> D:
        hi = min(hi, self.today)
        if hi <= lo:
            return min(lo, self.today)
        return lo + days(self.rng.randint(0, (hi - lo).days))

    def year_days(self, year, lo_month=1, hi_month=12):
        return D(year, lo_month, 1), min(D(year, hi_month, 28), self.today)


def _backdate(model, pks, field_name, when_by_pk):
    """Move a "now" timestamp back to when the thing happened (rows and their history rows)."""
    objs = [model(pk=pk, **{field_name: when_by_pk[pk]}) for pk in pks]
    model.objects.bulk_update(objs, [field_name], batch_size=500)
    hist = getattr(model, "history", None)
    if hist is not None:
        for pk in pks:
            hist.model.objects.filter(id=pk).update(history_date=when_by_pk[pk])


def _aware(day: D, hour=None, rng=None) -> datetime.datetime:
    hour = hour if hour is not None else (rng.randint(9, 17) if rng else 10)
    minute = rng.randint(0, 59) if rng else 0
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


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


class _DevSeeder:
    def __init__(self, w: _World):
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

    def person(self, b: _B, kind, flags=()):
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
                kw["material"] = _pdf(rng, f"{MATERIALS[code]}.pdf")
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

    def _examinations(self, b: _B, a, since):
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
        when = {pk: min(now, _aware(d + days(rng.randint(0, 6)), rng=rng)) for pk, d in steps}
        _backdate(DevStep, list(when), "recorded_at", when)
        first = dict(DevStep.objects.filter(code=1).values_list("applicant_id", "done_on"))
        created = {pk: _aware(d, rng=rng) for pk, d in first.items()}
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


# ---------------------------------------------------------------- 党费

SALARY = {  # monthly base in yuan, by occupation
    Occupation.PUBLIC_SERVANT: (5200, 9800), Occupation.PROFESSIONAL: (4800, 13500),
    Occupation.MANAGER: (6000, 16000), Occupation.WORKER: (3200, 6500), Occupation.OTHER: (2800, 5500),
    Occupation.SOLDIER: (5000, 8000),
}  # fmt: skip
PENSION = (2300, 6200)


def _months(first: D, last: D):
    m = first
    while m <= last:
        yield m
        m = dues.add_months(m, 1)


class _DuesSeeder:
    def __init__(self, w: _World):
        self.w = w

    def run(self):
        w, rng = self.w, self.w.rng
        moved_in = dict(
            MemberTransfer.objects.filter(direction=TransferDirection.IN)
            .order_by("occurred_on", "id")
            .values_list("member_id", "occurred_on")
        )
        reductions = 0
        cutoff = w.today - days(400)
        others = [m for b in w.branches if not b.demo for m in b.members if m.joined_on <= cutoff]
        stopped = next((m for m in others if m.is_lost or m.is_kongua), others[-1] if others else None)
        for b in w.branches:
            members = list(Member.objects.filter(branch=b.org, standing=Standing.ACTIVE).order_by("id"))
            salaries = {}
            reduce_member = None
            if reductions < 2 and (b.demo or rng.random() < 0.25):
                hardship = [m for m in members if m.is_hardship]
                reduce_member = hardship[0] if hardship else None
            for year in (w.last, w.this):
                rows = []
                for m in members:
                    if m.joined_on > D(year, 12, 31):
                        continue
                    group = dues.group_guess(m)
                    if group == DuesGroup.EMPLOYED and m.occupation == Occupation.OTHER and b.profile == "village":
                        group = DuesGroup.FARMER
                    row = dues.BaseInput(member_id=m.pk, group=group)
                    if group in dues.BASE_GROUPS:
                        if m.pk not in salaries:
                            lo, hi = PENSION if group == DuesGroup.RETIRED else SALARY.get(m.occupation, (3000, 6000))
                            if m.is_hardship:
                                lo, hi = 1800, 2600
                            salaries[m.pk] = rng.randint(lo, hi) * YUAN
                        else:
                            salaries[m.pk] = int(salaries[m.pk] * rng.uniform(1.0, 1.06)) // YUAN * YUAN
                        row.declared_base_fen = salaries[m.pk]
                    elif group == DuesGroup.FARMER:
                        row.chosen_fen = rng.choice([50, 100, 100, 100])
                    if m is reduce_member:
                        computed = dues.dues_compute(group, row.declared_base_fen or 0, dues.verification_date(year),
                                                     chosen_fen=row.chosen_fen)[0]  # fmt: skip
                        if computed > 20:
                            reduced = max(20, computed // 2 // 10 * 10)
                            row.reduced, row.reduced_fen = True, reduced
                            row.reduction_reason = f"{m.hardship_note or '家庭经济困难'}，本人申请减交党费"
                            row.branch_decision = f"{year}年1月支部委员会研究同意，每月交纳{dues.yuan(reduced)}元"
                            upper = b.committee.name if b.committee else "上级党委"
                            row.upper_approval = f"{upper}{year}年1月{rng.randint(10, 28)}日批复同意"
                    rows.append(row)
                if rows:
                    dues.dues_bases_save(actor=b.user, branch=b.org, year=year, rows=rows)
                    w.counts["dues_bases"] += len(rows)
                    # verified in January of that year, not today
                    verified = D(year, 1, rng.randint(5, 25))
                    ids = [r.member_id for r in rows] if hasattr(rows[0], "member_id") else None
                    ids = ids or list(Member.objects.filter(branch=b.org).values_list("pk", flat=True))
                    DuesBase.objects.filter(member_id__in=ids, year=year).update(verified_on=verified)
                    DuesBase.history.filter(member_id__in=ids, year=year).update(
                        verified_on=verified, history_date=_aware(verified, rng=rng)
                    )
            if reduce_member is not None and DuesBase.objects.filter(member=reduce_member, reduced=True).exists():
                reductions += 1
            # Who pays how. One member with six or more months unpaid (outside the demo branch).
            habits = {}
            for m in members:
                habit = "normal"
                if m.is_flowing and m.flow_direction == "out":
                    habit = "quarterly"
                elif stopped is not None and m.pk == stopped.pk:
                    habit = "stopped"
                elif m.is_lost:
                    habit = "recent"
                elif rng.random() < 0.04 and not b.demo:
                    habit = "recent"
                habits[m.pk] = habit
            if b.demo:  # one ordinary member two months behind (not on the committee)
                seated = set(CommitteeSeat.objects.filter(term__branch=b.org).values_list("holder_id", flat=True))
                pick = next(
                    (m for m in reversed(members) if habits[m.pk] == "normal" and m.pk not in seated
                     and m.status == MemberStatus.FULL),
                    None,
                )  # fmt: skip
                if pick:
                    habits[pick.pk] = "two_late"
            self._payments(b, members, habits, moved_in)
        self._reminders()

    def _payments(self, b, members, habits, moved_in):
        w, rng = self.w, self.w.rng
        this_month = dues.month_start(w.today)
        stop_from = dues.add_months(this_month, -rng.randint(7, 9))
        per_month = defaultdict(list)
        method = PaymentMethod.PAYROLL if b.profile in ("organ", "institution") else None
        for m in members:
            first = dues.month_start(m.joined_on)
            if m.pk in moved_in and m.joined_on <= moved_in[m.pk]:
                first = max(first, dues.add_months(dues.month_start(moved_in[m.pk]), 1))
            first = max(first, D(w.last, 1, 1))
            habit = habits[m.pk]
            recent_gap = rng.randint(1, 3)
            proxy = f"{m.name[0]}{rng.choice(['建国', '秀英', '国平', '美华', '志刚'])}（家属）"
            for month in _months(first, this_month):
                if habit == "stopped" and month >= stop_from:
                    continue
                if habit == "recent" and month >= dues.add_months(this_month, -recent_gap):
                    continue
                if habit == "two_late" and month >= dues.add_months(this_month, -2):
                    continue
                if habit == "quarterly":  # paid by a relative for the quarter at its start
                    paid_on = D(month.year, (month.month - 1) // 3 * 3 + 1, 1) + days(rng.randint(2, 20))
                    how, by = PaymentMethod.WECHAT, proxy
                else:
                    pay_day = 10 if method else rng.randint(3, 24)
                    paid_on = month + days(pay_day - 1)
                    how = method or rng.choice(
                        [PaymentMethod.CASH, PaymentMethod.WECHAT, PaymentMethod.WECHAT, PaymentMethod.ALIPAY]
                    )
                    by = ""
                if paid_on > w.today:
                    continue
                per_month[month].append(dues.PaymentInput(member_id=m.pk, paid=True, paid_on=paid_on, method=how,
                                                          paid_by=by))  # fmt: skip
        for month in sorted(per_month):
            r = dues.dues_month_save(actor=b.user, branch=b.org, month=month, rows=per_month[month])
            w.counts["dues_payments"] += r.created
        # Typed in on the day of payment, not today.
        recorded = Cast(F("paid_on"), DateTimeField()) + datetime.timedelta(hours=9)
        # By member id, not a join: PostgreSQL planned the joined UPDATE of the history table
        # badly on a fresh (un-analysed) database and took minutes.
        member_ids = list(Member.objects.filter(branch=b.org).values_list("pk", flat=True))
        DuesPayment.objects.filter(member_id__in=member_ids).update(recorded_at=recorded)
        DuesPayment.history.filter(member_id__in=member_ids).update(recorded_at=recorded, history_date=recorded)

    def _reminders(self):
        w, rng = self.w, self.w.rng
        for b in w.branches:
            arrears = dues.dues_arrears_for(b.org, w.today)
            for row in arrears.rows:
                if row.run < 1 or (not row.flagged and rng.random() < 0.5):
                    continue
                for k in range(min(3, row.run)):
                    on = w.today - days(rng.randint(3, 20) + 30 * k)
                    dues.dues_reminder_record(actor=b.user, member=row.member, reminded_on=on,
                                              way=rng.choice(dues.REMINDER_WAYS),
                                              note="已告知欠交情况，本人表示尽快补交" if k == 0 else "")  # fmt: skip
                    w.counts["dues_reminders"] += 1


# ---------------------------------------------------------------- 民主评议党员

MUTUAL = [
    "党员之间开展互评，肯定了大家在疫情防控、志愿服务和岗位工作中的表现，也坦诚指出了学习不够系统、"
    "参加组织生活不够积极等问题。",
    "采取“一对一”谈心和集中互评相结合，每名党员听取其他党员的意见建议，共提出批评意见{n}条。",
]


def _seed_appraisals(w: _World):
    rng, year = w.rng, w.last
    for b in w.branches:
        meeting = members_support.appraisal_meetings(b.org, year).first()
        held_on = meeting.held_on if meeting else w.day(D(year, 12, 10), D(year + 1, 1, 20))
        a = members_support.appraisal_create(
            actor=b.user, branch=b.org, year=year, held_on=held_on, meeting=meeting,
            self_notes="全体党员对照党员标准，从理想信念、政治纪律、作用发挥、遵守规定等方面撰写自评材料。",
            mutual_notes=rng.choice(MUTUAL).format(n=rng.randint(12, 60)),
            synthesis="支部委员会汇总测评票、听取群众意见，综合分析后提出每名党员的评定等次建议，经支部大会审议确定。",
        )  # fmt: skip
        ballots = members_support.appraisal_ballots(a)
        rows = {}
        excellent = 0
        cap = max(1, round(ballots * 0.15))
        members = list(members_support.appraisal_members(a))
        weak = rng.choice(members) if rng.random() < 0.25 and not b.demo else None
        for m in members:
            if m is weak or m.is_lost:
                poor = -(-ballots // 3)
                avg = rng.randint(0, max(0, ballots - poor))
                rows[m.pk] = members_support.TallyInput(good=ballots - poor - avg, average=avg, poor=poor)
                continue
            if rng.random() < 0.12:  # nearly everyone says 好
                avg = 0
            else:
                least = -(-ballots // 9)  # more than a tenth 一般: not 优秀 by the ballot
                avg = rng.randint(least, max(least, ballots // 3))
            good = ballots - avg
            grade, reasoning = "", ""
            suggested = members_support.suggest_grade(good=good, average=avg, poor=0, ballots=ballots)
            if suggested == "excellent":
                excellent += 1
                if excellent > cap:
                    grade = "qualified"
                    reasoning = "按优秀等次不超过参评党员15%的比例，经支部委员会研究评定为合格。"
            rows[m.pk] = members_support.TallyInput(good=good, average=avg, poor=0, grade=grade, reasoning=reasoning)
        a = members_support.Appraisal.objects.get(pk=a.pk)
        members_support.appraisal_results_save(actor=b.user, appraisal=a, version=a.version, rows=rows)
        posted = min(w.today, a.held_on + days(rng.randint(2, 10)))
        members_support.appraisal_publish(actor=b.user, appraisal=a, posted_on=posted)
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


def _seed_plans_and_study(w: _World):
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
                members_support.plan_save(actor=b.user, branch=b.org, year=year, kind=kind, text=text)
                w.counts["plans"] += 1
            share = 1.0 if b.demo else rng.choice([1.0, 0.97, 0.95, 0.9, 0.8])
            notes = rng.uniform(0.55, 0.95)
            roster = [m for m in b.members if m.joined_on <= D(year, 12, 31)]
            rows = {m.pk: (True, rng.random() < notes) for m in roster if rng.random() < share}
            if b.demo and roster and year == w.this:  # one member's plan is still missing this year
                rows.pop(roster[-1].pk, None)
            if rows:
                members_support.study_plans_save(actor=b.user, branch=b.org, year=year, rows=rows)
                w.counts["study_plans"] += len(rows)
    now = timezone.now()
    created = {
        pk: min(now, _aware(D(year, 1, 1) + days(rng.randint(5, 60)), rng=rng))
        for pk, year in Plan.objects.order_by("id").values_list("id", "year")
    }
    _backdate(Plan, list(created), "created_at", created)


def _seed_service(w: _World):
    rng = w.rng
    for b in w.branches:
        kind, name = rng.choice(SERVICE_BY_PROFILE[b.profile]) if not b.demo else SERVICE_BY_PROFILE[b.profile][0]
        for year in (w.last, w.this):
            n = rng.randint(8, 20)
            s = members_support.service_system_save(
                actor=b.user, branch=b.org, year=year, kind=kind, name=name,
                goal=f"{year}年：每名党员联系群众{rng.randint(3, 10)}户以上，每月开展服务活动不少于一次，"
                f"全年为群众办实事{n}件，群众满意率达到95%以上。",
            )  # fmt: skip
            if year == w.last:
                members_support.service_review_save(
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
        e = members_support.escalation_raise(actor=b.user, branch=b.org, title=title, description=text,
                                             raised_on=raised)  # fmt: skip
        w.counts["escalations"] += 1
        hutang = b.committee is not None and b.committee.name == REVIEWER_COMMITTEE
        if hutang and not b.demo and not kept_open:
            kept_open = True
            continue
        if b.reviewer is not None and (hutang or rng.random() < 0.4) and raised < w.today - days(10):
            status = rng.choice([EscalationStatus.REPLIED, EscalationStatus.RESOLVED])
            members_support.escalation_reply(actor=b.reviewer, escalation=e, reply=rng.choice(REPLIES), status=status)
            replied[e.pk] = min(w.today, raised + days(rng.randint(3, 12)))
    for pk, day in replied.items():
        Escalation.objects.filter(pk=pk).update(replied_on=day)
        Escalation.history.filter(id=pk, history_type="~").update(history_date=_aware(day, 15))


# ---------------------------------------------------------------- funding

INCOME = {
    "village": ("村集体经济收入安排党建工作经费", (20000, 40000)),
    "community": ("街道（镇）拨付社区党建工作经费", (15000, 30000)),
    "enterprise": ("公司按营收比例列支党建工作经费", (5000, 20000)),
    "social": ("业务收入中列支党建工作经费", (3000, 8000)),
    "retired": ("单位拨付离退休党支部活动经费", (6000, 15000)),
}
EXPENSES = [
    (FundingCategory.POSITION, "更新党务公开栏、党建宣传展板", (800, 4000)),
    (FundingCategory.POSITION, "购置党旗、党徽和活动室桌椅", (600, 3500)),
    (FundingCategory.EDUCATION, "组织党员赴{site}开展党性教育交通费", (800, 3000)),
    (FundingCategory.EDUCATION, "购买党员学习教材和笔记本", (300, 1500)),
    (FundingCategory.EDUCATION, "入党积极分子培训资料费", (200, 800)),
    (FundingCategory.COMMENDATION, "“七一”走访慰问老党员、困难党员", (1000, 5000)),
    (FundingCategory.COMMENDATION, "春节走访慰问困难党员", (1000, 4000)),
    (FundingCategory.NEWSPAPERS, "订阅《人民日报》《新华日报》《常州日报》《求是》", (1200, 2600)),
]
SITES = ["常州三杰纪念馆", "新四军江南指挥部纪念馆", "雨花台烈士陵园", "沙家浜革命历史纪念馆"]


def _standard(b, rng):
    if branch_support.standard_is_computed(b.org):
        return None, ""
    label, (lo, hi) = INCOME.get(b.profile, INCOME["social"])
    fen = rng.randint(lo, hi) // 500 * 500 * YUAN
    return fen, branch_support.MANUAL_BASIS_HINTS.get(b.org.branch_type, label)[:120]


def _seed_funding(w: _World):
    rng = w.rng
    receipt_no = 0
    for b in w.branches:
        std_fen, basis = _standard(b, rng)
        for year in (w.last, w.this):
            vetoed = b is w.no_fund
            standard = branch_support.funding_standard(b.org, year).fen if std_fen is None else std_fen
            budget = 0 if vetoed else max(standard, 3000 * YUAN) + rng.choice([0, 0, 500, 1000]) * YUAN
            fy = FundingYear.objects.filter(branch=b.org, year=year).first()
            branch_support.funding_year_save(
                actor=b.user, branch=b.org, year=year, version=fy.version if fy else None, budget_fen=budget,
                has_special_fund=not vetoed, has_account=not vetoed and (b.demo or rng.random() < 0.85),
                account_name=f"{b.org.name}党建工作经费专账", standard_fen=0 if vetoed else std_fen,
                standard_basis="" if vetoed else basis,
            )  # fmt: skip
            w.counts["funding_years"] += 1
            lo, hi = w.year_days(year)
            if vetoed:
                branch_support.funding_entry_create(
                    actor=b.user, branch=b.org, year=year, category=FundingCategory.RETURNED_DUES,
                    amount_fen=rng.randint(30, 90) * YUAN, occurred_on=w.day(D(year, 3, 1), D(year, 4, 30)),
                    description="上级党委返还党费",
                )  # fmt: skip
                continue
            label = INCOME.get(b.profile, ("上级拨付党建工作经费", None))[0]
            if std_fen is None:
                label = "财政预算安排党建工作经费（按在册党员每人每年600元）"
            incomes = [(FundingCategory.ALLOCATION, label, budget, w.day(D(year, 1, 5), D(year, 3, 31)))]
            incomes.append((FundingCategory.RETURNED_DUES, "上级党委返还党费", rng.randint(200, 1500) * YUAN,
                            w.day(D(year, 4, 1), D(year, 6, 30))))  # fmt: skip
            for cat, text, amount, day in incomes:
                if day <= w.today:
                    branch_support.funding_entry_create(
                        actor=b.user, branch=b.org, year=year, category=cat, amount_fen=amount, occurred_on=day,
                        description=text,
                    )  # fmt: skip
                    w.counts["funding_entries"] += 1
            spend = rng.sample(EXPENSES, rng.randint(4, 6))
            missing_receipt = -1
            if b.demo and year == w.this:
                missing_receipt = 0  # the demo branch's one thing to fix here
            elif not b.demo and rng.random() < 0.2:
                missing_receipt = len(spend) - 1
            if b is w.other_expense and year == w.this:
                spend.insert(0, (FundingCategory.OTHER_EXPENSE, "购买办公室打印机耗材（非党建专用）", (300, 900)))
            total = 0
            for i, (cat, text, (a_lo, a_hi)) in enumerate(spend):
                day = w.day(lo + days(20), hi)
                amount = rng.randint(a_lo, a_hi) * YUAN
                if total + amount > budget:
                    continue
                total += amount
                receipt = None
                if i != missing_receipt:
                    receipt_no += 1
                    receipt = _upload(rng, f"receipt_{receipt_no:04d}.jpg", kind="receipt", size=(300, 420))
                branch_support.funding_entry_create(
                    actor=b.user, branch=b.org, year=year, category=cat, amount_fen=amount, occurred_on=day,
                    description=text.format(site=rng.choice(SITES)), receipt=receipt,
                )  # fmt: skip
                w.counts["funding_entries"] += 1
                w.counts["receipts"] += receipt is not None


# ---------------------------------------------------------------- 阵地 and 党务公开

SHARED_WITH = {
    "village": "村党群服务中心",
    "community": "社区党群服务中心",
    "enterprise": "园区党群服务中心",
    "social": "区社会组织党群服务中心",
    "retired": "老干部活动中心",
    "organ": "机关党员活动中心",
    "institution": "单位党建活动室",
}


def _seed_rooms(w: _World):
    rng = w.rng
    for b in w.branches:
        own = b.org.has_own_room
        place = b.org.name.removesuffix("党支部")
        branch_support.room_save(
            actor=b.user, branch=b.org, kind=RoomKind.OWN if own else RoomKind.SHARED,
            shared_with="" if own else SHARED_WITH[b.profile],
            address=f"常州市武进区{place}{rng.choice(['二楼', '一楼', '三楼'])}党员活动室" if own
            else f"常州市武进区{SHARED_WITH[b.profile]}",
            area_m2=rng.randint(30, 120) if own else rng.randint(60, 300),
        )  # fmt: skip
        items = list(RoomItem.values)
        missing = set()
        if not b.demo:
            missing = set(rng.sample([RoomItem.REMOTE, RoomItem.MATERIALS, RoomItem.CHART, RoomItem.RULES],
                                     rng.choice([0, 0, 1, 1, 2])))  # fmt: skip
        no_photo = {RoomItem.CHART} if b.demo else set()
        checked = w.day(D(w.this, 1, 5), D(w.this, 4, 30))
        for item in items:
            present = item not in missing
            photos = []
            if present and item not in no_photo:
                photos = [_upload(rng, f"IMG_{checked:%Y%m%d}_{item}.jpg", day=checked)]
            branch_support.room_check_save(
                actor=b.user, branch=b.org, item=item, present=present, checked_on=checked,
                note="" if present else rng.choice(["已列入今年阵地改造计划", "正在制作，预计下月上墙"]),
                photos=photos,
            )  # fmt: skip
            w.counts["room_checks"] += 1
            w.counts["photos"] += len(photos)


NOTICES = [
    (NoticeCategory.PLAN, "{year}年党支部工作计划", (1, 3), "公开支部年度工作计划、学习教育计划和党课计划。"),
    (NoticeCategory.DUES, "{year}年上半年党费收缴情况公示", (7, 8), "上半年应交党费{n}人，已交{n}人，党费已全额上缴。"),
    (NoticeCategory.DUES, "{year}年下半年党费收缴情况公示", (12, 12), "下半年党费收缴情况及党建工作经费使用情况。"),
    (
        NoticeCategory.REWARDS,
        "“七一”优秀共产党员表彰名单",
        (6, 7),
        "经支部委员会研究，报上级党委同意，表彰优秀共产党员。",
    ),
    (
        NoticeCategory.DEVELOPMENT,
        "{year}年发展党员工作公示",
        (5, 10),
        "公示拟确定的发展对象和拟接收的预备党员，接受党员群众监督。",
    ),
    (NoticeCategory.OTHER, "村（社区）重大事项“四议两公开”结果公示", (3, 11), "公开近期研究决定的重大事项及办理结果。"),
]


def _seed_notices(w: _World):
    rng = w.rng
    for b in w.branches:
        for year in (w.last, w.this):
            for category, title, (m1, m2), content in NOTICES:
                if category == NoticeCategory.OTHER and b.profile not in ("village", "community"):
                    continue
                if not b.demo and rng.random() < 0.15:
                    continue
                posted = w.day(D(year, m1, 1), D(year, m2, 28))
                if posted > w.today or (year == w.this and posted.month == 12):
                    continue
                photos = [_upload(rng, f"IMG_{posted:%Y%m%d}_gkl.jpg", day=posted)] if rng.random() < 0.3 else []
                branch_support.notice_create(
                    actor=b.user, branch=b.org, category=category, title=title.format(year=year), posted_on=posted,
                    content=content.format(n=len(b.members)), photos=photos,
                )  # fmt: skip
                w.counts["notices"] += 1
                w.counts["photos"] += len(photos)


# ---------------------------------------------------------------- member records and screenings

TRAININGS = ["参加区委党校党员冬训", "参加支部集中学习（党章党规）", "参加“学习强国”专题线上学习",
             "参加{c}组织的党员轮训班", "参加党的创新理论专题辅导报告会"]  # fmt: skip
REWARDS = ["被{c}评为{year}年度优秀共产党员", "被评为{year}年度优秀党务工作者", "获{year}年度“党员先锋岗”称号"]
VISITS = [("春节走访慰问", (1, 2)), ("“七一”走访慰问", (6, 7)), ("重阳节走访慰问", (10, 10))]


def _seed_member_records(w: _World):
    rng = w.rng
    for b in w.branches:
        cname = b.committee.name if b.committee else "上级党委"
        share = 0.9 if b.demo else rng.choice([0.9, 0.8, 0.7, 0.6, 0.4])
        for year in (w.last, w.this):
            for m in b.members:
                if m.joined_on > D(year, 6, 30):
                    continue
                if rng.random() < share:
                    day = w.day(D(year, 1, 10), D(year, 11, 30))
                    records.member_record_create(
                        actor=b.user, member=m, kind=RecordKind.TRAINING, occurred_on=day,
                        title=rng.choice(TRAININGS).format(c=cname), detail=f"学时{rng.choice([4, 8, 12, 16])}学时",
                        by_whom=b.org.name,
                    )  # fmt: skip
                    w.counts["member_records"] += 1
                if m.is_pre_1949 or m.is_hardship:
                    for title, (m1, m2) in rng.sample(VISITS, 2):
                        day = w.day(D(year, m1, 1), D(year, m2, 28))
                        if day > w.today or (day.year == w.this and day.month > w.today.month):
                            continue
                        records.member_record_create(
                            actor=b.user, member=m, kind=RecordKind.VISIT, occurred_on=day,
                            title=f"{title}{'建国前老党员' if m.is_pre_1949 else '困难党员'}",
                            detail="送去慰问金和慰问品，了解身体和生活情况。",
                            amount_fen=rng.choice([500, 800, 1000]) * YUAN, by_whom=f"{b.org.name}书记",
                        )  # fmt: skip
                        w.counts["member_records"] += 1
                    if m.is_hardship and rng.random() < 0.5:
                        records.member_record_create(
                            actor=b.user, member=m, kind=RecordKind.HELP,
                            occurred_on=w.day(D(year, 3, 1), D(year, 9, 30)),
                            title="协助申请困难党员帮扶资金", detail=m.hardship_note or "家庭困难",
                            amount_fen=rng.choice([1000, 2000, 3000]) * YUAN, by_whom=cname,
                        )  # fmt: skip
                        w.counts["member_records"] += 1
            full = [m for m in b.members if m.status == MemberStatus.FULL and not m.is_lost]
            for m in rng.sample(full, min(len(full), rng.randint(0, 2) + (1 if b.demo else 0))):
                day = w.day(D(year, 6, 20), D(year, 7, 1))
                if day > w.today:
                    continue
                records.member_record_create(
                    actor=b.user, member=m, kind=RecordKind.REWARD, occurred_on=day,
                    title=rng.choice(REWARDS).format(c=cname, year=year), by_whom=cname,
                )  # fmt: skip
                w.counts["member_records"] += 1


def _seed_screenings(w: _World):
    rng = w.rng
    root = Organization.objects.filter(kind=OrgKind.DISTRICT, depth=1).first()
    if root is not None:
        records.screening_create(
            actor=w.actor, organization=root, held_on=D(w.last, 9, rng.randint(5, 25)),
            scope="全区各级党组织违法违纪党员和党代表", includes_delegates=True,
            findings="全区排查党员违法违纪情况，发现受到刑事处罚未及时处理的党员2名、受行政拘留的党员1名。",
            handling="已责成所在党(工)委依规依纪处理，处理结果报区委组织部备案。",
        )  # fmt: skip
        w.counts["screenings"] += 1
    committees = {b.committee.pk: (b.committee, b.reviewer) for b in w.branches if b.committee and b.reviewer}
    for _cid, (c, reviewer) in sorted(committees.items()):
        if c.name != REVIEWER_COMMITTEE and rng.random() < 0.5:
            continue
        records.screening_create(
            actor=reviewer, organization=c, held_on=w.day(D(w.this, 4, 1), D(w.this, 9, 30)),
            scope=f"{c.name}所属党组织全体党员和镇（区）党代表", includes_delegates=True,
            findings="对照公安、法院、纪检监察等部门通报逐一比对，未发现新增违法违纪党员。",
            handling="建立排查台账，对流动党员和失联党员继续跟踪核查。",
        )  # fmt: skip
        w.counts["screenings"] += 1


# ---------------------------------------------------------------- entry point


def seed_support(*, actor, rng, today, log=None) -> dict:
    """Member and support ledgers for the seeded small demo (see the module docstring).

    Call inside the seeding transaction, after the organizations, members and activity
    records; returns counts by kind. ``log`` receives a line per phase with its time.
    """
    log = log or (lambda msg: None)
    staff = demo_staff()
    w = _World(actor=actor, rng=rng, today=today, staff=staff)

    def refresh_roster():  # 预备党员 approved by the development steps joined the roster
        for b in w.branches:
            b.members = list(Member.objects.filter(branch=b.org, standing=Standing.ACTIVE).order_by("id"))

    phases = [
        ("发展党员", _DevSeeder(w).run),
        ("", refresh_roster),
        ("党费", _DuesSeeder(w).run),
        ("民主评议党员", lambda: _seed_appraisals(w)),
        ("年度计划、个人学习计划", lambda: _seed_plans_and_study(w)),
        ("联系服务群众", lambda: _seed_service(w)),
        ("党建工作经费", lambda: _seed_funding(w)),
        ("活动阵地", lambda: _seed_rooms(w)),
        ("党务公开", lambda: _seed_notices(w)),
        ("党员信息记录", lambda: _seed_member_records(w)),
        ("排查清理", lambda: _seed_screenings(w)),
    ]
    for label, run in phases:
        t = time.perf_counter()
        run()
        if label:
            log(f"  {label}：{time.perf_counter() - t:.2f} 秒")
    return dict(w.counts, no_fund_branch=w.no_fund.org.name if w.no_fund else "")


__all__ = ["Staff", "demo_staff", "person_name", "picture", "seed_support"]
