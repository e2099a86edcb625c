"""Demo data: a believable small district, or district scale for the benchmark.

Both scales run through one ``DemoBuilder``: it builds every row in memory (organizations
with their materialized paths, members, groups, terms, seats, transfers, sanctions), then
writes them table by table with ``bulk_create`` and bulk history rows, so 90,000 members
take seconds rather than an hour of per-row ``save()``. All randomness comes from one
``random.Random(seed)``: the same seed on the same day gives the same district.

Used by ``manage.py seed_demo`` and by ``bench/run.py``.
"""

import datetime
import itertools
import math
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from .models import (
    BranchType,
    CommitteeKind,
    CommitteeSeat,
    CommitteeTerm,
    FlowDirection,
    Gender,
    Member,
    MemberStatus,
    MemberTransfer,
    Occupation,
    Organization,
    OrgChange,
    OrgChangeKind,
    OrgKind,
    OrgStatus,
    PartyGroup,
    Position,
    RegionalKind,
    Role,
    RoleAssignment,
    Sanction,
    SanctionKind,
    Standing,
    TransferDirection,
    User,
    add_years,
)
from .services import SMALL_BRANCH_FULL_MEMBERS, name_pinyin

DEMO_PASSWORD = "demo12345"
ROOT_NAME = "中共常州市武进区委组织部"
REVIEWER_COMMITTEE = "湖塘镇党委"
DEMO_BRANCH = "东街村党支部"
BATCH = 2000
MIN_SIZE, MAX_SIZE = 3, 120
CORE = 7  # the first members of a branch: full members without special flags, committee material

D = datetime.date
days = datetime.timedelta


# ---------------------------------------------------------------- plan


@dataclass
class BranchSpec:
    name: str
    branch_type: str
    size: int = 0
    regional_kind: str = ""
    term: str = "auto"  # auto | fine | due_soon | overdue | postponed | none
    vacancy: str = ""  # "" | secretary | other
    sanction: str = ""  # "" | secretary_warning | member_serious
    demo: bool = False  # the demo secretary's and worker's branch
    merged_into: str = ""  # name of the branch it was merged into
    founded_on: datetime.date | None = None


@dataclass
class GeneralSpec:
    name: str
    branches: list


@dataclass
class CommitteeSpec:
    name: str
    kind: str
    units: list = field(default_factory=list)
    org: Organization | None = None

    @property
    def reviewer(self):
        return self.name == REVIEWER_COMMITTEE


def _b(name, btype, size, **kw):
    kw.setdefault("term", "fine")
    return BranchSpec(name, btype, size, **kw)


def small_plan():
    """The hand-written demo district: every committee kind, branch type and alert appears."""
    T_ = BranchType
    R = RegionalKind
    K = CommitteeKind
    return [
        CommitteeSpec(
            "湖塘镇党委",
            K.TOWN,
            [
                _b(DEMO_BRANCH, T_.VILLAGE, 42, demo=True),
                GeneralSpec(
                    "马杭村党总支",
                    [
                        _b("马杭村第一党支部", T_.VILLAGE, 23, vacancy="other"),
                        _b("马杭村第二党支部", T_.VILLAGE, 16, term="due_soon"),
                    ],
                ),
                _b("花园社区党支部", T_.COMMUNITY, 34),
                _b("湖塘镇机关第一党支部", T_.ORGAN, 19),
                _b("常州市宏达纺织有限公司党支部", T_.PRIVATE_ENTERPRISE, 11, term="overdue"),
                _b("湖塘纺织城专业市场党支部", T_.REGIONAL, 13, regional_kind=R.MARKET, sanction="secretary_warning"),
                _b("湖塘镇个体劳动者协会党支部", T_.ASSOCIATION, 6),
                _b("华联村党支部", T_.VILLAGE, 0, merged_into=DEMO_BRANCH, term="none"),
            ],
        ),
        CommitteeSpec(
            "牛塘镇党委",
            K.TOWN,
            [
                _b("虹西村党支部", T_.VILLAGE, 31, term="postponed"),
                _b("卢家巷社区党支部", T_.COMMUNITY, 27, term="overdue"),
                _b("牛塘镇葡萄种植专业合作社党支部", T_.COOPERATIVE, 5),
                _b("常州市恒立精密机械有限公司党支部", T_.PRIVATE_ENTERPRISE, 18, vacancy="other"),
            ],
        ),
        CommitteeSpec(
            "武进国家高新区党工委",
            K.DEV_ZONE,
            [
                _b("高新区创新产业园联合党支部", T_.REGIONAL, 15, regional_kind=R.PARK),
                _b("科教城创研大厦楼宇党支部", T_.REGIONAL, 9, regional_kind=R.BUILDING, vacancy="secretary"),
                _b("高新区智能制造产业链党支部", T_.INDUSTRY_CHAIN, 12),
                _b("武进高新投资控股集团有限公司党支部", T_.STATE_ENTERPRISE, 24, sanction="member_serious"),
                _b("常州天宇光伏科技有限公司党支部", T_.PRIVATE_ENTERPRISE, 4),
                _b("高新区社会组织联合党支部", T_.SOCIAL_ORG, 7),
            ],
        ),
        CommitteeSpec(
            "南夏墅街道党工委",
            K.SUBDISTRICT,
            [
                _b("南河花园社区党支部", T_.COMMUNITY, 29, term="due_soon"),
                _b("湖滨商圈党支部", T_.REGIONAL, 8, regional_kind=R.BUSINESS_DISTRICT),
                _b("南夏墅建材市场党支部", T_.REGIONAL, 0, regional_kind=R.MARKET, term="none"),
            ],
        ),
        CommitteeSpec("区委办公室党组", K.DISTRICT_DEPT, [_b("区委办公室机关党支部", T_.ORGAN, 17)]),
        CommitteeSpec(
            "区教育局党委",
            K.BUREAU,
            [
                _b("区教育局机关党支部", T_.ORGAN, 21),
                _b("武进区湖塘实验中学党支部", T_.INSTITUTION, 33),
                _b("武进区星河实验小学党支部", T_.INSTITUTION, 19, term="overdue"),
                _b("区教育系统退休教师党支部", T_.OTHER, 48),
            ],
        ),
        CommitteeSpec(
            "区人民医院党委",
            K.DIRECT_UNIT,
            [
                _b("区人民医院内科党支部", T_.INSTITUTION, 26),
                _b("区人民医院外科党支部", T_.INSTITUTION, 22),
                _b("区人民医院离退休党支部", T_.OTHER, 16),
            ],
        ),
        CommitteeSpec("区总工会党组", K.PEOPLE_ORG, [_b("区总工会机关党支部", T_.ORGAN, 9)]),
    ]


