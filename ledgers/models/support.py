"""Appraisal, plans, funding, 阵地 and 党务公开, service to the masses, member records and
screenings: each feeds a rubric item and is recorded once."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Member, Organization, User
from ledgers.models.activities import Activity
from wujin_branch.storage import private

# ---------------------------------------------------------------- 民主评议党员


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class Appraisal(models.Model):
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="appraisals")
    year = models.PositiveSmallIntegerField("年度")
    held_on = models.DateField("评议日期")
    meeting = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="评议会议记录"
    )
    self_notes = models.TextField("个人自评情况")
    mutual_notes = models.TextField("党员互评情况")
    synthesis = models.TextField("综合分析", blank=True)
    published_on = models.DateField("在党务公开栏公布日期", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "民主评议党员"
        verbose_name_plural = "民主评议党员"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_appraisal_per_year")]

    def __str__(self):
        return f"{self.branch} {self.year}年民主评议"


class AppraisalResult(models.Model):
    """Ballot tallies for one member (counts only: who voted what is never stored)."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="appraisal_results")
    good = models.PositiveIntegerField("好")
    average = models.PositiveIntegerField("一般")
    poor = models.PositiveIntegerField("差")
    suggested_grade = models.CharField("按票数建议等次", max_length=12, choices=Grade.choices)
    grade = models.CharField("评定等次", max_length=12, choices=Grade.choices)
    reasoning = models.CharField("评定理由", max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "评议结果"
        verbose_name_plural = "评议结果"
        constraints = [models.UniqueConstraint(fields=["appraisal", "member"], name="one_result_per_member")]

    def __str__(self):
        return f"{self.member} {self.get_grade_display()}"


# ---------------------------------------------------------------- plans


class PlanKind(models.TextChoices):
    WORK = "work", "支部年度工作计划"
    EDUCATION = "education", "支部学习教育计划"
    LECTURE = "lecture", "党课计划"
    SERVICE = "service", "联系服务群众计划"
    ACTIVIST = "activist", "入党积极分子培养计划"


class Plan(models.Model):
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("计划类别", max_length=12, choices=PlanKind.choices)
    text = models.TextField("计划内容", blank=True)
    file = models.FileField("计划文件", storage=private, upload_to="plans/%Y/", blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "年度计划"
        verbose_name_plural = "年度计划"
        constraints = [models.UniqueConstraint(fields=["branch", "year", "kind"], name="one_plan_per_kind_year")]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"


class StudyPlan(models.Model):
    """党员个人学习计划: yes/no per member and year, with an optional upload."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="study_plans")
    year = models.PositiveSmallIntegerField("年度")
    has_plan = models.BooleanField("已制定个人学习计划", default=True)
    keeps_notes = models.BooleanField("记学习笔记", default=False)
    file = models.FileField(storage=private, upload_to="study/%Y/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "个人学习计划"
        verbose_name_plural = "个人学习计划"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="one_study_plan_per_year")]

    def __str__(self):
        return f"{self.member} {self.year}"


class StudyNote(models.Model):
    """学习笔记: one dated note of one member, as text or photos of the notebook (Photo rows
    owned by it). Recorded, never counted against a quota or ranked."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="study_notes")
    noted_on = models.DateField("日期")
    text = models.TextField("笔记内容", blank=True)
    photo_count = models.PositiveSmallIntegerField("照片数", default=0)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "学习笔记"
        verbose_name_plural = "学习笔记"
        ordering = ["-noted_on", "-id"]
        indexes = [models.Index(fields=["member", "noted_on"])]

    def __str__(self):
        return f"{self.member} {self.noted_on}"


# ---------------------------------------------------------------- funding


class FundingYear(models.Model):
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="funding_years")
    year = models.PositiveSmallIntegerField("年度")
    standard_fen = models.PositiveBigIntegerField("标准（分）", default=0)
    standard_basis = models.CharField("标准依据", max_length=120, blank=True)
    budget_fen = models.PositiveBigIntegerField("年度预算（分）", default=0)
    has_special_fund = models.BooleanField("已落实党建工作专项经费", default=False)
    has_account = models.BooleanField("设专户管理", default=False)
    account_name = models.CharField("专户名称", max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党建工作经费"
        verbose_name_plural = "党建工作经费"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_funding_per_year")]

    def __str__(self):
        return f"{self.branch} {self.year}"


class FundingCategory(models.TextChoices):
    ALLOCATION = "allocation", "上级/单位拨付"
    RETURNED_DUES = "returned_dues", "返还党费"
    OTHER_INCOME = "other_income", "其他收入"
    POSITION = "position", "阵地建设"
    EDUCATION = "education", "发展党员和党员教育管理"
    COMMENDATION = "commendation", "党员表彰和慰问"
    NEWSPAPERS = "newspapers", "党报党刊订阅"
    OTHER_EXPENSE = "other_expense", "其他支出"


INCOME_CATEGORIES = {FundingCategory.ALLOCATION, FundingCategory.RETURNED_DUES, FundingCategory.OTHER_INCOME}
PERMITTED_EXPENSES = {
    FundingCategory.POSITION,
    FundingCategory.EDUCATION,
    FundingCategory.COMMENDATION,
    FundingCategory.NEWSPAPERS,
}


class FundingEntry(models.Model):
    funding = models.ForeignKey(FundingYear, on_delete=models.CASCADE, related_name="entries")
    category = models.CharField("科目", max_length=16, choices=FundingCategory.choices)
    amount_fen = models.PositiveBigIntegerField("金额（分）")
    occurred_on = models.DateField("日期")
    description = models.CharField("摘要", max_length=200)
    receipt = models.FileField("票据", storage=private, upload_to="receipts/%Y/", blank=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "经费收支"
        verbose_name_plural = "经费收支"
        ordering = ["occurred_on", "id"]

    def __str__(self):
        return self.description

    @property
    def is_income(self):
        return self.category in INCOME_CATEGORIES


# ---------------------------------------------------------------- 阵地 and 党务公开


class RoomKind(models.TextChoices):
    OWN = "own", "独立活动室"
    SHARED = "shared", "共用活动阵地"


class ActivityRoom(models.Model):
    branch = models.OneToOneField(Organization, on_delete=models.PROTECT, related_name="room")
    kind = models.CharField("阵地类型", max_length=8, choices=RoomKind.choices)
    shared_with = models.CharField("共用单位（上级党组织、党群活动中心等）", max_length=100, blank=True)
    address = models.CharField("地址", max_length=200)
    area_m2 = models.PositiveIntegerField("面积（平方米）", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "活动阵地"
        verbose_name_plural = "活动阵地"

    def __str__(self):
        return self.address


class RoomItem(models.TextChoices):
    SIGN = "sign", "醒目的党支部标识"
    FLAG = "flag", "党旗"
    OATH = "oath", "入党誓词"
    RIGHTS = "rights", "党员的权利和义务"
    RULES = "rules", "“三会一课”制度"
    CHART = "chart", "党组织结构图"
    MATERIALS = "materials", "报刊书籍资料分类摆放、及时更新"
    REMOTE = "remote", "远程电教设备"
    NOTICE_BOARD = "notice_board", "党务公开栏"


class RoomCheck(models.Model):
    """One checklist item of the room, with a photo (the photo lives in Photo, owner=this)."""

    room = models.ForeignKey(ActivityRoom, on_delete=models.CASCADE, related_name="checks")
    item = models.CharField("项目", max_length=16, choices=RoomItem.choices)
    present = models.BooleanField("已具备", default=False)
    checked_on = models.DateField("核对日期")
    note = models.CharField("说明", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "阵地建设核对项"
        verbose_name_plural = "阵地建设核对项"
        constraints = [models.UniqueConstraint(fields=["room", "item"], name="one_check_per_item")]

    def __str__(self):
        return self.get_item_display()


class NoticeCategory(models.TextChoices):
    PLAN = "plan", "工作计划"
    DEVELOPMENT = "development", "党员发展"
    DUES = "dues", "党费收缴管理和使用"
    REWARDS = "rewards", "党员奖惩"
    APPRAISAL = "appraisal", "民主评议结果"
    OTHER = "other", "党员群众关心的重要事项"


class PublicNotice(models.Model):
    """A posting on the 党务公开栏 (photo in Photo, owner=this)."""

    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="public_notices")
    category = models.CharField("公开类别", max_length=12, choices=NoticeCategory.choices)
    title = models.CharField("标题", max_length=200)
    posted_on = models.DateField("公开日期")
    content = models.TextField("公开内容", blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党务公开"
        verbose_name_plural = "党务公开"
        ordering = ["-posted_on", "-id"]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------- 联系服务群众


class ServiceKind(models.TextChoices):
    VISITS = "visits", "党员干部进万家"
    MODEL_POST = "model_post", "党员示范岗"
    RESPONSIBILITY = "responsibility", "党员责任区"
    VOLUNTEER = "volunteer", "党员志愿服务"
    PLEDGE = "pledge", "党员承诺践诺"
    SERVICE_CENTER = "center", "便民服务中心"
    HOTLINE = "hotline", "便民热线"
    OTHER = "other", "其他"


class ServiceSystem(models.Model):
    """The branch's chosen 联系服务群众制度 for a year: 年初有目标、月月有举措、年终有考核."""

    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="service_systems")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("服务制度", max_length=16, choices=ServiceKind.choices)
    name = models.CharField("名称", max_length=100, blank=True)
    goal = models.TextField("年度目标")
    year_end_review = models.TextField("年终考核", blank=True)
    reviewed_on = models.DateField("考核日期", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "联系服务群众制度"
        verbose_name_plural = "联系服务群众制度"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_service_system_per_year")]

    def __str__(self):
        return self.name or self.get_kind_display()


class EscalationStatus(models.TextChoices):
    OPEN = "open", "待上级答复"
    REPLIED = "replied", "已答复"
    RESOLVED = "resolved", "已解决"


class Escalation(models.Model):
    """A problem raised by the masses that the branch cannot solve, passed upwards."""

    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="escalations")
    raised_on = models.DateField("反映日期")
    title = models.CharField("问题", max_length=200)
    description = models.TextField("具体情况")
    status = models.CharField("状态", max_length=10, choices=EscalationStatus.choices, default=EscalationStatus.OPEN)
    reply = models.TextField("上级答复", blank=True)
    replied_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replied_on = models.DateField("答复日期", null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "问题上报"
        verbose_name_plural = "问题上报"
        ordering = ["-raised_on", "-id"]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------- member records


class RecordKind(models.TextChoices):
    TRAINING = "training", "教育培训"
    REWARD = "reward", "奖励"
    PENALTY = "penalty", "惩处"
    HELP = "help", "受助帮扶"
    VISIT = "visit", "走访慰问"
    INTEGRITY = "integrity", "廉洁自律"


class MemberRecord(models.Model):
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField("类别", max_length=12, choices=RecordKind.choices)
    occurred_on = models.DateField("日期")
    title = models.CharField("事项", max_length=200)
    detail = models.TextField("情况", blank=True)
    amount_fen = models.PositiveBigIntegerField("金额（分）", null=True, blank=True)
    by_whom = models.CharField("组织/经办人", max_length=100, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党员信息记录"
        verbose_name_plural = "党员信息记录"
        ordering = ["-occurred_on", "-id"]

    def __str__(self):
        return self.title


class Screening(models.Model):
    """排查清理 of members and Party-congress delegates for breaches of law or discipline."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="screenings")
    held_on = models.DateField("排查日期")
    scope = models.CharField("排查范围", max_length=200)
    includes_delegates = models.BooleanField("包含党代表", default=False)
    findings = models.TextField("排查结果")
    handling = models.TextField("处理情况", blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "违法违纪排查清理"
        verbose_name_plural = "违法违纪排查清理"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.organization} {self.held_on}"
