"""Thresholds of the record rules; each rule's description states the ones it uses."""

from decimal import Decimal

from branches.models import Education, Occupation
from ledgers.models import RecordKind

COMMITTEE_MIN_SIZE = 3  # 正式党员 7 人以上的支部，支委会 3 人以上（至多 MAX_COMMITTEE_SIZE = 7 人，seed）
GROUP_NEEDED_MEMBERS = 10  # 在册党员达到此数的支部应划分党小组
VACANCY_MAX_DAYS = 90  # 委员出缺超过此天数未补选即为“未及时补选”
YOUNG_AGE = 35  # 发展党员结构：35 岁以下（以接收为预备党员之日计）
COLLEGE_OR_ABOVE = (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE)  # 大专以上学历
FRONTLINE = (Occupation.WORKER, Occupation.FARMER)  # 一线工人、农民
CULTIVATION_STEPS = (5, 6)  # 指定培养联系人、培养教育考察
MATERIAL_STEPS = (15, 17, 23, 24)  # 支部大会讨论、上级审批、讨论转正、审批转正：须上传材料
MATERIAL_PENALTY = Decimal("0.5")
STUDY_PLAN_SHARE = 90  # %：个人学习计划覆盖在册党员的比例
STUDY_NOTES_FULL = 90  # %：考核期内有学习笔记记录的在册党员比例，达到得满分
IDEALS_MAIN_SHARE = 50  # %：选了类别的学习记录中理想信念类的比例，达到即“以理想信念教育为主”
IDEALS_SOME_SHARE = 25  # %：达到得一半
STUDY_NOTES_HALF = 50  # %：达到得一半
ONLINE_FULL = 2  # 线上/线上线下结合的活动次数：达到即满分
DUES_BASE_SHARE = 95  # %：党费基数已核定的在册党员比例
DUES_PAID_SHARE = 90  # %：应交“人·月”中已交的比例
ARREARS_MONTHS = 6  # 连续未交月数（按自行脱党处理的情形，平台只提示）
APPRAISAL_SHARE = 90  # %：评定等次覆盖在册党员的比例
OTHER_EXPENSE_MAX_SHARE = 50  # %：“其他支出”金额占支出不超过此比例时得一半分
TRAINING_SHARE = 50  # %：考核期内有教育培训记录的党员比例
SERVICE_LEDGER_STEPS = ((6, Decimal("4")), (3, Decimal("2")), (1, Decimal("1")))  # 附照片的服务活动次数 → 分

CARE_KINDS = (RecordKind.HELP, RecordKind.VISIT)
NO_ROSTER = "平台上没有本支部考核期末的在册党员记录，本项需人工评分。"
STOP_CODE = 0  # 终止培养 is kept as a DevStep row with code 0 (ledgers.development)

# 《党员基本情况登记表》: the fields item 26 checks for every member on the roster (转正日期 for
# full members only).
MEMBER_REGISTER_FIELDS = (
    ("name", "姓名"),
    ("gender", "性别"),
    ("ethnicity", "民族"),
    ("birth_date", "出生日期"),
    ("education", "学历"),
    ("joined_on", "入党日期"),
    ("full_member_on", "转正日期"),
    ("occupation", "职业"),
    ("work_unit", "工作单位及职务"),
    ("address", "家庭住址"),
    ("phone", "联系电话"),
)
