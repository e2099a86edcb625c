"""Demo activity records for the seeded district: a believable year of branch life.

``seed_activities(builder, seed=…, scale=…)`` runs after ``branches.demo.DemoBuilder`` has
written the organizations and members, inside the same transaction. It covers last year's
December and this year up to today: 支委会 monthly, 党小组会 per group monthly, 党员大会
and 党课 quarterly, 组织生活会 half-yearly, 主题党日 monthly, one 民主评议党员 meeting and
a few 联系服务群众 activities, with Chinese topics, places and minutes built from templates
with varied fill-ins, attendance derived from who is expected, and photos.

Two ways of writing, one plan:

* small demo — every record goes through ``services.activity_create`` (attendance checked
  against ``expected_attendees``, photos are real JPEGs drawn here and checked and stored
  by ``images.check_and_process`` like uploads, history rows written by the service); the
  entry times are then moved back to shortly after each activity, before the service's
  after-commit integrity checks run (eager without Redis), so when the command ends every
  record has been checked. Some months are missed, some records lack photos or quorum, and
  a few records carry each kind of flag on purpose.
* district scale — about 170,000 records and 3,000,000 attendance rows are built in
  memory (the expected attendees computed from the builder's members, seats and groups,
  mirroring ``services.expected_attendees``; counts and quorum in Python) and written with
  PostgreSQL ``COPY`` (``bulk_create`` on SQLite), history rows included. Photo rows share
  a pool of generated image files; each row carries its own random hashes, as distinct
  photos would, so only the few rows deliberately given another branch's hashes are
  reported as reused. The integrity check runs for the records made anomalous on purpose.

All randomness comes from ``random.Random`` seeded from ``seed``: the same seed on the
same day gives the same records.
"""

import datetime
import hashlib
import io
import itertools
import random
import re
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from PIL import Image, ImageDraw

from branches.demo import FEMALE_GIVEN, MALE_GIVEN, SURNAMES, Weighted
from branches.models import MemberStatus, OrgStatus, Position, Standing
from branches.selectors import branch_on

from . import images, services, textsim
from .models import (
    Activity,
    ActivityForm,
    ActivityType,
    Attendance,
    AttendanceStatus,
    FlagKind,
    IntegrityFlag,
    LecturerRole,
    LifeMeetingLevel,
    Photo,
    private_storage,
)

D = datetime.date
T = datetime.time
days = datetime.timedelta
AT = ActivityType

PHOTO_SIZE = (400, 300)
POOL_SIZE = 400  # district scale: generated image files shared by the photo rows
CHANGE_REASON = "演示数据"
CHUNK_BRANCHES = 250  # district scale: branches written per round of COPY

_SURNAME = Weighted(SURNAMES)

# ---------------------------------------------------------------- words

PLACES = {
    "village": "村党群服务中心会议室 村委会会议室 村新时代文明实践站 村党员活动室 村文化礼堂 村便民服务中心".split(),
    "community": ["社区党群服务中心", "社区议事厅", "社区党员活动室", "社区睦邻中心", "社区新时代文明实践站"],
    "organ": ["机关三楼会议室", "机关党员活动室", "机关第一会议室", "机关五楼小会议室"],
    "institution": ["单位党员活动室", "行政楼二楼会议室", "多功能报告厅", "学术报告厅", "党建活动室"],
    "enterprise": ["公司党建活动室", "公司二楼会议室", "职工之家", "园区党群服务中心", "公司培训室"],
    "social": ["协会办公室", "党群服务站", "会员之家", "商会会议室"],
    "retired": ["老干部活动室", "社区党群服务中心", "老年大学教室", "退管会活动室"],
}
PLACE_PROFILE = {
    "village": "village",
    "coop": "village",
    "community": "community",
    "organ": "organ",
    "institution": "institution",
    "soe": "enterprise",
    "private": "enterprise",
    "chain": "enterprise",
    "regional": "enterprise",
    "social": "social",
    "association": "social",
    "other": "retired",
}
RED_SITES = (
    "常州三杰纪念馆 瞿秋白纪念馆 张太雷纪念馆 恽代英纪念馆 武进区党史教育馆 新四军江南指挥部纪念馆 茅山新四军纪念馆 "
    "淹城春秋乐园红色教育展厅 焦溪古镇红色驿站 南京雨花台烈士陵园 苏州沙家浜革命历史纪念馆 常州革命烈士陵园"
).split()
START_TIMES = {
    "village": [T(9, 0), T(14, 0), T(19, 0), T(19, 30), T(8, 30)],
    "community": [T(9, 0), T(14, 30), T(15, 0), T(19, 0)],
    "organ": [T(16, 0), T(14, 30), T(8, 30), T(12, 30)],
    "institution": [T(16, 30), T(12, 30), T(14, 0), T(17, 0)],
    "enterprise": [T(12, 30), T(17, 0), T(16, 30), T(13, 0)],
    "social": [T(14, 0), T(9, 30), T(15, 0)],
    "retired": [T(9, 0), T(9, 30), T(14, 30)],
}
UPPER_TITLES = ["组织委员", "党建办主任", "宣传委员", "纪委书记", "党委副书记"]
GUESTS = ["区委党校讲师", "区委宣讲团成员", "市委党校教授", "区关工委“五老”宣讲员", "区党史办研究员"]
LEAVE_REASONS = "出差 外出办事 身体不适 值班 照顾生病家属 参加上级培训 单位加班 家中有事 外出就医 孩子生病".split()
FLOW_LEAVE = ["在外务工", "流动在外，已参加流入地组织生活", "在外地经商", "在外地务工，已书面请假"]
OLD_LEAVE = ["年老体弱，行动不便", "住院治疗", "年事已高，由家属代为请假"]

