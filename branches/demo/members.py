"""Members (with their special situations: probationary, flowing, 空挂, lost, hardship,
left) and party groups."""

from branches.demo.common import CORE, D, Weighted, cn, days, dues_start, id_number
from branches.demo.names import ETHNICITY, FEMALE_GIVEN, MALE_GIVEN, OLD_FEMALE, OLD_MALE, PLACE_A, PLACE_B, SURNAMES
from branches.demo.profiles import EDU_OLD, FLAG_MINIMUM, PROFILES
from branches.models import (
    FlowDirection,
    Gender,
    Member,
    MemberFlow,
    MemberStatus,
    Occupation,
    PartyGroup,
    Standing,
    add_years,
)
from branches.services import name_pinyin

CHANGZHOU_CODES = ["320402", "320404", "320411", "320413", "320481"]
ELSEWHERE_CODES = ["321281", "320923", "321323", "341221", "340123", "411528", "510722", "421126"]
FLOW_ORIGINS = [
    ("安徽省阜阳市临泉县", "341221"),
    ("安徽省六安市霍邱县", "341522"),
    ("河南省信阳市息县", "411528"),
    ("江苏省盐城市阜宁县", "320923"),
    ("四川省南充市营山县", "511322"),
    ("湖北省黄冈市蕲春县", "421126"),
    ("江西省上饶市鄱阳县", "361128"),
    ("贵州省毕节市七星关区", "520502"),
]
FLOW_CITIES = [
    "上海市浦东新区",
    "苏州工业园区",
    "无锡市新吴区",
    "南京市江宁区",
    "杭州市滨江区",
    "深圳市南山区",
    "昆山市",
    "宁波市北仑区",
]
FLOW_UNITS = ["流动党员党支部", "非公企业联合党支部", "外来务工人员党支部", "社区党委"]


HARDSHIP = [
    "本人患重病，医疗支出大",
    "家庭成员患病，经济困难",
    "年老体弱，独居",
    "因残致困",
    "子女就学负担重，收入低",
    "享受最低生活保障",
]
KONGUA = [
    "已多次联系，动员其将组织关系转至现工作单位党组织",
    "本人在外地居住工作，正在办理转接",
    "已告知转接政策，本人同意年内转出",
]
LOST = [
    "已通过亲属、原单位多方查找，暂未联系上",
    "已在党务公开栏发布寻人公告，限期联系",
    "已请户籍地派出所协助查找，暂无结果",
]


_SURNAME = Weighted(SURNAMES)
_ETHNICITY = Weighted(ETHNICITY)
_EDU = {k: Weighted(p.education) for k, p in PROFILES.items()}
_EDU_OLD = Weighted(EDU_OLD)
_OCC = {k: Weighted(p.occupation) for k, p in PROFILES.items()}


