"""What a demo district is made of: committees, general branches and branches with their
scenarios (term state, vacancy, sanction), and the hand-written small district."""

import datetime
from dataclasses import dataclass, field

from branches.demo.common import DEMO_BRANCH, REVIEWER_COMMITTEE
from branches.models import BranchType, CommitteeKind, Organization, RegionalKind


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


def branch_spec(name, btype, size, **kw):
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
                branch_spec(DEMO_BRANCH, T_.VILLAGE, 42, demo=True),
                GeneralSpec(
                    "马杭村党总支",
                    [
                        branch_spec("马杭村第一党支部", T_.VILLAGE, 23, vacancy="other"),
                        branch_spec("马杭村第二党支部", T_.VILLAGE, 16, term="due_soon"),
                    ],
                ),
                branch_spec("花园社区党支部", T_.COMMUNITY, 34),
                branch_spec("湖塘镇机关第一党支部", T_.ORGAN, 19),
                branch_spec("常州市宏达纺织有限公司党支部", T_.PRIVATE_ENTERPRISE, 11, term="overdue"),
                branch_spec(
                    "湖塘纺织城专业市场党支部", T_.REGIONAL, 13, regional_kind=R.MARKET, sanction="secretary_warning"
                ),
                branch_spec("湖塘镇个体劳动者协会党支部", T_.ASSOCIATION, 6),
                branch_spec("华联村党支部", T_.VILLAGE, 0, merged_into=DEMO_BRANCH, term="none"),
            ],
        ),
        CommitteeSpec(
            "牛塘镇党委",
            K.TOWN,
            [
                branch_spec("虹西村党支部", T_.VILLAGE, 31, term="postponed"),
                branch_spec("卢家巷社区党支部", T_.COMMUNITY, 27, term="overdue"),
                branch_spec("牛塘镇葡萄种植专业合作社党支部", T_.COOPERATIVE, 5),
                branch_spec("常州市恒立精密机械有限公司党支部", T_.PRIVATE_ENTERPRISE, 18, vacancy="other"),
            ],
        ),
        CommitteeSpec(
            "武进国家高新区党工委",
            K.DEV_ZONE,
            [
                branch_spec("高新区创新产业园联合党支部", T_.REGIONAL, 15, regional_kind=R.PARK),
                branch_spec("科教城创研大厦楼宇党支部", T_.REGIONAL, 9, regional_kind=R.BUILDING, vacancy="secretary"),
                branch_spec("高新区智能制造产业链党支部", T_.INDUSTRY_CHAIN, 12),
                branch_spec("武进高新投资控股集团有限公司党支部", T_.STATE_ENTERPRISE, 24, sanction="member_serious"),
                branch_spec("常州天宇光伏科技有限公司党支部", T_.PRIVATE_ENTERPRISE, 4),
                branch_spec("高新区社会组织联合党支部", T_.SOCIAL_ORG, 7),
            ],
        ),
        CommitteeSpec(
            "南夏墅街道党工委",
            K.SUBDISTRICT,
            [
                branch_spec("南河花园社区党支部", T_.COMMUNITY, 29, term="due_soon"),
                branch_spec("湖滨商圈党支部", T_.REGIONAL, 8, regional_kind=R.BUSINESS_DISTRICT),
                branch_spec("南夏墅建材市场党支部", T_.REGIONAL, 0, regional_kind=R.MARKET, term="none"),
            ],
        ),
        CommitteeSpec("区委办公室党组", K.DISTRICT_DEPT, [branch_spec("区委办公室机关党支部", T_.ORGAN, 17)]),
        CommitteeSpec(
            "区教育局党委",
            K.BUREAU,
            [
                branch_spec("区教育局机关党支部", T_.ORGAN, 21),
                branch_spec("武进区湖塘实验中学党支部", T_.INSTITUTION, 33),
                branch_spec("武进区星河实验小学党支部", T_.INSTITUTION, 19, term="overdue"),
                branch_spec("区教育系统退休教师党支部", T_.OTHER, 48),
            ],
        ),
        CommitteeSpec(
            "区人民医院党委",
            K.DIRECT_UNIT,
            [
                branch_spec("区人民医院内科党支部", T_.INSTITUTION, 26),
                branch_spec("区人民医院外科党支部", T_.INSTITUTION, 22),
                branch_spec("区人民医院离退休党支部", T_.OTHER, 16),
            ],
        ),
        CommitteeSpec("区总工会党组", K.PEOPLE_ORG, [branch_spec("区总工会机关党支部", T_.ORGAN, 9)]),
    ]