MONTH_THEMES = {
    1: ["新春走访慰问老党员、困难党员", "“迎新春 送温暖”志愿服务", "学习上级全会精神 谋划新年工作", "冬季安全隐患排查"],
    2: ["“新春第一课”学习上级部署", "元宵节邻里互助志愿服务", "节后复工复产安全检查", "春节期间文明祭扫宣传"],
    3: ["学雷锋志愿服务", "学习全国两会精神", "植树护绿志愿活动", "关爱妇女儿童“三八”节活动"],
    4: ["清明祭英烈 传承红色基因", "全民国家安全教育日宣传", "走进红色场馆开展党性教育", "春季爱国卫生运动"],
    5: ["弘扬劳模精神 争做岗位先锋", "“五四”青年党员座谈交流", "防范电信网络诈骗宣传", "助力“三夏”农忙"],
    6: ["安全生产月“党员查隐患”", "防汛防台应急演练", "“七一”前夕重温入党誓词", "禁毒宣传志愿服务"],
    7: ["庆祝建党105周年 重温入党誓词", "“七一”走访慰问老党员", "夏季高温慰问一线职工", "防溺水安全宣传"],
    8: ["“八一”走访慰问退役军人", "人居环境整治“党员先行”", "纳凉晚会政策宣讲", "夏季消防安全检查"],
    9: ["全民国防教育日学习", "“中秋”邻里节志愿服务", "开学季护学志愿服务", "秋季爱国卫生运动"],
    10: ["国庆升旗仪式暨爱国主义教育", "重阳敬老志愿服务", "助力秋收秋种", "学习党的创新理论知识竞赛"],
    11: ["消防安全宣传月活动", "垃圾分类宣传进小区", "党内法规知识测试", "冬季取暖安全入户宣传"],
    12: ["“12·4”国家宪法日宣传", "年终走访慰问困难群众", "冬季安全生产检查", "年度党员积分评议"],
}
COMMITTEE_TOPICS = (
    "研究部署{m}月份党建工作 研究{m}月份主题党日活动方案 研究发展党员工作 研究党费收缴和使用情况 "
    "研究困难党员帮扶慰问事项 研究党员积分管理考评结果 研究“三会一课”落实情况检查整改 研究党员志愿服务队活动安排 "
    "研究{season}工作中党员作用发挥 研究入党积极分子培养考察情况 研究上级巡察反馈问题整改 研究党务公开事项 "
    "研究支部年度工作计划落实情况 研究流动党员教育管理"
).split()
VILLAGE_COMMITTEE_TOPICS = ["按“四议两公开”研究{project}", "研究村级集体经济发展项目", "研究人居环境整治任务分工"]
GROUP_TOPICS = (
    "学习{study} 交流学习{study}体会 开展党员积分互评 通报小组联系户走访情况 收集群众意见建议 学习党章第{n}章 "
    "讨论本小组志愿服务安排 学习先进典型事迹 交流岗位建功做法 谈心谈话与思想交流"
).split()
CONGRESS_TOPICS = {
    0: ["通报支部年度工作计划", "传达学习上级全会精神", "讨论接收预备党员", "审议支部年度工作计划"],
    1: ["学习党纪党规 讨论预备党员转正", "通报上半年党费收缴情况", "讨论接收预备党员", "审议党员积分管理办法"],
    2: ["通报上半年支部工作", "讨论预备党员转正", "学习党的创新理论", "讨论确定发展对象"],
    3: ["通报全年重点工作推进情况", "讨论接收预备党员", "部署年度民主评议党员工作", "审议困难党员帮扶方案"],
}
LECTURE_TITLES = [
    "坚定理想信念 筑牢信仰之基",
    "学党章 守党规 做合格党员",
    "弘扬伟大建党精神",
    "从红色家书中汲取奋进力量",
    "以高质量党建引领乡村振兴",
    "以学铸魂 以学增智 以学正风 以学促干",
    "牢记初心使命 争当先锋表率",
    "学习“常州三杰”精神 传承红色基因",
    "涵养清风正气 严守纪律规矩",
    "做新时代合格共产党员",
    "学习贯彻党的二十届四中全会精神",
    "奋力开创“十五五”发展新局面",
    "践行全心全意为人民服务宗旨",
    "以党建促发展 以发展强党建",
    "把握新质生产力 勇当发展排头兵",
    "深入学习习近平新时代中国特色社会主义思想",
]
# 联系服务群众: topic -> what the members did ({k}, {t}: numbers)
SERVICES = {
    "走访慰问困难群众": "走访慰问辖区困难群众{k}户，送去米、油等慰问品，了解生活困难{t}项",
    "人居环境整治志愿服务": "清理卫生死角{k}处，清运垃圾约{t}吨",
    "防汛值守": "分{t}个班次巡查河道、低洼地段{k}处，转移安置群众{t}人",
    "反诈宣传进万家": "入户发放反诈宣传资料{k}份，帮助{t}名群众安装国家反诈中心App",
    "义诊进社区": "协助卫生院开展义诊，为{k}名老人测量血压血糖",
    "助力秋收秋种": "帮助{k}户缺少劳力的农户抢收，抢收水稻约{t}亩",
    "关爱留守儿童": "结对帮扶留守儿童{t}名，送去学习用品{k}套",
    "帮助独居老人打扫卫生": "为{k}户独居老人打扫卫生、检查用电用气安全",
    "文明交通劝导": "在路口开展文明交通劝导，劝导不戴头盔等行为{k}起",
    "垃圾分类指导": "在{t}个投放点开展垃圾分类指导，覆盖居民{k}户",
    "政策宣讲进企业": "走进{t}家企业宣讲惠企政策，解答问题{k}个",
    "燃气安全入户宣传": "入户检查燃气安全{k}户，发现并督促整改隐患{t}处",
}

STUDY = (
    "党章总纲 《中国共产党纪律处分条例》 《中国共产党支部工作条例（试行）》 党的二十大报告 党的二十届四中全会公报 "
    "习近平总书记重要讲话精神 《中国共产党党员权利保障条例》 上级党委有关文件精神 《习近平谈治国理政》有关篇目 "
    "“十五五”规划建议"
).split()
SEASONS = {
    1: "春节前后安全",
    2: "春耕备耕",
    3: "春季防火",
    4: "春季防火",
    5: "“三夏”",
    6: "防汛防台",
    7: "防汛防台",
    8: "高温安全生产",
    9: "秋季安全生产",
    10: "“三秋”",
    11: "冬季消防安全",
    12: "岁末年初安全",
}
PROJECTS = (
    "村道硬化工程 河塘清淤 农田水利设施改造 村级集体资产出租 老年助餐点建设 路灯改造 公共厕所改造 集体土地流转 "
    "村卫生室改造"
).split()
ISSUES = (
    "路灯损坏 垃圾清运不及时 停车难 河道保洁 老年助餐 农田灌溉用水 小区加装电梯 道路破损 快递车辆乱停 下水道堵塞 "
    "噪音扰民 健身器材老化"
).split()
PROGRAMS = ["党员先锋岗", "党员责任区", "党员联系户", "志愿服务积分", "“红色网格”", "“一名党员一面旗”"]
UPPER_BODIES = ["上级党委", "镇党委", "区委组织部", "上级党组织"]
CLOSINGS = (
    "最后，{host}作总结讲话，要求大家把学习成果转化为做好本职工作的实际行动。 "
    "{host}强调，全体党员要对标对表、压实责任，确保各项任务按期完成。 "
    "会议要求各位党员认真抓好落实，下次会议通报进展情况。 "
    "{host}要求，要把会议精神及时传达到每一名党员，确保思想统一、行动一致。 会议在《国际歌》声中结束。 "
    "会后，与会人员对会议议定事项进行了分工。"
).split()
ACTIVITY_CLOSINGS = (
    "活动结束后，{host}对本次活动进行了小结。 参加活动的党员表示，要把为民服务落实到日常行动中。 "
    "活动得到了群众的一致好评。 {host}要求大家把活动中收集到的问题梳理汇总，逐一跟进落实。"
).split()
QUOTES = (
    "作为一名老党员，要带头做好邻里矛盾调解工作 我们小组联系的困难家庭，这个月都已经走访到位 "
    "要把学习和本职工作结合起来，在岗位上作表率 建议支部多组织年轻党员参加志愿服务 群众反映的问题要件件有回音 "
    "要用好党员活动室，把学习搞得更加丰富 希望支部在网上多开展一些学习活动，方便在外的党员参加 "
    "我会继续发挥技术特长，帮助身边的群众 对照先进找差距，自己在带头作用方面还有不足 平时要多关心老党员，经常上门看看"
).split()
ACT_REPORTS = [
    ("开展志愿服务{n}次", 1, 6), ("走访群众{n}户", 5, 40), ("收集意见建议{n}条", 2, 15), ("办结民生实事{n}件", 1, 8),
    ("组织党员集中学习{n}次", 1, 4), ("更新党务公开栏{n}期", 1, 2),
]  # fmt: skip


def _fill(template: str, values: dict) -> list[str]:
    """``template`` with ``{key}`` replaced, as pieces: the template's text and the values."""
    out = []
    for i, part in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2:
            out.append(str(values[part]))
        elif part:
            out.append(part)
    return out


def cn_date(d):
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- fast simhash