# (name, kind, weight, short name) in the order a small run picks them: one of each kind first.
COMMITTEES = [
    ("湖塘镇党委", "town", 9, "湖塘镇"),
    ("武进国家高新区党工委", "devzone", 7, "高新区"),
    ("南夏墅街道党工委", "subdistrict", 3, "南夏墅街道"),
    ("区委办公室党组", "dept", 0.3, "区委办公室"),
    ("区教育局党委", "bureau", 5, "区教育局"),
    ("区人民医院党委", "direct", 0.8, "区人民医院"),
    ("区总工会党组", "people", 0.15, "区总工会"),
    ("牛塘镇党委", "town", 5, "牛塘镇"),
    ("遥观镇党委", "town", 6, "遥观镇"),
    ("横林镇党委", "town", 6, "横林镇"),
    ("洛阳镇党委", "town", 5, "洛阳镇"),
    ("横山桥镇党委", "town", 5, "横山桥镇"),
    ("雪堰镇党委", "town", 5, "雪堰镇"),
    ("前黄镇党委", "town", 5, "前黄镇"),
    ("礼嘉镇党委", "town", 5, "礼嘉镇"),
    ("嘉泽镇党委", "town", 4, "嘉泽镇"),
    ("湟里镇党委", "town", 4, "湟里镇"),
    ("武进经济开发区党工委", "devzone", 5, "经开区"),
    ("西太湖科技产业园党工委", "devzone", 4, "西太湖"),
    ("西湖街道党工委", "subdistrict", 3, "西湖街道"),
    ("丁堰街道党工委", "subdistrict", 2, "丁堰街道"),
    ("戚墅堰街道党工委", "subdistrict", 2, "戚墅堰街道"),
    ("潞城街道党工委", "subdistrict", 2, "潞城街道"),
    ("区委宣传部机关党委", "dept", 0.3, "区委宣传部"),
    ("区委政法委机关党委", "dept", 0.3, "区委政法委"),
    ("区委统战部机关党委", "dept", 0.2, "区委统战部"),
    ("区卫生健康局党委", "bureau", 2, "区卫生健康局"),
    ("区财政局党组", "bureau", 0.4, "区财政局"),
    ("区住房和城乡建设局党委", "bureau", 0.8, "区住建局"),
    ("区农业农村局党委", "bureau", 0.6, "区农业农村局"),
    ("区交通运输局党委", "bureau", 0.6, "区交通运输局"),
    ("区市场监督管理局党委", "bureau", 1, "区市场监管局"),
    ("常州市公安局武进分局党委", "bureau", 1.5, "武进公安分局"),
    ("武进城市建设投资集团党委", "bureau", 1, "武进城投集团"),
    ("武进水务集团党委", "bureau", 0.6, "武进水务集团"),
    ("区中医医院党委", "direct", 0.5, "区中医医院"),
    ("区第二人民医院党委", "direct", 0.4, "区第二人民医院"),
    ("武进开放大学党委", "direct", 0.3, "武进开放大学"),
    ("区融媒体中心党委", "direct", 0.3, "区融媒体中心"),
    ("团区委党组", "people", 0.1, "团区委"),
    ("区妇联党组", "people", 0.1, "区妇联"),
    ("区科协党组", "people", 0.1, "区科协"),
    ("区工商联党组", "people", 0.2, "区工商联"),
    ("区残联党组", "people", 0.1, "区残联"),
]

TYPE_WEIGHTS = {
    "town": {
        "village": 30,
        "community": 12,
        "private": 32,
        "organ": 4,
        "institution": 5,
        "social": 3,
        "regional": 4,
        "coop": 4,
        "association": 2,
        "soe": 1,
        "chain": 1,
        "other": 2,
    },
    "devzone": {
        "private": 55,
        "regional": 10,
        "chain": 6,
        "soe": 6,
        "community": 8,
        "organ": 5,
        "social": 4,
        "institution": 4,
        "association": 2,
    },
    "subdistrict": {
        "community": 40,
        "private": 28,
        "organ": 5,
        "social": 8,
        "regional": 8,
        "institution": 5,
        "other": 3,
        "association": 3,
    },
    "dept": {"organ": 85, "other": 15},
    "bureau": {"organ": 25, "institution": 50, "soe": 18, "other": 7},
    "direct": {"institution": 80, "organ": 10, "other": 10},
    "people": {"organ": 75, "social": 15, "association": 10},
}
REGIONAL_WEIGHTS = {"park": 35, "market": 20, "building": 25, "business": 20}

# ---------------------------------------------------------------- names

PLACE_A = "东西南北前后大小新上中马杭庙夏王陈钱朱姚丁卢金戴邹杨凤龙虹华兴民富和丰安泰阳祥瑞永长青红万寿福庆潘蒋沈史周"
PLACE_B = "庄桥塘湾墅渎浦港圩荡埠河巷舍墩坝里园宅浜泾溪"
COMMUNITY_A = [
    "湖滨",
    "淹城",
    "星河",
    "翠竹",
    "聚福",
    "锦绣",
    "延政",
    "阳湖",
    "凤凰",
    "金色",
    "长安",
    "和平",
    "永安",
    "康乐",
    "府南",
    "人民",
    "常武",
    "大通",
    "城南",
    "城东",
    "丽华",
    "滨湖",
    "御城",
    "天安",
    "新城",
    "春江",
    "翡翠",
    "九龙",
    "清风",
    "聚湖",
    "花园",
    "南河",
    "虹桥",
    "西湖",
    "怡景",
    "东方",
]
COMMUNITY_B = ["社区", "花园社区", "新村社区", "苑社区", "家园社区", "名都社区"]
COMPANY_A = [
    "恒立",
    "宏达",
    "天宇",
    "华盛",
    "金鼎",
    "瑞丰",
    "新科",
    "科华",
    "盛邦",
    "远航",
    "中天",
    "亚邦",
    "精工",
    "力达",
    "东方",
    "联创",
    "永红",
    "龙城",
    "常发",
    "腾龙",
    "星宇",
    "汇通",
    "新纪元",
    "百兴",
    "华威",
    "嘉宏",
    "明珠",
    "鑫源",
    "博瑞",
    "长海",
    "苏华",
    "同创",
    "力佳",
    "赛尔",
    "久诺",
    "万帮",
    "凯润",
    "天合",
    "武进",
    "华昌",
    "欣达",
    "润泽",
    "海鸿",
    "金坛",
    "亿晶",
    "华立",
]
COMPANY_IND = [
    "精密机械",
    "纺织",
    "电子",
    "新材料",
    "光伏科技",
    "塑业",
    "电机",
    "汽车零部件",
    "模具",
    "环保科技",
    "化工",
    "服饰",
    "建材",
    "智能装备",
    "医疗器械",
    "食品",
    "轴承",
    "电气",
    "物流",
    "印染",
    "五金",
    "涂料",
    "钢结构",
    "机电",
    "石墨烯科技",
    "动力电池",
]
COMPANY_FORM = ["常州{a}{i}有限公司", "江苏{a}{i}股份有限公司", "常州市{a}{i}有限公司", "武进{a}{i}有限公司"]
SOE = [
    "城市建设投资",
    "交通投资",
    "水务",
    "港务",
    "旅游发展",
    "农业发展",
    "国有资产经营",
    "公共交通",
    "燃气",
    "粮食购销",
    "高新投资控股",
    "产业投资",
    "城乡开发",
    "建设发展",
]
SCHOOLS = ["实验小学", "中心小学", "初级中学", "高级中学", "幼儿园", "实验学校", "职业教育中心", "中学"]
HOSPITAL_DEPTS = [
    "内科",
    "外科",
    "医技",
    "护理",
    "妇产科",
    "儿科",
    "急诊科",
    "药剂科",
    "行政后勤",
    "门诊",
    "影像科",
    "检验科",
    "骨科",
    "心血管内科",
    "肿瘤科",
    "康复科",
]
TOWN_UNITS = [
    "卫生院",
    "中心小学",
    "初级中学",
    "中心幼儿园",
    "文体中心",
    "农业服务中心",
    "社区卫生服务中心",
    "便民服务中心",
    "水利站",
    "综合执法局",
]
OTHER_UNITS = ["直属事业单位", "信息中心", "监测中心", "服务中心", "执法大队", "研究所", "档案室", "培训中心"]
SOCIAL = [
    "社会组织联合",
    "社工服务社",
    "志愿者协会",
    "慈善会",
    "老年协会",
    "乡贤理事会",
    "红十字会",
    "青年创业促进会",
    "养老服务中心",
]
ASSOC = [
    "个体劳动者",
    "私营企业",
    "建筑业",
    "物流",
    "餐饮",
    "家政服务",
    "纺织服装行业",
    "五金机电",
    "花木",
    "电子商务",
    "汽摩配行业",
]
MARKET_GOODS = ["灯具", "纺织", "花木", "建材", "农副产品", "汽配", "家具", "五金", "钢材", "水产"]
BUSINESS = ["万达广场", "吾悦广场", "花园街", "延政路", "人民路", "大学城", "新天地", "淹城", "湖塘老街"]
PRODUCE = ["葡萄种植", "水蜜桃", "蔬菜", "稻米", "花木", "水产养殖", "茶叶", "草莓", "芦笋", "螃蟹养殖"]
CHAIN = [
    "新能源汽车",
    "智能制造",
    "光伏",
    "石墨烯",
    "生物医药",
    "节能环保",
    "绿色建筑",
    "集成电路",
    "轨道交通",
    "工业机器人",
]
OTHER_BRANCH = ["离退休干部第{n}党支部", "退休职工第{n}党支部", "流动党员党支部", "老年大学党支部"]