class MembersMixin:
    """Builds every branch's ``members`` and ``core``, and ``groups`` with their ``leaders``
    (part of ``DemoBuilder``)."""

    def _roll_flag(self, profile):
        r = self.rng.random()
        acc = 0.0
        for flag, rate in PROFILES[profile].flags.items():
            acc += rate
            if r < acc:
                return flag
        return ""

    def _members(self):
        slots = []
        for b in self.branches:
            for i in range(b.spec.size):
                slots.append([b, i < CORE, "" if i < CORE else self._roll_flag(b.profile)])
        for flag, minimum in FLAG_MINIMUM.items():
            have = sum(1 for s in slots if s[2] == flag)
            if have >= minimum:
                continue
            plain = [s for s in slots if not s[1] and not s[2]]
            allowed = [s for s in plain if flag in PROFILES[s[0].profile].flags] or plain
            for s in self.rng.sample(allowed, min(minimum - have, len(allowed))):
                s[2] = flag
        for b, core, flag in slots:
            m = self._member(b, core, flag)
            b.members.append(m)
            if core:
                b.core.append(m)

    def _name(self, female, birth_year):
        rng = self.rng
        surname = _SURNAME.pick(rng)
        if birth_year < 1965 and rng.random() < 0.45:
            return surname + rng.choice(OLD_FEMALE if female else OLD_MALE)
        return surname + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)

    def _id(self, birth, female, region):
        rng = self.rng
        while True:
            seq = rng.randrange(1, 1000)
            if seq % 2 != (0 if female else 1):
                seq ^= 1
            if seq == 0:
                continue
            n = id_number(region, birth, seq)
            if n not in self._ids:
                self._ids.add(n)
                return n

    def _native_region(self, birth):
        r = self.rng.random()
        if r < 0.1:
            return self.rng.choice(CHANGZHOU_CODES)
        if r < 0.16:
            return self.rng.choice(ELSEWHERE_CODES)
        if birth.year < 1995:
            return "320421" if r < 0.7 else "320483"
        return "320483" if birth.year < 2002 else "320412"

    @staticmethod
    def _register_fields(m, b):
        """工作单位及职务 and 家庭住址 of the 《党员基本情况登记表》, derived without drawing random
        numbers (the rest of the demo stays the same for a seed); about one member in twenty
        has them missing, so the member-ledger item shows what is lacking."""
        n = (m.birth_date.toordinal() * 7 + m.joined_on.toordinal()) % 160 + 1
        if n % 20 == 0:
            return
        unit = b.org.name.removesuffix("党支部").removesuffix("党总支") or b.org.name
        if m.occupation == Occupation.RETIRED:
            m.work_unit = f"{unit}（退休）"
        elif m.occupation == Occupation.FARMER:
            m.work_unit = f"{unit} 村民"
        else:
            m.work_unit = unit
        m.address = f"武进区{unit}{n}号"

    def _member(self, b, core, flag):
        rng, today = self.rng, self.today
        prof = PROFILES[b.profile]
        female = rng.random() < prof.female
        status, full_on = MemberStatus.FULL, None
        if flag == "pre1949":
            joined = D(1945, 1, 1) + days(rng.randrange((D(1949, 9, 30) - D(1945, 1, 1)).days))
            birth = joined - days(rng.randint(int(18.2 * 365), 24 * 365))
        else:
            lo, mode, hi = (30, 45, 58) if core else prof.age
            if flag == "probationary":
                lo, mode, hi = 20, 27, min(hi, 45)
                lo = min(lo, hi - 1)
            age = rng.triangular(lo, hi, min(max(mode, lo), hi))
            birth = today - days(int(age * 365.25) + rng.randint(0, 200))
            if flag == "probationary":
                joined = today - days(rng.randint(15, 350))
            else:
                earliest = add_years(birth, 18) + days(1)
                latest = today - days(400)
                real_age = (today - birth).days / 365.25
                top = max(18.4, min(45, real_age - 1.2))
                join_age = rng.triangular(18.3, top, min(25, top))
                joined = min(latest, max(earliest, birth + days(int(join_age * 365.25))))
        if flag == "probationary":
            status = MemberStatus.PROBATIONARY
        else:
            full_on = add_years(joined, 1)
        age_now = (today - birth).days // 365
        education = (_EDU_OLD if birth.year < 1950 else _EDU[b.profile]).pick(rng)
        occupation = _OCC[b.profile].pick(rng)
        if age_now >= 62 and not (occupation == Occupation.FARMER and rng.random() < 0.5):
            occupation = Occupation.RETIRED
        elif occupation == Occupation.RETIRED and age_now < 50:
            occupation = Occupation.OTHER
        region = self._native_region(birth)
        m = Member(
            branch=b.org,
            gender=Gender.FEMALE if female else Gender.MALE,
            ethnicity=_ETHNICITY.pick(rng),
            birth_date=birth,
            education=education,
            occupation=occupation,
            phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.9 else "",
            joined_on=joined,
            full_member_on=full_on,
            status=status,
            dues_from=max(joined.replace(day=1), dues_start(today)),
            created_at=self.now,
            updated_at=self.now,
        )
        if flag == "flow_out":  # the flow record is written with the members (``_flow_rows``)
            city = rng.choice(FLOW_CITIES)
            unit = f"中共{city}{rng.choice(FLOW_UNITS)}"
            work = rng.choice(["务工", "经商", "从事个体经营"])
            m._demo_flow = (FlowDirection.OUT, unit, f"在{city}{work}，已向流入地党组织报到")
        elif flag == "flow_in":
            origin, region = rng.choice(FLOW_ORIGINS)
            m._demo_flow = (FlowDirection.IN, f"中共{origin}{self._place()}村党支部",
                            "在本地务工，持《流动党员活动证》参加组织生活")  # fmt: skip
        elif flag == "kongua":
            m.is_kongua, m.kongua_handling = True, rng.choice(KONGUA)
        elif flag == "lost":
            m.is_lost, m.lost_since = True, today - days(rng.randint(200, 2000))
            m.lost_handling = rng.choice(LOST)
        elif flag == "hardship" or (flag == "pre1949" and rng.random() < 0.4):
            m.is_hardship, m.hardship_note = True, rng.choice(HARDSHIP)
        elif flag in ("out", "deceased", "expelled"):
            m.standing = {"out": Standing.TRANSFERRED_OUT, "deceased": Standing.DECEASED, "expelled": Standing.LEFT}[
                flag
            ]
            start = max(full_on or joined, today - days(1500))
            m.left_on = start + days(rng.randint(0, max(0, (today - start).days - 10)))
        if flag == "pre1949":
            m.occupation = Occupation.RETIRED
        m.name = self._name(female, birth.year)
        self._register_fields(m, b)
        m.name_pinyin, m.name_initials = self.pinyin(m.name)
        m.id_number = self._id(birth, female, region)
        m._demo_flag = flag
        return m

    def flow_rows(self, today):
        """The flow records of the members flagged 流出/流入 (after the members are saved): two
        of the 流出 go to the demo branch (in the district: it manages them, their own branch
        assists), the others stay outside the district, as do the 流入 (relation outside)."""
        demo = next((b for b in self.branches if b.spec.demo), None)
        flows = []
        for b in self.branches:
            for m in b.members:
                if getattr(m, "_demo_flow", None) is None or m.standing != Standing.ACTIVE:
                    continue
                direction, counterpart, note = m._demo_flow
                started = max(m.joined_on, today - days(200 + m.pk % 500))
                flows.append(MemberFlow(member=m, direction=direction, counterpart=counterpart, note=note,
                                        started_on=started, created_at=self.now))  # fmt: skip
        outs = [f for f in flows if f.direction == FlowDirection.OUT and demo and f.member.branch_id != demo.org.pk]
        for f in outs[: max(0, min(2, len(outs) - 1))]:  # keep one 流出 to outside the district
            f.in_branch, f.counterpart = demo.org, ""
            f.note = "在本区其他镇务工，参加流入地支部组织生活"
        return flows

    def _place(self):
        a, b = self.rng.choice(PLACE_A), self.rng.choice(PLACE_B)
        return a + b

    def pinyin(self, name):
        r = self._pinyin.get(name)
        if r is None:
            r = self._pinyin[name] = name_pinyin(name)
        return r

    def _groups(self):
        rng = self.rng
        for b in self.branches:
            active = [m for m in b.members if m.standing == Standing.ACTIVE]
            if len(active) < 15:
                continue
            n = max(2, min(8, round(len(active) / 12)))
            groups = [PartyGroup(branch=b.org, name=f"第{cn(i)}党小组", number=i) for i in range(1, n + 1)]
            groupable = [m for m in active if m._demo_flag not in ("flow_out", "lost")]
            rng.shuffle(groupable)
            for i, m in enumerate(groupable):
                m.party_group = groups[i % n]
            secretary = b.core[0] if b.core else None
            for g in groups:
                inside = [
                    m for m in groupable if m.party_group is g and m.status == MemberStatus.FULL and not m._demo_flag
                ]
                leader = next((m for m in inside if m is not secretary), inside[0] if inside else None)
                if leader is not None:
                    self.leaders.append((g, leader))
            self.groups.extend(groups)
