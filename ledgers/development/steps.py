"""The 25 steps of 发展党员 and the stages they move a person to, the settings the rules
read, and the small helpers the rest of the package shares (dates, the permission check,
model validation as a ``DomainError``).

终止培养 is stored as a step row with code 0 (``STOP_CODE``): it has a date, a reason,
who recorded it and history, like every other event on the timeline.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.conf import settings

from ledgers.models import DevStage
from wujin_branch.errors import DomainError


@dataclass(frozen=True)
class Step:
    code: int
    name: str
    stage: int  # 1..5, see STAGES
    people_label: str = ""  # what the "people" field means at this step; empty: not asked
    people_required: bool = False
    vote: str = ""  # "" | "optional" | "required"
    hint: str = ""


STAGES = {
    1: "申请入党",
    2: "入党积极分子的确定和培养教育",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}

STEPS = [
    Step(1, "递交入党申请书", 1, hint="年满十八岁，向工作、学习所在单位党组织提出。"),
    Step(2, "党组织派人谈话", 1, "谈话人", hint="收到入党申请书后一个月内派人谈话。"),
    Step(3, "推荐和确定入党积极分子", 2, "推荐方式（党员推荐、群团组织推优）", vote="optional",
         hint="支部委员会（不设支委会的支部大会）研究决定；如经党员推荐投票，请填写票数。"),
    Step(4, "报上级党委备案", 2),
    Step(5, "指定培养联系人", 2, "培养联系人（一至二名正式党员）", people_required=True),
    Step(6, "培养教育考察", 2, hint="每半年进行一次考察。"),
    Step(7, "确定发展对象", 3, hint="经过一年以上培养教育和考察，听取党小组、培养联系人、党员和群众意见。"),
    Step(8, "报上级党委备案", 3),
    Step(9, "确定入党介绍人", 3, "入党介绍人（两名正式党员）", people_required=True),
    Step(10, "进行政治审查", 3, "政审人员", hint="政治审查结论在一年内有效。"),
    Step(11, "开展集中培训", 3, "培训单位/班次", hint="集中培训时间一般不少于三天（或不少于24个学时）。"),
    Step(12, "支部委员会审查", 4),
    Step(13, "上级党委预审", 4),
    Step(14, "填写入党志愿书", 4),
    Step(15, "支部大会讨论", 4, vote="required",
         hint="赞成人数超过应到会有表决权的正式党员的半数，才能通过接收预备党员的决议。"),
    Step(16, "上级党委派人谈话", 4, "谈话人"),
    Step(17, "上级党委审批", 4,
         hint="一般应在支部大会讨论后三个月内审批，最长不超过六个月。审批后即列入党员名册（预备党员）。"),
    Step(18, "再上级党委组织部门备案", 4),
    Step(19, "编入党支部和党小组", 5),
    Step(20, "入党宣誓", 5),
    Step(21, "继续教育考察", 5),
    Step(22, "提出转正申请", 5, hint="预备期满前由本人提出书面转正申请。"),
    Step(23, "支部大会讨论转正", 5, vote="required",
         hint="预备期一年，期满后及时讨论；赞成人数须超过应到会有表决权的正式党员的半数。"),
    Step(24, "上级党委审批转正", 5, hint="一般应在三个月内审批。审批后名册中转为正式党员。"),
    Step(25, "材料归档", 5),
]  # fmt: skip
STEP = {s.code: s for s in STEPS}
STAGE_STEPS = {k: [s.code for s in STEPS if s.stage == k] for k in STAGES}
LAST_CODE = STEPS[-1].code

STOP_CODE = 0  # 终止培养, a timeline event kept in DevStep

# Recording one of these steps moves the person to that stage.
TRANSITIONS = {3: DevStage.ACTIVIST, 7: DevStage.CANDIDATE, 17: DevStage.PROBATIONARY, 24: DevStage.FULL}
STAGE_ORDER = [DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE, DevStage.PROBATIONARY, DevStage.FULL]
IN_PROGRESS = [DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE, DevStage.PROBATIONARY]

# A decision cannot be recorded without the step it decides on (no exception reason helps).
HARD_PREREQUISITES = {17: 15, 23: 17, 24: 23}

VOTE_FIELDS = ["vote_expected", "vote_present", "ballots_issued", "ballots_returned", "votes_for"]


def min_age():
    return getattr(settings, "DEV_MIN_AGE", 18)


def training_minimum():
    """(days, class hours): 集中培训 of either is enough (regulation; configurable)."""
    return getattr(settings, "DEV_TRAINING_MIN_DAYS", 3), getattr(settings, "DEV_TRAINING_MIN_HOURS", 24)


def examination_months() -> int:
    """党支部每半年对入党积极分子进行一次考察 (regulation; configurable)."""
    return getattr(settings, "DEV_EXAMINATION_MONTHS", 6)


def months_after(day: datetime.date, n: int) -> datetime.date:
    """The same day ``n`` calendar months later, or the month's last day when it has no such day."""
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return datetime.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))






def fmt_day(day):
    return f"{day:%Y-%m-%d}"


def full_clean(obj):
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as e:
        msgs = []
        for name, errs in e.message_dict.items():
            try:
                label = obj._meta.get_field(name).verbose_name
            except Exception:
                label = name
            msgs.append(f"{label}：{'；'.join(errs)}" if name != "__all__" else "；".join(errs))
        raise DomainError("；".join(msgs)) from e