SURNAMES = {
    "王": 12,
    "张": 11,
    "李": 10,
    "陈": 9,
    "周": 7,
    "吴": 6,
    "刘": 6,
    "徐": 6,
    "钱": 4,
    "朱": 5,
    "沈": 4,
    "蒋": 4,
    "顾": 4,
    "陆": 4,
    "杨": 4,
    "孙": 3,
    "赵": 3,
    "黄": 3,
    "胡": 2,
    "高": 2,
    "许": 3,
    "汤": 2,
    "庄": 2,
    "恽": 1,
    "承": 1,
    "薛": 2,
    "史": 2,
    "姚": 2,
    "丁": 2,
    "潘": 2,
    "戴": 2,
    "曹": 2,
    "何": 2,
    "马": 2,
    "郭": 1,
    "唐": 2,
    "邵": 1,
    "蔡": 1,
    "冯": 1,
    "邹": 1,
    "袁": 1,
    "谢": 1,
    "缪": 1,
    "瞿": 1,
    "储": 1,
    "盛": 1,
    "费": 1,
    "虞": 1,
    "包": 1,
    "殷": 1,
    "管": 1,
    "季": 1,
    "龚": 1,
    "秦": 1,
    "任": 1,
    "宋": 1,
    "韩": 1,
    "金": 1,
    "邱": 1,
}
MALE_CHARS = (
    "伟强军勇杰涛明超刚平辉华建国志文斌磊峰鹏俊浩宇晨洋鑫亮林海波"
    "东锋飞卫兵荣新忠春良庆德福祥宏家健振毅昊轩博哲凯云龙彬泽晓"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲红梅燕婷莉雪琴云洁慧颖萍兰凤倩佳琳晶欣悦怡璐蓉薇月丹妍雯晓春美菊珍芬"
OLD_MALE = [
    "建国",
    "国强",
    "福根",
    "金生",
    "荣生",
    "德明",
    "志刚",
    "永福",
    "德林",
    "国平",
    "建中",
    "保国",
    "卫东",
    "红兵",
    "金海",
    "和平",
    "兴华",
    "振华",
    "根宝",
    "福林",
]
OLD_FEMALE = [
    "秀英",
    "桂英",
    "玉珍",
    "凤英",
    "金娣",
    "秀珍",
    "玉兰",
    "桂芳",
    "月娥",
    "美华",
    "菊英",
    "红英",
    "小妹",
    "建英",
    "卫红",
    "雪芬",
    "金凤",
    "彩娣",
]
# Given names come from a fixed vocabulary, so names repeat as they do in life and the
# pinyin (computed once per distinct name) stays cheap at 90,000 members.
_VOCAB = random.Random(20160101)
MALE_GIVEN = sorted(_VOCAB.sample(sorted({a + b for a in MALE_CHARS for b in MALE_CHARS}), 260)) + list(MALE_CHARS)
FEMALE_GIVEN = sorted(_VOCAB.sample(sorted({a + b for a in FEMALE_CHARS for b in FEMALE_CHARS}), 260)) + list(
    FEMALE_CHARS
)
ETHNICITY = {"汉族": 975, "回族": 8, "满族": 5, "蒙古族": 3, "壮族": 3, "苗族": 3, "土家族": 3}

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
OUTSIDE_ORGS = [
    "中共常州市天宁区{p}社区党支部",
    "中共常州市新北区{p}村党支部",
    "中共无锡市惠山区{p}村党支部",
    "中共苏州市吴中区{p}社区党委",
    "中共南京市鼓楼区{p}街道机关党支部",
    "中共上海市闵行区{p}镇机关党支部",
    "中共常州市钟楼区{p}社区党支部",
    "中共镇江市丹阳市{p}村党支部",
]

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
DUTIES = {
    Position.SECRETARY: "主持支部全面工作，抓班子带队伍",
    Position.DEPUTY: "协助书记工作，分管党员教育管理",
    Position.ORGANIZATION: "负责组织建设、发展党员和党费收缴",
    Position.PROPAGANDA: "负责宣传教育和学习计划",
    Position.DISCIPLINE: "负责党风廉政建设和纪律监督",
    Position.OTHER: "负责群众工作和青年工作",
}
SANCTION_REASONS = {
    SanctionKind.WARNING: [
        "违反工作纪律，履职不力",
        "违反廉洁纪律，违规收受礼品",
        "违反组织纪律，未如实报告个人有关事项",
    ],
    SanctionKind.SERIOUS_WARNING: ["违反中央八项规定精神，违规公款吃喝", "违反群众纪律，优亲厚友", "酒后驾驶机动车"],
    SanctionKind.PROBATION: ["违反廉洁纪律，利用职务便利为他人谋取利益", "违反国家法律法规，受到行政处罚"],
    SanctionKind.EXPULSION: ["严重违纪违法，受到刑事处罚", "长期不参加组织生活、不交党费，经教育不改"],
}
SANCTION_MONTHS = {
    SanctionKind.WARNING: 12,
    SanctionKind.SERIOUS_WARNING: 18,
    SanctionKind.REMOVAL: 24,
    SanctionKind.PROBATION: 24,
}


@dataclass(frozen=True)
class Profile:
    female: float
    age: tuple  # low, mode, high
    education: dict
    occupation: dict
    flags: dict  # special situation -> rate among non-core members
    mean_size: float


EDU_OLD = {"junior": 45, "high": 25, "secondary": 15, "college": 10, "bachelor": 5}
PROFILES = {
    "rural": Profile(
        0.27,
        (22, 58, 92),
        {"junior": 38, "high": 24, "secondary": 12, "college": 16, "bachelor": 9, "postgrad": 1},
        {"farmer": 45, "worker": 18, "manager": 6, "other": 8, "retired": 23},
        {
            "probationary": 0.035,
            "pre1949": 0.001,
            "flow_out": 0.04,
            "flow_in": 0.005,
            "kongua": 0.006,
            "lost": 0.004,
            "hardship": 0.03,
            "out": 0.01,
            "deceased": 0.005,
            "expelled": 0.0003,
        },
        40,
    ),
    "community": Profile(
        0.45,
        (22, 60, 92),
        {"junior": 22, "high": 22, "secondary": 12, "college": 20, "bachelor": 20, "postgrad": 4},
        {"retired": 45, "worker": 15, "other": 15, "professional": 10, "manager": 10, "student": 3, "public": 2},
        {
            "probationary": 0.03,
            "pre1949": 0.001,
            "flow_out": 0.02,
            "flow_in": 0.01,
            "kongua": 0.01,
            "lost": 0.004,
            "hardship": 0.03,
            "out": 0.01,
            "deceased": 0.005,
            "expelled": 0.0003,
        },
        35,
    ),
    "organ": Profile(
        0.40,
        (23, 40, 60),
        {"postgrad": 22, "bachelor": 62, "college": 14, "secondary": 2},
        {"public": 100},
        {"probationary": 0.04, "kongua": 0.003, "hardship": 0.005, "out": 0.015, "expelled": 0.0003},
        20,
    ),
    "institution": Profile(
        0.55,
        (23, 38, 60),
        {"postgrad": 30, "bachelor": 55, "college": 12, "secondary": 3},
        {"professional": 80, "public": 15, "manager": 5},
        {"probationary": 0.04, "flow_out": 0.005, "kongua": 0.003, "hardship": 0.005, "out": 0.015, "expelled": 0.0003},
        28,
    ),
    "enterprise": Profile(
        0.30,
        (22, 36, 60),
        {"junior": 5, "high": 15, "secondary": 15, "college": 30, "bachelor": 30, "postgrad": 5},
        {"worker": 40, "manager": 28, "professional": 28, "other": 4},
        {
            "probationary": 0.04,
            "flow_out": 0.01,
            "flow_in": 0.04,
            "kongua": 0.008,
            "lost": 0.003,
            "hardship": 0.005,
            "out": 0.02,
            "expelled": 0.0003,
        },
        18,
    ),
    "social": Profile(
        0.40,
        (22, 45, 75),
        {"high": 20, "secondary": 15, "college": 30, "bachelor": 30, "postgrad": 5},
        {"other": 40, "manager": 30, "professional": 20, "retired": 10},
        {"probationary": 0.03, "flow_in": 0.01, "kongua": 0.01, "lost": 0.003, "hardship": 0.01, "out": 0.01},
        9,
    ),
    "retired": Profile(
        0.35,
        (60, 74, 96),
        EDU_OLD | {"bachelor": 9, "postgrad": 1},
        {"retired": 100},
        {"pre1949": 0.01, "kongua": 0.005, "lost": 0.002, "hardship": 0.05, "deceased": 0.02, "out": 0.005},
        45,
    ),
}
TYPE_PROFILE = {
    "village": "rural",
    "coop": "rural",
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
FLAG_MINIMUM = {
    "probationary": 3,
    "pre1949": 2,
    "flow_out": 2,
    "flow_in": 2,
    "kongua": 2,
    "lost": 2,
    "hardship": 2,
    "out": 2,
    "deceased": 1,
    "expelled": 1,
}
FOUNDED_YEARS = {
    "village": (1952, 2003),
    "community": (1985, 2015),
    "organ": (1980, 2010),
    "institution": (1960, 2010),
    "soe": (1990, 2012),
    "private": (2000, 2018),
    "social": (2008, 2018),
    "regional": (2008, 2018),
    "coop": (2008, 2018),
    "association": (2005, 2018),
    "chain": (2016, 2019),
    "other": (1985, 2012),
}


def cn(n: int) -> str:
    """Chinese numeral for 1..99 (第一, 第十二 …)."""
    d = "零一二三四五六七八九"
    if n < 10:
        return d[n]
    if n < 20:
        return "十" + (d[n - 10] if n > 10 else "")
    if n < 100:
        t, u = divmod(n, 10)
        return d[t] + "十" + (d[u] if u else "")
    return str(n)


class Weighted:
    def __init__(self, weights: dict):
        self.keys = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def pick(self, rng):
        return rng.choices(self.keys, cum_weights=self.cum)[0]


_W = {k: Weighted(v) for k, v in TYPE_WEIGHTS.items()}
_REGIONAL = Weighted(REGIONAL_WEIGHTS)
_SURNAME = Weighted(SURNAMES)
_ETHNICITY = Weighted(ETHNICITY)
_EDU = {k: Weighted(p.education) for k, p in PROFILES.items()}
_EDU_OLD = Weighted(EDU_OLD)
_OCC = {k: Weighted(p.occupation) for k, p in PROFILES.items()}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(region: str, birth: datetime.date, seq: int) -> str:
    """An 18-digit resident identity number with the GB 11643 check digit."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


class _Namer:
    """Branch names for one committee, unique within it."""

    def __init__(self, rng, short: str, kind: str):
        self.rng, self.short, self.kind = rng, short, kind
        self.used: set[str] = set()
        self.counters: dict[str, int] = {}

    def _next(self, key):
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def place(self):
        r = self.rng
        while True:
            a, b = r.choice(PLACE_A), r.choice(PLACE_B)
            if a != b:
                return a + b

    def company(self):
        r = self.rng
        return r.choice(COMPANY_FORM).format(a=r.choice(COMPANY_A), i=r.choice(COMPANY_IND))

    def _raw(self, btype, regional):
        r, s = self.rng, self.short
        if btype == "village":
            return f"{self.place()}村党支部"
        if btype == "community":
            return f"{r.choice(COMMUNITY_A)}{r.choice(COMMUNITY_B)}党支部"
        if btype == "organ":
            return f"{s}机关第{cn(self._next('organ'))}党支部"
        if btype == "institution":
            if "教育" in s:
                return f"武进区{r.choice(COMMUNITY_A + [self.place()])}{r.choice(SCHOOLS)}党支部"
            if "医院" in s:
                return f"{s}{r.choice(HOSPITAL_DEPTS)}党支部"
            units = TOWN_UNITS if self.kind in ("town", "devzone", "subdistrict") else OTHER_UNITS
            return f"{s}{r.choice(units)}党支部"
        if btype == "soe":
            return f"武进{r.choice(SOE)}{r.choice(['集团有限公司', '有限公司'])}党支部"
        if btype == "private":
            return f"{self.company()}党支部"
        if btype == "social":
            return f"{s}{r.choice(SOCIAL)}党支部"
        if btype == "association":
            return f"{s}{r.choice(ASSOC)}协会党支部"
        if btype == "coop":
            return f"{self.place()}{r.choice(PRODUCE)}专业合作社党支部"
        if btype == "chain":
            return f"{s}{r.choice(CHAIN)}产业链党支部"
        if btype == "other":
            return f"{s}{r.choice(OTHER_BRANCH).format(n=cn(self._next('other')))}"
        # regional
        if regional == "park":
            return f"{s}{self.place()}工业园区联合党支部"
        if regional == "market":
            return f"{self.place()}{r.choice(MARKET_GOODS)}市场党支部"
        if regional == "building":
            return f"{r.choice(COMPANY_A)}{r.choice(['大厦', '广场', '科技大厦', '国际中心'])}楼宇党支部"
        return f"{r.choice(BUSINESS)}商圈党支部"

    def unique(self, make):
        for _ in range(20):
            name = make()
            if name not in self.used:
                break
        n = 1
        base = name
        while name in self.used:
            n += 1
            name = base.replace("党支部", f"第{cn(n)}党支部") if base.endswith("党支部") else f"{base}{n}"
        self.used.add(name)
        return name

    def branch(self, btype):
        regional = _REGIONAL.pick(self.rng) if btype == "regional" else ""
        return BranchSpec(self.unique(lambda: self._raw(btype, regional)), btype, regional_kind=regional)

    def general(self, n_children):
        if self.kind == "town" and self.rng.random() < 0.7:
            base, btype = self.unique(lambda: f"{self.place()}村党总支")[:-3], "village"
        elif self.kind == "subdistrict":
            base, btype = self.unique(lambda: f"{self.rng.choice(COMMUNITY_A)}社区党总支")[:-3], "community"
        else:
            base, btype = self.unique(lambda: f"{self.company()}党总支")[:-3], "private"
        children = [BranchSpec(f"{base}第{cn(i)}党支部", btype) for i in range(1, n_children + 1)]
        self.used.update(c.name for c in children)
        return GeneralSpec(f"{base}党总支", children)


def _allocate(total, weights):
    """Split ``total`` by weight, at least one each (largest remainder, ties by order)."""
    k = len(weights)
    rest = total - k
    s = sum(weights)
    raw = [w / s * rest for w in weights]
    out = [1 + int(x) for x in raw]
    left = total - sum(out)
    order = sorted(range(k), key=lambda i: (-(raw[i] - int(raw[i])), i))
    for i in order[:left]:
        out[i] += 1
    return out


def district_plan(rng, n_branches=3000, members_per_branch=30):
    """A generated district: ~40 committees, ``n_branches`` branches, ~``members_per_branch`` members each."""
    k = max(1, min(n_branches, max(7, min(len(COMMITTEES), n_branches // 20))))
    chosen = COMMITTEES[:k]
    plan = []
    for (name, kind, _, short), quota in zip(chosen, _allocate(n_branches, [c[2] for c in chosen]), strict=True):
        c = CommitteeSpec(name, kind)
        namer = _Namer(rng, short, kind)
        remaining = quota
        if c.reviewer:
            namer.used.add(DEMO_BRANCH)
            c.units.append(BranchSpec(DEMO_BRANCH, "village", term="fine", demo=True))
            remaining -= 1
        while remaining > 0:
            if kind in ("town", "devzone", "subdistrict") and remaining >= 3 and rng.random() < 0.035:
                g = namer.general(min(remaining, rng.randint(2, 4)))
                c.units.append(g)
                remaining -= len(g.branches)
            else:
                c.units.append(namer.branch(_W[kind].pick(rng)))
                remaining -= 1
        plan.append(c)

    specs = [b for c in plan for b in _branch_specs(c)]
    candidates = [b for b in specs if not b.demo]
    n_shell = max(1, round(len(specs) * 0.005)) if len(specs) >= 10 else 0
    for b in rng.sample(candidates, n_shell):
        b.term = "none"
    live = [b for b in specs if b.term != "none"]
    sigma = 0.65
    factor = members_per_branch / 30
    sizes = [
        rng.lognormvariate(math.log(PROFILES[TYPE_PROFILE[b.branch_type]].mean_size * factor) - sigma**2 / 2, sigma)
        for b in live
    ]
    sizes = _fit_sizes(rng, sizes, members_per_branch * len(specs))
    demo = next((i for i, b in enumerate(live) if b.demo), None)
    if demo is not None:
        top = max(range(len(sizes)), key=lambda i: (sizes[i], -i))
        sizes[demo], sizes[top] = sizes[top], sizes[demo]
    for b, n in zip(live, sizes, strict=True):
        b.size = n
    return plan


def _fit_sizes(rng, raw, total):
    """Round and scale sizes into [MIN_SIZE, MAX_SIZE] so they add up to ``total`` where possible."""
    if not raw:
        return []
    f = total / sum(raw)
    sizes = [min(MAX_SIZE, max(MIN_SIZE, round(x * f))) for x in raw]
    diff = total - sum(sizes)
    n = len(sizes)
    guard = 20 * n + 10 * abs(diff)
    while diff and guard:
        guard -= 1
        i = rng.randrange(n)
        if diff > 0 and sizes[i] < MAX_SIZE:
            sizes[i] += 1
            diff -= 1
        elif diff < 0 and sizes[i] > MIN_SIZE:
            sizes[i] -= 1
            diff += 1
    return sizes


def _branch_specs(c):
    for u in c.units:
        if isinstance(u, GeneralSpec):
            yield from u.branches
        else:
            yield u


# ---------------------------------------------------------------- builder


@dataclass(eq=False)
class _Branch:
    spec: BranchSpec
    org: Organization
    committee: CommitteeSpec
    profile: str
    members: list = field(default_factory=list)
    core: list = field(default_factory=list)
    seats: list = field(default_factory=list)  # current term's seats


class DemoBuilder:
    def __init__(self, *, seed: int, log=None):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.log = log or (lambda msg: None)
        self._pinyin: dict[str, tuple[str, str]] = {}
        self._ids: set[str] = set()
        self.orgs: list[Organization] = []
        self.changes: list[OrgChange] = []
        self.branches: list[_Branch] = []
        self.groups: list[PartyGroup] = []
        self.leaders: list[tuple[PartyGroup, Member]] = []
        self.terms: list[CommitteeTerm] = []
        self.postponed: list[tuple[CommitteeTerm, bool]] = []  # (term, under the reviewer's committee)
        self.seats: list[CommitteeSeat] = []
        self.transfers: list[MemberTransfer] = []
        self.sanctions: list[Sanction] = []
        self.merges: list[tuple[_Branch, _Branch]] = []

    # -- timing

    @contextmanager
    def phase(self, label):
        t = time.perf_counter()
        yield
        self.log(f"  {label}：{time.perf_counter() - t:.2f} 秒")

    # -- entry point

    def run(self, plan) -> dict:
        """Build ``plan`` in memory, then write it. Call inside ``transaction.atomic``."""
        with self.phase("生成（内存）"):
            self._tree(plan)
            self._members()
            self._groups()
            self._scenarios()
            self._terms()
            self._sanctions()
            self._transfers()
        return self._write(plan)

    # -- organizations

    def _org(self, parent, **kw):
        org = Organization(created_at=self.now, **kw)
        self.orgs.append(org)
        if parent is not None:
            self.changes.append(
                OrgChange(
                    organization=org,
                    kind=OrgChangeKind.FOUNDED,
                    occurred_on=org.founded_on,
                    reason="新设立",
                    to_parent=parent,
                    created_at=self.now,
                )
            )
        return org

    def _date_in_years(self, lo, hi):
        return D(self.rng.randint(lo, hi), self.rng.randint(1, 12), self.rng.randint(1, 28))

    def _tree(self, plan):
        path = Organization._get_path
        root = self._org(
            None,
            kind=OrgKind.DISTRICT,
            name=ROOT_NAME,
            path=path(None, 1, 1),
            depth=1,
            numchild=len(plan),
            code="320412000000",
            founded_on=D(1949, 5, 1),
            has_own_room=True,
        )
        self.root = root
        for i, c in enumerate(plan, 1):
            cpath = path(root.path, 2, i)
            c.org = self._org(
                root,
                kind=OrgKind.COMMITTEE,
                committee_kind=c.kind,
                name=c.name,
                path=cpath,
                depth=2,
                numchild=len(c.units),
                code=f"320412{i:03d}0000",
                founded_on=self._date_in_years(1950, 2005),
                has_own_room=True,
            )
            k = 0
            for j, unit in enumerate(c.units, 1):
                upath = path(cpath, 3, j)
                k += 1
                if isinstance(unit, GeneralSpec):
                    g = self._org(
                        c.org,
                        kind=OrgKind.GENERAL_BRANCH,
                        name=unit.name,
                        path=upath,
                        depth=3,
                        numchild=len(unit.branches),
                        code=f"320412{i:03d}{k:04d}",
                        founded_on=self._date_in_years(1985, 2010),
                        has_own_room=True,
                    )
                    for m, b in enumerate(unit.branches, 1):
                        k += 1
                        self._branch(b, c, g, path(upath, 4, m), 4, f"320412{i:03d}{k:04d}")
                else:
                    self._branch(unit, c, c.org, upath, 3, f"320412{i:03d}{k:04d}")
        by_name = {b.spec.name: b for b in self.branches}
        for b in self.branches:
            if b.spec.merged_into:
                self.merges.append((b, by_name[b.spec.merged_into]))

    def _branch(self, spec, committee, parent, path, depth, code):
        rng = self.rng
        bt = spec.branch_type
        term_years = 5 if bt in ("village", "community") else rng.choice([3, 3, 3, 2])
        lo, hi = FOUNDED_YEARS[bt]
        org = self._org(
            parent,
            kind=OrgKind.BRANCH,
            name=spec.name,
            path=path,
            depth=depth,
            numchild=0,
            code=code,
            branch_type=bt,
            regional_kind=spec.regional_kind,
            term_years=term_years,
            founded_on=spec.founded_on or self._date_in_years(lo, hi),
            has_own_room=rng.random() < (0.9 if bt in ("village", "community", "organ", "institution") else 0.6),
        )
        if spec.merged_into:
            org.status = OrgStatus.MERGED
            org.ended_on = self.today - days(rng.randint(120, 300))
        self.branches.append(_Branch(spec, org, committee, TYPE_PROFILE[bt]))

    # -- members

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
            created_at=self.now,
            updated_at=self.now,
        )
        if flag == "flow_out":
            city = rng.choice(FLOW_CITIES)
            m.is_flowing, m.flow_direction = True, FlowDirection.OUT
            m.flow_counterpart = f"中共{city}{rng.choice(FLOW_UNITS)}"
            m.flow_note = f"在{city}{rng.choice(['务工', '经商', '从事个体经营'])}，已向流入地党组织报到"
        elif flag == "flow_in":
            origin, region = rng.choice(FLOW_ORIGINS)
            m.is_flowing, m.flow_direction = True, FlowDirection.IN
            m.flow_counterpart = f"中共{origin}{self._place()}村党支部"
            m.flow_note = "在本地务工，持《流动党员活动证》参加组织生活"
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
        m.name_pinyin, m.name_initials = self.pinyin(m.name)
        m.id_number = self._id(birth, female, region)
        m._demo_flag = flag
        return m

    def _place(self):
        a, b = self.rng.choice(PLACE_A), self.rng.choice(PLACE_B)
        return a + b

    def pinyin(self, name):
        r = self._pinyin.get(name)
        if r is None:
            r = self._pinyin[name] = name_pinyin(name)
        return r

    # -- groups

    def _groups(self):
        rng = self.rng
        for b in self.branches:
            active = [m for m in b.members if m.standing == Standing.ACTIVE]
            if len(active) < 15:
                continue
            n = max(2, min(8, round(len(active) / 12)))
            groups = [PartyGroup(branch=b.org, name=f"第{cn(i)}党小组") for i in range(1, n + 1)]
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

    # -- scenarios (district scale: random, with every case at least once)

    def _full_count(self, b):
        return sum(1 for m in b.members if m.standing == Standing.ACTIVE and m.status == MemberStatus.FULL)

    def _scenarios(self):
        rng = self.rng
        auto = [b for b in self.branches if b.spec.term == "auto"]
        if not auto:
            return
        big = []
        for b in auto:
            r = rng.random()
            b.spec.term = "overdue" if r < 0.07 else "due_soon" if r < 0.14 else "postponed" if r < 0.16 else "fine"
            if self._full_count(b) >= SMALL_BRANCH_FULL_MEMBERS:
                big.append(b)
            r = rng.random()
            if r < 0.015:
                b.spec.vacancy = "secretary"
            elif r < 0.065 and b in big:
                b.spec.vacancy = "other"
        plain = [b for b in auto if not b.spec.vacancy]
        for term in ("overdue", "due_soon", "postponed"):
            if not any(b.spec.term == term for b in auto):
                rng.choice(auto).spec.term = term
        if not any(b.spec.vacancy == "secretary" for b in auto) and plain:
            rng.choice(plain).spec.vacancy = "secretary"
        big_plain = [b for b in big if not b.spec.vacancy]
        if not any(b.spec.vacancy == "other" for b in auto) and big_plain:
            rng.choice(big_plain).spec.vacancy = "other"
        n = max(1, round(len(auto) * 0.003))
        with_secretary = [b for b in auto if b.spec.vacancy != "secretary"]
        for b in rng.sample(with_secretary, min(n, len(with_secretary))):
            b.spec.sanction = "secretary_warning"
        committees = [b for b in big if not b.spec.sanction]
        for b in rng.sample(committees, min(n, len(committees))):
            b.spec.sanction = "member_serious"

    # -- committees

    @staticmethod
    def _positions(n_full, rng):
        if n_full < SMALL_BRANCH_FULL_MEMBERS:
            return [Position.SECRETARY]
        three = [Position.SECRETARY, Position.ORGANIZATION, Position.PROPAGANDA]
        five = [Position.SECRETARY, Position.DEPUTY, Position.ORGANIZATION, Position.PROPAGANDA, Position.DISCIPLINE]
        if n_full < 15:
            return three
        if n_full < 50:
            return five if rng.random() < 0.7 else three
        return five + [Position.OTHER, Position.OTHER] if rng.random() < 0.4 else five

    def _term_dates(self, kind, ty):
        rng, today = self.rng, self.today
        if kind == "due_soon":
            return add_years(today + days(rng.randint(5, 85)), -ty)
        if kind == "overdue":
            return add_years(today - days(rng.randint(10, 400)), -ty)
        if kind == "postponed":
            return add_years(today - days(rng.randint(10, 200)), -ty)
        return today - days(rng.randint(30, ty * 365 - 100))

    def _terms(self):
        rng, today = self.rng, self.today
        for b in self.branches:
            spec, org = b.spec, b.org
            if spec.term == "none" or not b.core or org.status != OrgStatus.ACTIVE:
                continue
            ty = org.term_years
            elected = self._term_dates(spec.term, ty)
            term = CommitteeTerm(branch=org, elected_on=elected, term_years=ty, due_on=add_years(elected, ty))
            if spec.term == "postponed":
                term.postponed_until = today + days(rng.randint(100, 160))
                term.postponement_reason = rng.choice(
                    [
                        "村（社区）“两委”换届统筹安排，经上级党组织批准延期换届",
                        "单位改制重组进行中，经上级党组织批准延期换届",
                        "主要负责人调整尚未到位，经上级党组织批准延期换届",
                    ]
                )
                term.postponement_approved_on = min(today, term.due_on - days(rng.randint(5, 30)))
                self.postponed.append((term, b.committee.reviewer))
            active_full = [m for m in b.members if m.standing == Standing.ACTIVE and m.status == MemberStatus.FULL]
            eligible = b.core + [m for m in active_full if not m._demo_flag and m not in b.core]
            positions = self._positions(len(active_full), rng)
            seats = [
                CommitteeSeat(term=term, position=p, holder=h, since=elected, duties=DUTIES[p])
                for p, h in zip(positions, eligible, strict=False)
            ]
            if spec.vacancy == "secretary" or (spec.vacancy == "other" and len(seats) >= 3):
                seat = seats[0] if spec.vacancy == "secretary" else seats[-1]
                seat.holder = None
                span = (today - elected).days
                seat.vacated_on = today - days(rng.randint(10, max(10, min(200, span - 1)))) if span > 11 else today
            self.terms.append(term)
            self.seats.extend(seats)
            b.seats = seats
            previous = add_years(elected, -ty) - days(rng.randint(0, 45))
            first_elected = elected
            if rng.random() < 0.6:
                old = CommitteeTerm(
                    branch=org, elected_on=previous, term_years=ty, due_on=add_years(previous, ty), ended_on=elected
                )
                holders = rng.sample(eligible, min(len(positions), len(eligible)))
                self.terms.append(old)
                self.seats.extend(
                    CommitteeSeat(term=old, position=p, holder=h, since=previous, duties=DUTIES[p])
                    for p, h in zip(positions, holders, strict=False)
                )
                first_elected = previous
            if org.founded_on >= first_elected:
                org.founded_on = first_elected - days(rng.randint(30, 700))

    # -- sanctions and transfers

    def _sanction(self, member, kind, imposed_on, decided_by):
        months = SANCTION_MONTHS.get(kind)
        until = imposed_on + days(int(months * 30.4)) if months else None
        self.sanctions.append(
            Sanction(
                member=member,
                kind=kind,
                imposed_on=imposed_on,
                effective_until=until,
                reason=self.rng.choice(SANCTION_REASONS[kind]),
                decided_by=decided_by,
                created_at=self.now,
            )
        )

    def _sanctions(self):
        rng, today = self.rng, self.today
        pool = []
        for b in self.branches:
            decided_by = b.committee.name
            secretary = b.seats[0].holder if b.seats else None
            if b.spec.sanction == "secretary_warning" and secretary is not None:
                self._sanction(secretary, SanctionKind.WARNING, today - days(rng.randint(30, 200)), decided_by)
            if b.spec.sanction == "member_serious":
                holder = next((s.holder for s in b.seats[1:] if s.holder is not None), None)
                if holder is not None:
                    self._sanction(holder, SanctionKind.SERIOUS_WARNING, today - days(rng.randint(30, 300)), decided_by)
            for m in b.members:
                if m._demo_flag == "expelled":
                    self._sanction(m, SanctionKind.EXPULSION, m.left_on, decided_by)
                elif m.standing == Standing.ACTIVE and m not in b.core:
                    pool.append((m, decided_by))
        n = max(2, round(len(pool) * 0.0015))
        kinds = Weighted({SanctionKind.WARNING: 55, SanctionKind.SERIOUS_WARNING: 28, SanctionKind.PROBATION: 17})
        for m, decided_by in rng.sample(pool, min(n, len(pool))):
            start = max(m.full_member_on or m.joined_on, today - days(5 * 365))
            imposed = start + days(rng.randint(0, max(0, (today - start).days - 30)))
            self._sanction(m, kinds.pick(rng), imposed, decided_by)

    def _outside_org(self):
        return self.rng.choice(OUTSIDE_ORGS).format(p=self._place())

    def _transfers(self):
        rng, today = self.rng, self.today
        live = [b for b in self.branches if b.org.status == OrgStatus.ACTIVE]
        for b in self.branches:
            for m in b.members:
                start = max(m.full_member_on or m.joined_on, today - days(8 * 365))
                when = start + days(rng.randint(0, max(0, (today - start).days - 5)))
                if m.standing == Standing.TRANSFERRED_OUT:
                    self.transfers.append(
                        MemberTransfer(
                            member=m,
                            direction=TransferDirection.OUT,
                            occurred_on=m.left_on,
                            from_branch=b.org,
                            counterpart=self._outside_org(),
                            note="组织关系网上转出",
                            created_at=self.now,
                        )
                    )
                elif m.standing != Standing.ACTIVE:
                    continue
                else:
                    r = rng.random()
                    if r < 0.04:
                        self.transfers.append(
                            MemberTransfer(
                                member=m,
                                direction=TransferDirection.IN,
                                occurred_on=when,
                                to_branch=b.org,
                                counterpart=self._outside_org(),
                                note="组织关系网上转入",
                                created_at=self.now,
                            )
                        )
                    elif r < 0.055 and len(live) > 1:
                        other = rng.choice(live)
                        if other is not b:
                            self.transfers.append(
                                MemberTransfer(
                                    member=m,
                                    direction=TransferDirection.INTERNAL,
                                    occurred_on=when,
                                    from_branch=other.org,
                                    to_branch=b.org,
                                    counterpart=other.org.name,
                                    note="区内组织关系接转",
                                    created_at=self.now,
                                )
                            )
        for merged, target in self.merges:
            moved = [m for m in target.members if m.standing == Standing.ACTIVE and m not in target.core][:6]
            when = merged.org.ended_on
            for m in moved:
                self.transfers.append(
                    MemberTransfer(
                        member=m,
                        direction=TransferDirection.INTERNAL,
                        occurred_on=max(when, m.joined_on),
                        from_branch=merged.org,
                        to_branch=target.org,
                        counterpart=merged.org.name,
                        note=f"{merged.org.name}撤并至{target.org.name}",
                        created_at=self.now,
                    )
                )
            self.changes.append(
                OrgChange(
                    organization=merged.org,
                    kind=OrgChangeKind.MERGED,
                    occurred_on=when,
                    reason="村规模较小，按区域调整方案并入相邻村",
                    merged_into=target.org,
                    members_moved=len(moved),
                    created_at=self.now,
                )
            )

    # -- writing

    def _insert(self, model, objs, *, history=True):
        model.objects.bulk_create(objs, batch_size=BATCH)
        if history:
            self._history(model, objs)

    def _history(self, model, objs):
        manager = model.history
        for i in range(0, len(objs), BATCH):
            manager.bulk_history_create(
                objs[i : i + BATCH],
                batch_size=BATCH,
                default_user=self.actor,
                default_date=self.now,
                default_change_reason="演示数据",
            )

    def _users(self, demo_branch):
        password = make_password(DEMO_PASSWORD)
        secretary = demo_branch.seats[0].holder if demo_branch and demo_branch.seats else None
        worker = demo_branch.core[-1] if demo_branch and demo_branch.core else None
        spec = [
            ("district", "周建华", True),
            ("reviewer", "顾文婷", False),
            ("secretary", secretary.name if secretary else "支部书记", False),
            ("worker", worker.name if worker else "党务工作者", False),
        ]
        users = {}
        for username, full_name, staff in spec:
            u = User.objects.filter(username=username).first() or User(username=username)
            u.full_name, u.password = full_name, password
            u.is_staff = u.is_superuser = staff
            u.is_active = True
            u.save()
            users[username] = u
        return users

    def _write(self, plan) -> dict:
        demo = next((b for b in self.branches if b.spec.demo), None)
        reviewer_committee = next((c for c in plan if c.reviewer), plan[0])
        counts = {}
        with self.phase("账号"):
            users = self._users(demo)
            self.actor = users["district"]
        with self.phase(f"组织 {len(self.orgs):,} 个"):
            self._insert(Organization, self.orgs, history=False)
            for merged, target in self.merges:
                merged.org.merged_into = target.org
                Organization.objects.filter(pk=merged.org.pk).update(merged_into=target.org)
            self._history(Organization, self.orgs)
        members = [m for b in self.branches for m in b.members]
        with self.phase(f"党小组 {len(self.groups):,} 个、党员 {len(members):,} 名"):
            self._insert(PartyGroup, self.groups, history=False)
            self._insert(Member, members)
            for g, leader in self.leaders:
                g.leader = leader
            PartyGroup.objects.bulk_update([g for g, _ in self.leaders], ["leader"], batch_size=BATCH)
            self._history(PartyGroup, self.groups)
        with self.phase(f"届次 {len(self.terms):,} 个、职务 {len(self.seats):,} 个"):
            for term, under_reviewer in self.postponed:
                term.postponement_approved_by = users["reviewer"] if under_reviewer else users["district"]
            self._insert(CommitteeTerm, self.terms)
            self._insert(CommitteeSeat, self.seats)
        with self.phase(
            f"接转 {len(self.transfers):,} 条、处分 {len(self.sanctions):,} 条、组织变更 {len(self.changes):,} 条"
        ):
            for t in self.transfers:
                t.actor = self.actor
            for c in self.changes:
                c.actor = self.actor
            self._insert(MemberTransfer, self.transfers)
            self._insert(Sanction, self.sanctions)
            self._insert(OrgChange, self.changes, history=False)
        with self.phase("角色"):
            roles = [
                (users["district"], self.root, Role.DISTRICT),
                (users["reviewer"], reviewer_committee.org, Role.REVIEWER),
            ]
            if demo is not None:
                roles += [(users["secretary"], demo.org, Role.SECRETARY), (users["worker"], demo.org, Role.WORKER)]
            for user, org, role in roles:
                RoleAssignment.objects.create(user=user, organization=org, role=role, created_at=self.now)
        counts.update(
            organizations=len(self.orgs),
            branches=len(self.branches),
            members=len(members),
            groups=len(self.groups),
            terms=len(self.terms),
            seats=len(self.seats),
            transfers=len(self.transfers),
            sanctions=len(self.sanctions),
            reviewer_org=reviewer_committee.name,
            demo_branch=demo.org.name if demo else "",
        )
        return counts


# ---------------------------------------------------------------- flush


def _models_depending_on_orgs():
    """Every model (history and other apps included) that points, directly or not, at an organization."""
    everything = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    # Periods, jobs and notices do not point at an organization but belong to the demo too.
    found = {
        Organization,
        apps.get_model("assessment", "Period"),
        apps.get_model("assessment", "Job"),
        apps.get_model("review", "Notice"),
    }
    changed = True
    while changed:
        changed = False
        for model in everything:
            if model in found:
                continue
            if any(f.is_relation and f.related_model in found for f in model._meta.concrete_fields):
                found.add(model)
                changed = True
    return found


def flush_demo_data():
    """Delete organizations and everything hanging off them (TRUNCATE … CASCADE on PostgreSQL).

    Users stay (the demo users are updated in place when seeding again); rubric and other
    reference data that does not point at an organization stay too. Call inside a transaction.
    """
    existing = set(connection.introspection.table_names())
    tables = sorted(t for t in {m._meta.db_table for m in _models_depending_on_orgs()} if t in existing)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rows inserted earlier in this transaction leave deferred FK checks pending,
            # and PostgreSQL refuses to TRUNCATE a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # CASCADE (simulated on SQLite) also empties tables of other apps that point here.
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return tables


__all__ = ["DEMO_PASSWORD", "DemoBuilder", "district_plan", "flush_demo_data", "id_number", "small_plan"]