class PieceSimhash:
    """``textsim.simhash`` of a text given as pieces, with the pieces' trigrams counted once.

    The weight of each of the 64 bits is a sum over the text's trigrams, so it is the sum
    over the pieces (trigrams inside one piece, cached) plus the few trigrams that cross
    a boundary. Counts are packed 16 bits per bit position into one Python int, so adding
    a piece is one integer addition. Gives the same value as ``textsim.simhash`` (tested).
    """

    LANE = 16
    _LANES = sum(1 << (16 * i) for i in range(64))
    _BINARY = bytes.maketrans(b"\x00\x01", b"01")

    def __init__(self):
        self._pieces = {}
        self._trigrams = {}

    def _tri(self, t):
        v = self._trigrams.get(t)
        if v is None:
            h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "big")
            v = 0
            for bit in range(64):
                if (h >> bit) & 1:
                    v |= 1 << (self.LANE * bit)
            self._trigrams[t] = v
        return v

    def _piece(self, p):
        r = self._pieces.get(p)
        if r is None:
            n = textsim.normalize(p)
            r = self._pieces[p] = (n, sum(self._tri(n[i : i + 3]) for i in range(len(n) - 2)))
        return r

    def __call__(self, pieces) -> int | None:
        norm = [self._piece(p) for p in pieces]
        text = "".join(n for n, _ in norm)
        total = len(text)
        if total < textsim.MIN_CHARS:
            return None
        ones, starts, offset = 0, set(), 0
        for n, packed in norm:
            if not n:
                continue
            ones += packed
            if offset:
                starts.update((offset - 2, offset - 1))
            offset += len(n)
        for s in starts:
            if 0 <= s <= total - 3:
                ones += self._tri(text[s : s + 3])
        # Bit i is set when more than half of the trigrams have it: add to every 16-bit count
        # what lifts "count > n / 2" into the lane's top bit, then read the 64 top bits.
        lift = (1 << (self.LANE - 1)) - ((total - 2) // 2 + 1)
        tops = ((ones + lift * self._LANES) >> (self.LANE - 1)) & self._LANES
        value = int(tops.to_bytes(128, "little")[::2][::-1].translate(self._BINARY), 2)
        return images.to_signed64(value)


# ---------------------------------------------------------------- photos


def draw_photo(seed: int, size=PHOTO_SIZE, taken: datetime.datetime | None = None) -> bytes:
    """A JPEG of coloured shapes on a gradient (no text), different for every ``seed``."""
    rng = random.Random(seed)
    w, h = size
    c1 = [rng.randrange(256) for _ in range(3)]
    c2 = [rng.randrange(256) for _ in range(3)]
    ramp = Image.linear_gradient("L").resize(size).rotate(rng.choice([0, 90, 180, 270]), expand=False)
    img = Image.merge(
        "RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255) for a, b in zip(c1, c2, strict=True)]
    )
    d = ImageDraw.Draw(img)
    for _ in range(rng.randint(6, 12)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randint(w // 16, w // 2), y0 + rng.randint(h // 16, h // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        k = rng.random()
        if k < 0.4:
            d.rectangle((x0, y0, x1, y1), fill=colour)
        elif k < 0.8:
            d.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            d.polygon([(rng.randrange(w), rng.randrange(h)) for _ in range(3)], fill=colour)
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[271] = rng.choice(["HUAWEI", "Xiaomi", "OPPO", "vivo", "Apple", "HONOR"])
    if taken is not None:
        exif[306] = f"{taken:%Y:%m:%d %H:%M:%S}"
    img.save(buf, "JPEG", quality=82, exif=exif)
    return buf.getvalue()


def resized_copy(data: bytes, factor=0.85) -> bytes:
    """The same picture, smaller and re-encoded (what a messenger app does to a photo)."""
    img = Image.open(io.BytesIO(data))
    exif = img.getexif()
    small = img.resize((int(img.width * factor), int(img.height * factor)))
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=75, exif=exif)
    return buf.getvalue()


# ---------------------------------------------------------------- branches


@dataclass(eq=False)
class BranchInfo:
    org: object
    profile: str  # key of PLACES
    upper_name: str
    members: list
    groups: list
    seats: list  # every term's seats, ordered as expected_attendees orders them
    demo: bool = False
    diligence: float = 1.0
    current_seats: list = field(default_factory=list)  # the term in office
    stable: list = field(default_factory=list)  # on the roster the whole window
    variable: list = field(default_factory=list)  # on the roster part of it
    former: list = field(default_factory=list)  # moved to another branch during the window
    moves: dict = field(default_factory=dict)  # member id -> (occurred_on, from_branch_id) in date order

    def branch_on(self, m, day):
        """Where ``m`` was on ``day``, read from the transfers as ``services.roster_on`` does."""
        return branch_on(self.moves.get(m.pk, ()), m.branch_id, day)

    def prepare(self, window_start, today):
        for m in [*self.members, *self.former]:
            active = m.standing == Standing.ACTIVE
            moved = any(on > window_start for on, _ in self.moves.get(m.pk, ()))
            if active and m.joined_on <= window_start and not moved and m.branch_id == self.org.pk:
                self.stable.append(m)
            elif m.joined_on <= today and (active or (m.left_on and m.left_on > window_start)):
                self.variable.append(m)
        self.stable_by_group = defaultdict(list)
        for m in self.stable:
            self.stable_by_group[m.party_group_id].append(m)

    def roster(self, day, group_id=None):
        """``services.roster_on`` (optionally one group's part) from the members in memory."""
        base = self.stable if group_id is None else self.stable_by_group[group_id]
        extra = [
            m
            for m in self.variable
            if m.joined_on <= day
            and (m.standing == Standing.ACTIVE or m.left_on > day)
            and (group_id is None or m.party_group_id == group_id)
            and self.branch_on(m, day) == self.org.pk
        ]
        return base + extra if extra else base

    def committee_on(self, day):
        seen, out = set(), []
        for s in self.seats:
            t = s.term
            if s.holder_id and t.elected_on <= day and (t.ended_on is None or t.ended_on > day):
                if s.holder_id not in seen:
                    seen.add(s.holder_id)
                    out.append(s.holder)
        return out

    def expected(self, type_, day, group=None):
        """(member, counts_for_quorum), as ``services.expected_attendees`` gives them."""
        if type_ == AT.COMMITTEE:
            return [(m, True) for m in self.committee_on(day)]
        if type_ == AT.GROUP:
            return [(m, True) for m in self.roster(day, group.pk)]
        people = self.roster(day)
        if type_ == AT.CONGRESS:
            return [
                (m, m.status == MemberStatus.FULL and m.full_member_on is not None and m.full_member_on <= day)
                for m in people
            ]
        return [(m, True) for m in people]

    def holder(self, *positions):
        for p in positions:
            for s in self.current_seats:
                if s.position == p and s.holder is not None:
                    return s.holder
        return None


def branch_infos(builder, window_start, today) -> list[BranchInfo]:
    """The live branches with members, from the builder's objects (already saved)."""
    groups = defaultdict(list)
    for g in builder.groups:
        groups[g.branch_id].append(g)
    seats = defaultdict(list)
    for s in builder.seats:
        seats[s.term.branch_id].append(s)
    moves = defaultdict(list)
    former = defaultdict(list)
    for t in sorted(builder.transfers, key=lambda t: t.occurred_on):  # stable: ties keep id order
        moves[t.member_id].append((t.occurred_on, t.from_branch_id))
        if t.from_branch_id and t.occurred_on > window_start and t.from_branch_id != t.member.branch_id:
            former[t.from_branch_id].append(t.member)
    out = []
    for b in builder.branches:
        org = b.org
        if org.status != OrgStatus.ACTIVE or not any(m.standing == Standing.ACTIVE for m in b.members):
            continue
        branch_seats = sorted(seats[org.pk], key=lambda s: (s.position, s.pk))
        info = BranchInfo(
            org=org,
            profile=PLACE_PROFILE.get(org.branch_type, "village"),
            upper_name=b.committee.name,
            members=b.members,
            groups=sorted(groups[org.pk], key=lambda g: g.name),
            seats=branch_seats,
            demo=b.spec.demo,
            former=list({id(m): m for m in former[org.pk]}.values()),
            moves=moves,
        )
        info.current_seats = [s for s in branch_seats if s.term.ended_on is None]
        info.prepare(window_start, today)
        out.append(info)
    return out


# ---------------------------------------------------------------- plan


@dataclass(eq=False)
class Plan:
    info: BranchInfo
    type: str
    held_on: datetime.date
    start_time: datetime.time
    group: object = None
    life_level: str = ""
    photos: int = 1
    short: bool = False  # quorum deliberately not met
    late_days: int = 0  # entered this many days after the activity (LATE_ENTRY when > 30)
    photo_shift: int = 0  # first photo taken this many days before the activity (PHOTO_TIME)
    reuse_photo_of: "Plan | None" = None  # first photo is the first photo of that record
    reuse_resized: bool = False
    copy_text_of: "Plan | None" = None  # minutes copied from that record (SIMILAR_TEXT)
    order: int = 0
    # filled while writing
    content: str = ""
    pieces: list = field(default_factory=list)
    topic: str = ""
    photo_data: list = field(default_factory=list)
    activity_id: int | None = None

    @property
    def sort_key(self):
        return (self.held_on, self.start_time, self.order)


def _months(start, today):
    y, m = start.year, start.month
    while (y, m) <= (today.year, today.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _last_day(y, m):
    return (D(y + (m == 12), m % 12 + 1, 1) - days(1)).day


class Planner:
    """Which activities each branch held, on which day; deliberate gaps and defects."""

    def __init__(self, rng, today, window_start):
        self.rng, self.today, self.window_start = rng, today, window_start
        self._order = itertools.count()

    def _day(self, y, m, lo, hi):
        hi = min(hi, _last_day(y, m))
        return D(y, m, self.rng.randint(min(lo, hi), hi))

    def _time(self, info):
        return self.rng.choice(START_TIMES[info.profile])

    def _photos(self, info, type_):
        r = self.rng.random()
        if not info.demo and r < 0.03:
            return 0
        if type_ in (AT.COMMITTEE, AT.GROUP):
            return 1 if r < 0.9 else 2
        return 1 if r < 0.5 else 2 if r < 0.9 else 3

    def branch(self, info, *, skip_month=None) -> list[Plan]:
        rng, today = self.rng, self.today
        founded = info.org.founded_on or self.window_start
        start = max(self.window_start, founded)
        out = []

        def held():
            return info.demo or rng.random() < info.diligence

        def add(type_, day, group=None, start_time=None):
            if day >= today or day < start:  # up to yesterday: what was held has been recorded
                return None
            p = Plan(info, type_, day, start_time or self._time(info), group, order=next(self._order))
            p.photos = self._photos(info, type_)
            p.short = not info.demo and rng.random() < 0.02
            out.append(p)
            return p

        theme_day = rng.choice([5, 8, 10, 12, 15, 18, 20, 25])
        for y, m in _months(start, today):
            first = D(y, m, 1)
            if held() and (y, m) != skip_month:
                day = self._day(y, m, 2, 12)
                if len(info.committee_on(day)) >= 2:
                    add(AT.COMMITTEE, day)
            if held():
                add(AT.THEME_DAY, first.replace(day=min(_last_day(y, m), max(1, theme_day + rng.randint(-2, 2)))))
            for g in info.groups:
                if held():
                    add(AT.GROUP, self._day(y, m, 8, 26), group=g)
        # quarters: 党员大会, 党课 (often the same afternoon); only this year's quarters
        this_year = today.year
        for q in range(4):
            months = [mm for mm in range(3 * q + 1, 3 * q + 4) if D(this_year, mm, 1) <= today]
            if not months:
                continue
            congress = None
            if held():
                m = rng.choice(months)
                congress = add(AT.CONGRESS, self._day(this_year, m, 3, 25))
            if held():
                if congress is not None and rng.random() < 0.4:
                    t = congress.start_time
                    add(AT.LECTURE, congress.held_on, start_time=T(min(t.hour + 1, 21), t.minute))
                else:
                    add(AT.LECTURE, self._day(this_year, rng.choice(months), 3, 27))
        # 组织生活会: the year's meeting in January–February, a special one in July–October;
        # 民主评议党员 a few days after the first.
        life1 = None
        if held():
            life1 = add(AT.LIFE, self._day(this_year, rng.choice([1, 2]), 6, 26))
        if held():
            add(AT.LIFE, self._day(this_year, rng.choice([7, 8, 9, 10]), 5, 26))
        if held():
            base = life1.held_on if life1 else self._day(this_year, 2, 10, 25)
            add(AT.APPRAISAL, base + days(rng.randint(1, 20)))
        for _ in range(rng.randint(2, 6)):
            y, m = rng.choice(list(_months(start, today)))
            add(AT.SERVICE, self._day(y, m, 1, 28))
        for p in out:
            if p.type == AT.LIFE:
                p.life_level = LifeMeetingLevel.BRANCH.value
        return out


# ---------------------------------------------------------------- minutes


def _person_name(rng):
    female = rng.random() < 0.35
    return _SURNAME.pick(rng) + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)


class Writer:
    """Topic, place, minutes and the other text fields of one record, as the branch would type them."""

    def __init__(self, rng):
        self.rng = rng
        self._upper_people = {}

    def _names(self, marks, k, exclude=()):
        present = [m.name for m, _, status, _ in marks if status == AttendanceStatus.PRESENT and m.name not in exclude]
        if len(present) < k:
            return present
        return self.rng.sample(present, k)

    def upper_person(self, upper):
        if upper not in self._upper_people:
            self._upper_people[upper] = [(_person_name(self.rng), self.rng.choice(UPPER_TITLES)) for _ in range(3)]
        return self.rng.choice(self._upper_people[upper])

    def topic(self, p) -> str:
        rng, m = self.rng, p.held_on.month
        t = p.type
        if t == AT.COMMITTEE:
            pool = COMMITTEE_TOPICS + (VILLAGE_COMMITTEE_TOPICS if p.info.profile == "village" else [])
            return rng.choice(pool).format(m=m, season=SEASONS[m], project=rng.choice(PROJECTS))
        if t == AT.GROUP:
            return f"{p.group.name}：" + rng.choice(GROUP_TOPICS).format(study=rng.choice(STUDY), n=rng.randint(1, 11))
        if t == AT.CONGRESS:
            return rng.choice(CONGRESS_TOPICS[(m - 1) // 3])
        if t == AT.LECTURE:
            return rng.choice(LECTURE_TITLES)
        if t == AT.LIFE:
            if m <= 3:
                return f"{p.held_on.year - 1}年度组织生活会"
            return rng.choice(
                ["专题组织生活会", "围绕学习贯彻上级精神召开专题组织生活会", "“强党性 守纪律”专题组织生活会"]
            )
        if t == AT.APPRAISAL:
            return f"{p.held_on.year - 1 if m <= 6 else p.held_on.year}年度民主评议党员"
        if t == AT.THEME_DAY:
            return rng.choice(MONTH_THEMES[m])
        return rng.choice(list(SERVICES))

    def place(self, p) -> str:
        rng = self.rng
        if p.type == AT.THEME_DAY and rng.random() < 0.25:
            return rng.choice(RED_SITES)
        if p.type == AT.SERVICE:
            return rng.choice(["辖区各网格", "辖区主要道路", "居民小区", "村（社区）广场", "农户家中", "企业车间"])
        if p.type == AT.GROUP and rng.random() < 0.3:
            return rng.choice(["组长家中", "小组活动点", "车间休息室", "党员之家"])
        return rng.choice(PLACES[p.info.profile])

    def record(self, p: Plan, marks) -> dict:
        """``marks``: (member, counts_for_quorum, status, reason) for everyone expected."""
        rng, info, t = self.rng, p.info, p.type
        secretary = info.holder(Position.SECRETARY, Position.DEPUTY, Position.ORGANIZATION)
        recorder_m = info.holder(Position.ORGANIZATION, Position.PROPAGANDA, Position.DEPUTY)
        host = secretary.name if secretary else (marks[0][0].name if marks else "")
        recorder = recorder_m.name if recorder_m and recorder_m is not secretary else ""
        if t == AT.GROUP:
            leader = getattr(p.group, "leader", None)
            host = leader.name if leader else host
            others = self._names(marks, 1, exclude=(host,))
            recorder = others[0] if others else recorder
        if not recorder:
            others = self._names(marks, 1, exclude=(host,))
            recorder = others[0] if others else host
        expected = len(marks)
        present = sum(1 for *_, s, _ in marks if s == AttendanceStatus.PRESENT)
        leave = sum(1 for *_, s, _ in marks if s == AttendanceStatus.LEAVE)
        absent = expected - present - leave
        topic = self.topic(p)
        place = self.place(p)
        type_name = {
            AT.THEME_DAY: "主题党日活动",
            AT.SERVICE: "联系服务群众活动",
            AT.APPRAISAL: "民主评议党员会议",
            AT.GROUP: "党小组会",
        }.get(t, AT(t).label)
        where = info.org.name if t != AT.GROUP else f"{info.org.name}{p.group.name}"
        v = {
            "date": cn_date(p.held_on),
            "time": f"{p.start_time:%H:%M}",
            "where": where,
            "place": place,
            "kind": type_name,
            "host": host,
            "rec": recorder,
            "e": expected,
            "p": present,
            "verb": "组织" if t == AT.LECTURE else "开展" if t in (AT.THEME_DAY, AT.SERVICE) else "召开",
        }
        pieces = _fill("{date}{time}，{where}在{place}{verb}{kind}，{host}主持，{rec}记录。应到{e}人，实到{p}人", v)
        if leave:
            pieces += ["，请假", str(leave), "人"]
        if absent:
            pieces += ["，缺席", str(absent), "人"]
        pieces.append("。")
        data = {
            "type": t,
            "party_group": p.group,
            "held_on": p.held_on,
            "start_time": p.start_time,
            "place": place,
            "form": ActivityForm.OFFLINE,
            "host": host,
            "recorder": recorder,
            "topic": topic,
            "decisions": "",
            "lecturer": "",
            "lecturer_role": "",
            "life_level": p.life_level,
            "team_check": "",
            "personal_check": "",
            "minutes_filed": False,
            "minutes_filed_on": None,
        }
        if t in (AT.COMMITTEE, AT.GROUP) and rng.random() < 0.04:
            data["form"] = ActivityForm.MIXED
        pieces += getattr(self, f"_body_{t}")(p, data, marks, present)
        closing = rng.choice(ACTIVITY_CLOSINGS if t in (AT.THEME_DAY, AT.SERVICE) else CLOSINGS)
        pieces += _fill(closing, {"host": host})
        p.pieces = pieces
        data["content"] = "".join(pieces)
        return data

    # each body returns pieces and may set fields of ``data``

    def _speakers(self, marks, host, k=2):
        return self._names(marks, k, exclude=(host,))

    def _body_committee(self, p, data, marks, present):
        rng = self.rng
        m = p.held_on.month
        out = _fill("会议围绕“{topic}”进行研究。", {"topic": data["topic"]})
        names = self._speakers(marks, data["host"], 3) + ["组织委员"] * 3
        reports = rng.sample(ACT_REPORTS, 2)
        out += _fill("{a}通报了上月工作情况：", {"a": names[0]})
        for (report, lo, hi), end in zip(reports, "，。", strict=True):
            out += _fill(report + end, {"n": rng.randint(lo, hi)})
        options = [
            (
                "会议传达学习了{u}关于{w}的部署要求，{a}就贯彻落实提出具体分工。",
                {"u": rng.choice(UPPER_BODIES), "w": SEASONS[m] + "工作", "a": names[1]},
            ),
            (
                "会议讨论了入党积极分子{x}的培养考察情况，同意列为发展对象，报{u}预审。",
                {"x": names[2], "u": rng.choice(UPPER_BODIES)},
            ),
            (
                "会议听取了党费收缴情况汇报，截至{m}月底应交党费{f}元，实交{f}元。",
                {"m": m, "f": f"{rng.randint(300, 9000)}.{rng.randint(0, 9)}0"},
            ),
            (
                "会议研究了{m2}月主题党日活动方案，确定以“{th}”为主题，由{a}负责组织。",
                {"m2": m % 12 + 1, "th": rng.choice(MONTH_THEMES[m % 12 + 1]), "a": names[1]},
            ),
            (
                "会议对{pr}工作进行了讲评，{k}名党员获评“{pr}”示范岗。",
                {"pr": rng.choice(PROGRAMS), "k": rng.randint(1, 6)},
            ),
            ("会议按照分工，明确每名支委联系{k}名党员、{h}户群众。", {"k": rng.randint(3, 9), "h": rng.randint(5, 30)}),
            (
                "会议梳理了群众反映的{i}等问题{k}条，逐条明确责任人和办结时限。",
                {"i": rng.choice(ISSUES), "k": rng.randint(2, 12)},
            ),
        ]
        if p.info.profile == "village":
            options.append(
                ("会议按照“四议两公开”程序，讨论了{pj}，形成初步意见提交党员大会审议。", {"pj": rng.choice(PROJECTS)})
            )
        for tpl, vals in rng.sample(options, rng.randint(2, 3)):
            out += _fill(tpl, vals)
        decisions = [
            f"由{names[1]}牵头落实{rng.choice(PROGRAMS)}工作",
            f"{m % 12 + 1}月上旬召开党员大会",
            "按时完成党费收缴并公示",
            f"走访慰问困难党员{rng.randint(2, 8)}名",
            f"开展{SEASONS[m]}检查",
            "党务公开栏月底前更新",
        ]
        data["decisions"] = "；".join(f"{i}．{d}" for i, d in enumerate(rng.sample(decisions, 2), 1)) + "。"
        return out

    def _body_group(self, p, data, marks, present):
        rng = self.rng
        names = self._speakers(marks, data["host"], 3) + ["组员"] * 3
        out = _fill("组长{h}领学了{s}，", {"h": data["host"], "s": rng.choice(STUDY)})
        out += _fill("{a}、{b}结合工作谈了体会。", {"a": names[0], "b": names[1]})
        options = [
            ("{a}发言说：“{q}。”", {"a": names[2], "q": rng.choice(QUOTES)}),
            ("会议通报了本小组党员参加志愿服务情况，本月累计服务{k}人次。", {"k": rng.randint(3, 40)}),
            ("小组成员对照党员积分细则进行了互评，{a}、{b}得分靠前。", {"a": names[0], "b": names[2]}),
            (
                "会议收集群众反映的{i}等问题{k}条，汇总后报支委会研究。",
                {"i": rng.choice(ISSUES), "k": rng.randint(1, 6)},
            ),
            (
                "组长布置了下月任务：做好{pr}工作，每人至少走访联系户{k}户。",
                {"pr": rng.choice(PROGRAMS), "k": rng.randint(2, 6)},
            ),
            (
                "大家观看了{th}专题片，时长约{k}分钟。",
                {"th": rng.choice(["先进典型", "警示教育", "党史教育", "红色故事"]), "k": rng.randint(15, 45)},
            ),
        ]
        for tpl, vals in rng.sample(options, rng.randint(2, 3)):
            out += _fill(tpl, vals)
        return out

    def _body_congress(self, p, data, marks, present):
        rng = self.rng
        voters = sum(1 for _, counts, _, _ in marks if counts)
        voting = sum(1 for _, counts, s, _ in marks if counts and s == AttendanceStatus.PRESENT)
        names = self._speakers(marks, data["host"], 3) + ["党员"] * 3
        out = _fill(
            "会议传达学习了{u}{d}精神。",
            {
                "u": rng.choice(UPPER_BODIES),
                "d": rng.choice(["年度工作会议", "全会", "关于加强党员教育管理的通知", "党建工作要点"]),
            },
        )
        out += _fill("{h}通报了支部前阶段工作情况和下一步安排。", {"h": data["host"]})
        options = [
            (
                "会议讨论了{a}同志的入党申请，有表决权的正式党员{q}人，到会{k}人，经举手表决，同意{k}票，"
                "同意接收{a}同志为预备党员，报上级党组织审批。",
                {"a": names[0], "q": voters, "k": voting},
            ),
            ("会议讨论了预备党员{a}同志的转正申请，经表决，同意{a}同志按期转为正式党员。", {"a": names[1]}),
            (
                "会议审议通过了《{doc}》。",
                {
                    "doc": rng.choice(
                        ["支部年度工作计划", "党员积分管理办法（修订稿）", "党员志愿服务实施方案", "困难党员帮扶方案"]
                    )
                },
            ),
            ("会议通报了党费收缴情况，{k}名党员均按时足额交纳党费。", {"k": present}),
            ("{a}、{b}分别作了发言，表示将带头落实支部各项部署。", {"a": names[1], "b": names[2]}),
        ]
        for tpl, vals in rng.sample(options, rng.randint(2, 3)):
            out += _fill(tpl, vals)
        data["decisions"] = rng.choice(
            ["通过支部工作安排。", "同意有关人选，报上级党组织审批。", "审议通过有关文件，会后印发执行。"]
        )
        return out

    def _body_lecture(self, p, data, marks, present):
        rng, info = self.rng, p.info
        r = rng.random()
        if r < 0.5:
            lecturer, role, intro = data["host"], LecturerRole.BRANCH_LEADER, f"书记{data['host']}"
        elif r < 0.7:
            name, title = self.upper_person(info.upper_name)
            lecturer, role, intro = name, LecturerRole.UPPER_LEADER, f"{info.upper_name}{title}{name}"
        elif r < 0.9:
            names = self._speakers(marks, data["host"], 1) or [data["host"]]
            lecturer, role, intro = names[0], LecturerRole.MEMBER, f"党员{names[0]}"
        else:
            name, title = _person_name(rng), rng.choice(GUESTS)
            lecturer, role, intro = name, LecturerRole.GUEST, f"{title}{name}"
        data["lecturer"], data["lecturer_role"] = lecturer, role
        parts = rng.sample(
            [
                "坚定理想信念",
                "严守纪律规矩",
                "践行群众路线",
                "勇于担当作为",
                "提升履职本领",
                "弘扬优良作风",
                "推动高质量发展",
                "加强自身修养",
            ],
            3,
        )
        out = _fill(
            "{i}以“{t}”为题讲授党课，从{a}、{b}、{c}三个方面进行了阐述。",
            {"i": intro, "t": data["topic"], "a": parts[0], "b": parts[1], "c": parts[2]},
        )
        out += _fill(
            "授课中讲述了{s}的事迹，引导党员{x}。",
            {
                "s": rng.choice(
                    [
                        "张太雷、瞿秋白、恽代英“常州三杰”",
                        "身边的优秀共产党员",
                        "抗洪一线党员突击队",
                        "扎根基层的老支书",
                        "“时代楷模”",
                        "本地先进党组织",
                    ]
                ),
                "x": rng.choice(
                    ["对标先进、见贤思齐", "立足岗位、争创一流", "坚守初心、服务群众", "守住底线、不越红线"]
                ),
            },
        )
        names = self._speakers(marks, lecturer, 2)
        if len(names) == 2:
            out += _fill("课后，{a}、{b}谈了学习体会。", {"a": names[0], "b": names[1]})
        out += _fill("本次党课时长约{k}分钟。", {"k": rng.choice([45, 50, 60, 70, 90])})
        return out

    def _body_life(self, p, data, marks, present):
        rng = self.rng
        k_opinions, k_crit, k_fix = rng.randint(5, 30), rng.randint(present, present * 3 + 2), rng.randint(3, 9)
        out = _fill(
            "会前，支部通过发放征求意见表、个别访谈等方式征求意见建议{a}条，支委之间、支委与党员之间开展谈心谈话。",
            {"a": k_opinions},
        )
        out += _fill(
            "会上，{h}代表支委班子作对照检查，并带头开展批评和自我批评；党员逐一对照检查，相互提出批评意见{b}条。",
            {"h": data["host"], "b": k_crit},
        )
        out += _fill("会议梳理整改事项{c}项，明确责任人和完成时限。", {"c": k_fix})
        data["team_check"] = "".join(
            _fill(
                "对照检查发现：一是{a}；二是{b}；三是{c}。下一步将{d}。",
                {
                    "a": rng.choice(["理论学习深度不够", "学用结合不紧", "学习形式较为单一"]),
                    "b": rng.choice(["联系服务群众不够经常", "解决群众急难愁盼问题办法不多", "走访覆盖不全"]),
                    "c": rng.choice(["党员教育管理不够严格", "组织生活质量有待提高", "发展党员工作力度不够"]),
                    "d": rng.choice(["建立问题清单、逐项销号", "完善学习制度、压实责任", "每季度检查一次整改进展"]),
                },
            )
        )
        data["personal_check"] = "".join(
            _fill(
                "本人存在{a}、{b}等问题，今后将{c}。",
                {
                    "a": rng.choice(["学习不够系统", "抓落实不够有力", "调查研究不够深入"]),
                    "b": rng.choice(["工作方法简单", "对党员思想动态掌握不够", "批评与自我批评辣味不足"]),
                    "c": rng.choice(["加强学习、以身作则", "带头深入群众、改进作风", "严格要求自己、接受监督"]),
                },
            )
        )
        filed = p.held_on + days(rng.randint(3, 12))
        if filed <= timezone.localdate():
            data["minutes_filed"], data["minutes_filed_on"] = True, filed
        return out

    def _body_appraisal(self, p, data, marks, present):
        rng = self.rng
        excellent = max(1, round(present * rng.uniform(0.1, 0.2))) if present else 0
        basic = 1 if present > 12 and rng.random() < 0.3 else 0
        ok = max(0, present - excellent - basic)
        return _fill(
            "会议按照个人自评、党员互评、民主测评的程序开展评议，发放测评票{n}张，收回{n}张。"
            "经支委会研究，评定优秀等次党员{a}名、合格等次{b}名、基本合格{c}名，评议结果将在党务公开栏公示。",
            {"n": present, "a": excellent, "b": ok, "c": basic},
        )

    def _body_theme_day(self, p, data, marks, present):
        rng = self.rng
        out = _fill("活动以“{t}”为主题，", {"t": data["topic"]})
        out += _fill(
            "首先集体{a}，随后{b}。",
            {
                "a": rng.choice(["重温入党誓词", "学习上级部署要求", "诵读党章", "观看红色影片片段", "交纳党费"]),
                "b": rng.choice(
                    ["分组开展志愿服务", "参观学习并交流体会", "开展集中学习讨论", "走访慰问困难群众", "开展知识测试"]
                ),
            },
        )
        names = self._speakers(marks, data["host"], 2) + ["党员"] * 2
        out += _fill(
            "{a}、{b}等党员带头参与，共服务群众{k}人次。", {"a": names[0], "b": names[1], "k": rng.randint(10, 200)}
        )
        if rng.random() < 0.5:
            out += _fill("活动现场发放宣传资料{k}份。", {"k": rng.randint(50, 600)})
        return out

    def _body_service(self, p, data, marks, present):
        act = SERVICES.get(data["topic"], "走访慰问辖区困难群众{k}户")
        numbers = {"n": present, "k": self.rng.randint(8, 80), "t": self.rng.randint(2, 12)}
        return _fill("支部组织党员志愿者{n}人，" + act + "。", numbers)


# ---------------------------------------------------------------- attendance


def mark_attendance(rng, expected, *, short=False):
    """(member, counts, status, reason) for each expected person: most present, some on leave."""
    out = []
    for m, counts in expected:
        r = rng.random()
        if m.is_lost:
            status, reason = AttendanceStatus.ABSENT, ""
        elif m.is_flowing and m.flow_direction == "out" and r < 0.8:
            status, reason = AttendanceStatus.LEAVE, rng.choice(FLOW_LEAVE)
        elif m.is_hardship and r < 0.35:
            status, reason = AttendanceStatus.LEAVE, rng.choice(OLD_LEAVE)
        elif r < 0.875:
            status, reason = AttendanceStatus.PRESENT, ""
        elif r < 0.97:
            status, reason = AttendanceStatus.LEAVE, rng.choice(LEAVE_REASONS)
        else:
            status, reason = AttendanceStatus.ABSENT, ""
        out.append([m, counts, status, reason])
    base = sum(1 for x in out if x[1])
    if short and base >= 3:
        # Well under half of those counting for the quorum came.
        keep = max(0, base // 2 - 1)
        seen = 0
        for x in out:
            if x[1]:
                seen += 1
                if seen > keep and x[2] == AttendanceStatus.PRESENT:
                    x[2], x[3] = AttendanceStatus.LEAVE, rng.choice(LEAVE_REASONS)
    elif not short and base:
        # An ordinary meeting meets its quorum: bring back people on leave if needed.
        for x in out:
            present = sum(1 for y in out if y[1] and y[2] == AttendanceStatus.PRESENT)
            if present * 2 > base:
                break
            if x[1] and x[2] != AttendanceStatus.PRESENT and not x[0].is_lost:
                x[2], x[3] = AttendanceStatus.PRESENT, ""
    return [tuple(x) for x in out]


def counts_of(marks) -> dict:
    present = sum(1 for _, _, s, _ in marks if s == AttendanceStatus.PRESENT)
    base = sum(1 for _, c, _, _ in marks if c)
    quorum_present = sum(1 for _, c, s, _ in marks if c and s == AttendanceStatus.PRESENT)
    return {
        "expected_count": len(marks),
        "present_count": present,
        "leave_count": sum(1 for _, _, s, _ in marks if s == AttendanceStatus.LEAVE),
        "quorum_base": base,
        "quorum_present": quorum_present,
        "quorum_met": base > 0 and quorum_present * 2 > base,
    }


# ---------------------------------------------------------------- anomalies


def _entered_at(rng, p: Plan, today):
    """When the record was typed in: the same evening or within a few days (never later than
    yesterday, so the same seed on the same day gives the same rows), unless entered late."""
    delay = p.late_days or rng.choice([0, 0, 0, 1, 1, 2, 3, 5])
    day = min(p.held_on + days(delay), today - days(1))
    if day == p.held_on:
        hour = rng.randint(min(p.start_time.hour + 2, 22), 23)
    else:
        hour = rng.randint(8, 21)
    return timezone.make_aware(datetime.datetime.combine(day, T(hour, rng.randrange(60))))


def _pick_anomalies(rng, plans, today, *, late=4, photo_time=2, reused=2, similar=2):
    """Mark records for each kind of flag, outside the demo branch (which gets one late entry)."""
    pool = [p for p in plans if not p.info.demo]
    old = [p for p in pool if p.held_on <= today - days(45)]
    for p in rng.sample(old, min(late, len(old))):
        p.late_days = rng.randint(32, min(80, (today - p.held_on).days - 1))
    demo = [p for p in plans if p.info.demo and p.held_on <= today - days(45) and p.type == AT.THEME_DAY]
    if demo:
        p = rng.choice(demo)
        p.late_days = rng.randint(32, min(70, (today - p.held_on).days - 1))
    with_photos = [p for p in pool if p.photos and not p.late_days]
    for p in rng.sample(with_photos, min(photo_time, len(with_photos))):
        p.photo_shift = rng.randint(90, 400)
    used = {id(p) for p in plans if p.late_days or p.photo_shift}
    for kind, n in (("photo", reused), ("text", similar)):
        for i in range(n):
            for _ in range(200):
                a, b = rng.sample(with_photos, 2)
                if a.info is b.info or id(a) in used or id(b) in used:
                    continue
                if a.sort_key > b.sort_key:
                    a, b = b, a
                if kind == "text" and (a.type != b.type or a.type == AT.GROUP):
                    continue
                used.update((id(a), id(b)))
                if kind == "photo":
                    b.reuse_photo_of, b.reuse_resized = a, i % 2 == 1
                else:
                    b.copy_text_of = a
                break


def _nearly_the_same(content, held_on, new_held_on):
    """Minutes copied from another record with the date changed — or verbatim, should the
    new date move the text beyond what the similarity check calls nearly identical."""
    copied = content.replace(cn_date(held_on), cn_date(new_held_on), 1)
    h_a, h_b = textsim.simhash(content), textsim.simhash(copied)
    if h_a is None or h_b is None or images.hamming(h_a, h_b) > textsim.MAX_DISTANCE:
        return content
    return copied


@contextmanager
def _phase(log, label):
    t = time.perf_counter()
    yield
    log(f"  {label}：{time.perf_counter() - t:.2f} 秒")


# ---------------------------------------------------------------- small demo


def _seed_small(builder, rng, today, window_start, log) -> dict:
    actor = builder.actor
    infos = branch_infos(builder, window_start, today)
    planner, writer = Planner(rng, today, window_start), Writer(rng)
    plans = []
    for info in infos:
        skip = None
        if info.demo:
            skip = (today.year, max(1, today.month - 3))  # the demo branch's one missed 支委会
        else:
            info.diligence = rng.choice([0.98, 0.97, 0.95, 0.95, 0.92, 0.9, 0.85, 0.8, 0.7])
        plans += planner.branch(info, skip_month=skip)
    plans.sort(key=lambda p: p.sort_key)
    _pick_anomalies(rng, plans, today)
    photos = attendance = 0
    # The service queues each record's integrity check for after the commit (a Celery task,
    # eager without Redis). The entry times are moved back below, inside this transaction,
    # so the checks see them: only the deliberate late entries are flagged.
    with transaction.atomic():
        with _phase(log, f"组织生活记录 {len(plans):,} 条（逐条经 activity_create 写入，含照片检查）"):
            for p in plans:
                # The same list as services.expected_attendees, from the members in memory.
                marks = mark_attendance(rng, p.info.expected(p.type, p.held_on, p.group), short=p.short)
                data = writer.record(p, marks)
                if p.copy_text_of is not None:
                    data["content"] = _nearly_the_same(p.copy_text_of.content, p.copy_text_of.held_on, p.held_on)
                    data["topic"] = p.copy_text_of.topic
                p.content, p.topic = data["content"], data["topic"]
                uploads = [_upload(rng, p, i) for i in range(p.photos)]
                a = services.activity_create(
                    actor=actor,
                    branch=p.info.org,
                    data=data,
                    attendance={m.pk: (status, reason) for m, _, status, reason in marks},
                    photos=uploads,
                )
                p.activity_id = a.pk
                photos += len(uploads)
                attendance += len(marks)
        with _phase(log, "录入时间回填到活动后不久（含历史记录）"):
            entered = {p.activity_id: _entered_at(rng, p, today) for p in plans}
            objs = [Activity(pk=pk, created_at=at, updated_at=at) for pk, at in entered.items()]
            Activity.objects.bulk_update(objs, ["created_at", "updated_at"], batch_size=500)
            _backdate_history(list(entered))
    _log_flags_after_commit(log)
    return {"activities": len(plans), "attendance": attendance, "photos": photos}


def _upload(rng, p: Plan, i: int) -> SimpleUploadedFile:
    """Photo ``i`` of record ``p`` as a phone would upload it: a new picture, or a reused one."""
    shot = timezone.make_aware(datetime.datetime.combine(p.held_on, p.start_time)) + days(minutes=rng.randint(5, 80))
    if i == 0 and p.photo_shift:
        shot -= days(p.photo_shift)
    with_exif = rng.random() < 0.85 or (i == 0 and p.photo_shift)
    photo_seed = rng.getrandbits(64)
    if i == 0 and p.reuse_photo_of is not None and p.reuse_photo_of.photo_data:
        original = p.reuse_photo_of.photo_data[0]
        blob = resized_copy(original) if p.reuse_resized else original
    else:
        blob = draw_photo(photo_seed, taken=timezone.localtime(shot) if with_exif else None)
    p.photo_data.append(blob)
    return SimpleUploadedFile(f"IMG_{timezone.localtime(shot):%Y%m%d_%H%M%S}_{i + 1}.jpg", blob, "image/jpeg")


def _log_flags_after_commit(log):
    def report():
        counts = defaultdict(int)
        for kind in IntegrityFlag.objects.values_list("kind", flat=True):
            counts[kind] += 1
        detail = "，".join(f"{FlagKind(k).label} {n}" for k, n in sorted(counts.items()))
        log(f"  异常提示 {sum(counts.values())} 条：{detail or '无'}")

    transaction.on_commit(report)


def _backdate_history(ids):
    """The history rows and photo upload times of seeded records carry their entry time."""
    entered = Activity.objects.filter(pk=OuterRef("activity_id")).values("created_at")[:1]
    HActivity = Activity.history.model
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        HActivity.objects.filter(id__in=chunk).update(
            history_date=Subquery(Activity.objects.filter(pk=OuterRef("id")).values("created_at")[:1])
        )
        Attendance.history.model.objects.filter(activity_id__in=chunk).update(history_date=Subquery(entered))
        Photo.objects.filter(activity_id__in=chunk).update(uploaded_at=Subquery(entered))
        Photo.history.model.objects.filter(activity_id__in=chunk).update(
            history_date=Subquery(entered), uploaded_at=Subquery(entered)
        )


# ---------------------------------------------------------------- district scale


class _Tables:
    """Row writer: PostgreSQL COPY, or bulk_create elsewhere. Rows are dicts by attname."""

    def __init__(self):
        self.pg = connection.vendor == "postgresql"
        self._next = {}
        self._columns = {}

    def columns(self, model):
        cols = self._columns.get(model)
        if cols is None:
            cols = []
            for f in model._meta.concrete_fields:
                if f.primary_key and f.attname != "id":
                    continue  # history_id: the database numbers history rows
                cols.append((f.column, f.attname, f.get_default()))
            self._columns[model] = cols
        return cols

    def reserve(self, model, n) -> int:
        """The first of ``n`` consecutive free ids of ``model``'s table."""
        table = model._meta.db_table
        if n == 0:
            return 0
        if self.pg:
            # The seed holds the only writer (organizations were empty), so a block of ids is safe.
            with connection.cursor() as c:
                c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = c.fetchone()[0]
                c.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [seq, seq, n])
                last = c.fetchone()[0]
            return last - n + 1
        if model not in self._next:
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            self._next[model] = top + 1
        first = self._next[model]
        self._next[model] += n
        return first

    def write(self, model, rows):
        if not rows:
            return
        cols = self.columns(model)
        if self.pg:
            qn = connection.ops.quote_name
            sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c, _, _ in cols)}) FROM STDIN"
            with connection.cursor() as c, c.cursor.copy(sql) as copy:
                for r in rows:
                    copy.write_row([r.get(a, d) for _, a, d in cols])
        else:
            model.objects.bulk_create([model(**{a: r.get(a, d) for _, a, d in cols}) for r in rows], batch_size=500)

    def write_tuples(self, model, attnames, rows):
        """Fast path for narrow tables: ``rows`` are tuples in ``attnames`` order."""
        if not rows:
            return
        if self.pg:
            qn = connection.ops.quote_name
            fields = {f.attname: f.column for f in model._meta.concrete_fields}
            sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(fields[a]) for a in attnames)}) FROM STDIN"
            with connection.cursor() as c, c.cursor.copy(sql) as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            model.objects.bulk_create([model(**dict(zip(attnames, r, strict=True))) for r in rows], batch_size=500)


def _pool_photos(rng, n):
    """``n`` generated pictures stored once (original, display, thumbnail), shared by the rows."""
    pool = []
    for i in range(n):
        blob = draw_photo(rng.getrandbits(64))
        p = images.check_and_process(SimpleUploadedFile(f"pool-{i:03d}.jpg", blob, "image/jpeg"))
        names = {}
        for variant, content in (("original", p.original), ("display", p.display), ("thumb", p.thumb)):
            name = f"photos/{variant}/demo-pool/{i:03d}.jpg"
            if private_storage.exists(name):
                private_storage.delete(name)
            names[variant] = private_storage.save(name, content)
        pool.append((names, p.width, p.height))
    return pool


def _seed_district(builder, rng, today, window_start, log) -> dict:
    actor = builder.actor
    tables = _Tables()
    infos = branch_infos(builder, window_start, today)
    planner, writer, simhash = Planner(rng, today, window_start), Writer(rng), PieceSimhash()
    with _phase(log, "照片素材"):
        pool = _pool_photos(rng, min(POOL_SIZE, max(12, 2 * len(infos))))
    for info in infos:
        info.diligence = 1.0 if info.demo else rng.choice([0.99, 0.98, 0.97, 0.95, 0.93, 0.9, 0.85, 0.7])
    HActivity, HAttendance, HPhoto = Activity.history.model, Attendance.history.model, Photo.history.model
    att_cols = ("id", "activity_id", "member_id", "status", "leave_reason", "counts_for_quorum")
    hatt_cols = att_cols + ("history_date", "history_change_reason", "history_type", "history_user_id")
    history = {"history_change_reason": CHANGE_REASON, "history_type": "+", "history_user_id": actor.pk}
    totals, timing = defaultdict(int), defaultdict(float)
    special = []  # records whose integrity is checked once everything is written
    for chunk, c0 in enumerate(range(0, len(infos), CHUNK_BRANCHES)):
        t0 = time.perf_counter()
        plans = []
        for info in infos[c0 : c0 + CHUNK_BRANCHES]:
            plans += planner.branch(info)
        for p in plans:
            if not p.info.demo and p.held_on <= today - days(40) and rng.random() < 0.002:
                p.late_days = rng.randint(31, min(90, (today - p.held_on).days - 1))
            if not p.info.demo and p.photos and rng.random() < 0.0003:
                p.photo_shift = rng.randint(60, 400)
        first_activity = tables.reserve(Activity, len(plans))
        activity_rows, att_rows, photo_rows = [], [], []
        for i, p in enumerate(plans):
            pk = p.activity_id = first_activity + i
            marks = mark_attendance(rng, p.info.expected(p.type, p.held_on, p.group), short=p.short)
            data = writer.record(p, marks)
            h = simhash(p.pieces)
            at = _entered_at(rng, p, today)
            row = {
                **data,
                "id": pk,
                "type": str(p.type),
                "branch_id": p.info.org.pk,
                "party_group_id": p.group.pk if p.group else None,
                "created_by_id": actor.pk,
                "created_at": at,
                "updated_at": at,
                "version": 1,
                "photo_count": p.photos,
                **_text_hash(h),
                **counts_of(marks),
            }
            del row["party_group"]
            activity_rows.append(row)
            for m, counts, status, reason in marks:
                att_rows.append((pk, m.pk, str(status), reason, counts))
            offset = rng.randrange(len(pool))
            for j in range(p.photos):
                names, w, hgt = pool[(offset + 7 * j) % len(pool)]
                shot = timezone.make_aware(datetime.datetime.combine(p.held_on, p.start_time)) + days(
                    minutes=rng.randint(5, 80)
                )
                if j == 0 and p.photo_shift:
                    shot -= days(p.photo_shift)
                phash = images.to_signed64(rng.getrandbits(64))
                b = images.hash_bands(phash)
                photo_rows.append(
                    {
                        "branch_id": p.info.org.pk,
                        "activity_id": pk,
                        "original": names["original"],
                        "display": names["display"],
                        "thumb": names["thumb"],
                        "width": w,
                        "height": hgt,
                        "taken_at": shot if (j == 0 and p.photo_shift) or rng.random() < 0.85 else None,
                        "phash": phash,
                        "band0": b[0],
                        "band1": b[1],
                        "band2": b[2],
                        "band3": b[3],
                        "sha256": f"{rng.getrandbits(256):064x}",
                        "original_name": f"IMG_{shot:%Y%m%d_%H%M%S}.jpg",
                        "uploaded_by_id": actor.pk,
                        "uploaded_at": at,
                        "owner_type_id": None,
                        "owner_id": None,
                    }
                )
            if p.late_days or p.photo_shift:
                special.append(pk)
        # A few photos shared with another branch, a few minutes copied from one (first chunks only).
        if chunk < 5:
            special += _share_photo(rng, photo_rows)
        if chunk < 3:
            special += _copy_text(rng, activity_rows)
        first_photo = tables.reserve(Photo, len(photo_rows))
        for k, r in enumerate(photo_rows):
            r["id"] = first_photo + k
        first_att = tables.reserve(Attendance, len(att_rows))
        att_rows = [(first_att + k, *r) for k, r in enumerate(att_rows)]
        timing["生成"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        tables.write(Activity, activity_rows)
        tables.write(HActivity, [{**r, "history_date": r["created_at"], **history} for r in activity_rows])
        timing["写入记录及历史"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tables.write_tuples(Attendance, att_cols, att_rows)
        timing["写入出勤"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        entered = {r["id"]: r["created_at"] for r in activity_rows}
        tables.write_tuples(
            HAttendance, hatt_cols, [(*r, entered[r[1]], CHANGE_REASON, "+", actor.pk) for r in att_rows]
        )
        timing["写入出勤历史"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        tables.write(Photo, photo_rows)
        tables.write(HPhoto, [{**r, "history_date": r["uploaded_at"], **history} for r in photo_rows])
        timing["写入照片及历史"] += time.perf_counter() - t0
        totals["activities"] += len(activity_rows)
        totals["attendance"] += len(att_rows)
        totals["photos"] += len(photo_rows)
    for label, seconds in timing.items():
        log(f"  组织生活记录·{label}：{seconds:.2f} 秒")
    with _phase(log, f"完整性检查（有意设置异常的 {len(set(special))} 条记录）"):
        if tables.pg:
            with connection.cursor() as c:
                for t in ("ledgers_activity", "ledgers_photo", "ledgers_integrityflag"):
                    c.execute(f"ANALYZE {t}")
        for pk in sorted(set(special)):
            services.activity_check_integrity(activity_id=pk)
    _log_flags_after_commit(log)
    return dict(totals)


def _text_hash(h):
    b = textsim.bands(h) if h is not None else [None] * 4
    return {"text_hash": h, "tband0": b[0], "tband1": b[1], "tband2": b[2], "tband3": b[3]}


def _share_photo(rng, photo_rows) -> list[int]:
    """One photo row becomes another branch's photo (same files and hashes): REUSED_PHOTO."""
    for _ in range(50):
        a, b = rng.sample(photo_rows, 2)
        if a["branch_id"] != b["branch_id"]:
            for k in (
                "original",
                "display",
                "thumb",
                "width",
                "height",
                "phash",
                "band0",
                "band1",
                "band2",
                "band3",
                "sha256",
            ):
                b[k] = a[k]
            return [a["activity_id"], b["activity_id"]]
    return []


def _copy_text(rng, activity_rows) -> list[int]:
    """One record's minutes copied from another branch's, only the date changed: SIMILAR_TEXT."""
    rows = [r for r in activity_rows if r["type"] not in (AT.GROUP, AT.SERVICE)]
    for _ in range(50):
        a, b = rng.sample(rows, 2)
        if a["branch_id"] != b["branch_id"] and a["type"] == b["type"]:
            b["content"] = _nearly_the_same(a["content"], a["held_on"], b["held_on"])
            b["topic"] = a["topic"]
            b.update(_text_hash(textsim.simhash(b["content"])))
            return [a["id"], b["id"]]
    return []


# ---------------------------------------------------------------- entry point


def seed_activities(builder, *, seed: int, scale: str = "demo", log=None) -> dict:
    """Activity records for the district ``builder`` just wrote. Call inside its transaction.

    Returns counts: activities, attendance, photos. The number of integrity flags is logged
    after the commit (the small demo's checks run then).
    """
    log = log or (lambda msg: None)
    rng = random.Random(f"activities:{seed}")
    today = builder.today
    window_start = D(today.year - 1, 12, 1)
    if scale == "district":
        return _seed_district(builder, rng, today, window_start, log)
    return _seed_small(builder, rng, today, window_start, log)


__all__ = ["PieceSimhash", "draw_photo", "seed_activities"]
