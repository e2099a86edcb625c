"""The rubric (versioned data), assessment periods, per-branch assessments, item scores
and one-vote vetoes.

The seed's annex is installed by a data migration exactly as written, including its
inconsistency: the items of 活动开展有序 add up to 32 while the section is declared as 30.
Totals cap each section at its declared maximum; the rubric page shows the mismatch.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Organization, User


class RubricVersion(models.Model):
    code = models.CharField("版本代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    source = models.CharField("依据", max_length=200, blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # 书记缺职 (a one-vote veto) is a vacancy at the moment of a decision, or one in the window
    # that lasted longer than this before the by-election (补选) filled it.
    vacancy_grace_days = models.PositiveSmallIntegerField(
        "书记出缺补选期限（天）", default=90,
        help_text="考核期内党支部书记出缺超过这一天数才补选的，按“党支部书记缺职”一票否决；作出决定时仍缺职的，一律否决。",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核细则版本"
        verbose_name_plural = "考核细则版本"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def in_use(self):
        return self.periods.exists()


class RubricSection(models.Model):
    version = models.ForeignKey(RubricVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("考核项目", max_length=50)
    max_points = models.DecimalField("分值上限", max_digits=5, decimal_places=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核项目"
        verbose_name_plural = "考核项目"
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["version", "order"], name="uniq_section_order")]

    def __str__(self):
        return self.name


class Evaluation(models.TextChoices):
    """How an item's suggestion is produced; ``manual`` items have no basis in the records."""

    AUTO = "auto", "依据平台记录给出建议分"
    MANUAL = "manual", "人工评分"


class RubricItem(models.Model):
    section = models.ForeignKey(RubricSection, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("顺序")
    code = models.CharField("编号", max_length=10)
    requirement = models.CharField("考核要求", max_length=100)
    standard = models.TextField("考核标准")
    points = models.DecimalField("分值", max_digits=5, decimal_places=1)
    rule = models.CharField("建议分规则", max_length=40, blank=True)  # a key of assessment.rules.RULES
    evaluation = models.CharField("评分方式", max_length=8, choices=Evaluation.choices, default=Evaluation.AUTO)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核标准"
        verbose_name_plural = "考核标准"
        ordering = ["section__order", "order"]
        constraints = [models.UniqueConstraint(fields=["section", "order"], name="uniq_item_order")]

    def __str__(self):
        return f"{self.code} {self.standard[:20]}"


class VetoKind(models.Model):
    """一票否决 情形 as data, since the seed's list ends in 等等."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField("情形", max_length=100)
    detection = models.CharField("检测规则", max_length=40, blank=True)  # empty: entered by hand
    active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "一票否决情形"
        verbose_name_plural = "一票否决情形"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class Stage(models.IntegerChoices):
    ONE = 1, "第一阶段：安排部署，全面清查（2016年底前）"
    TWO = 2, "第二阶段：深入推进，全面达标（2017年底前）"
    THREE = 3, "第三阶段：巩固提升，形成特色（2018年底前）"


class PeriodStatus(models.TextChoices):
    DRAFT = "draft", "未开始"
    OPENING = "opening", "正在生成考核表"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Period(models.Model):
    name = models.CharField("名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    stage = models.PositiveSmallIntegerField("阶段", choices=Stage.choices)
    window_start = models.DateField("考核起始日期")
    window_end = models.DateField("考核截止日期")
    self_deadline = models.DateField("支部自评截止")
    committee_deadline = models.DateField("党(工)委审核截止")
    district_deadline = models.DateField("区委组织部验收截止")
    pass_line = models.DecimalField("合格分数线", max_digits=5, decimal_places=1, default=Decimal("85"))
    notice_days = models.PositiveSmallIntegerField("公示天数", default=5)
    # the stage's goal, shown against the pass rate on the dashboards (the seed's stage 2: 100%)
    target_rate = models.DecimalField("合格率目标（%）", max_digits=4, decimal_places=1, default=Decimal("100"),
                                      validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("100"))])
    target_on = models.DateField("达标期限", null=True, blank=True, help_text="不填则为区委组织部验收截止日期")
    rubric = models.ForeignKey(RubricVersion, on_delete=models.PROTECT, related_name="periods")
    # Which term lengths are allowed (按期换届): chosen per period; empty = each term is judged
    # by the rule set in force on the day it was elected.
    term_rules = models.ForeignKey(
        "branches.TermRuleSet", verbose_name="换届任期规定", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="不选则每届支委会按其选举时施行的规定判断任期",
    )
    status = models.CharField("状态", max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.DRAFT)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核周期"
        verbose_name_plural = "考核周期"
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gte=models.F("window_start")), name="period_window_order"),
        ]

    def __str__(self):
        return self.name


class AssessmentStatus(models.TextChoices):
    """The states of a branch's assessment; the review workflow (review app) moves them."""

    DRAFT = "draft", "支部自评中"
    SUBMITTED = "submitted", "已报送党(工)委"
    RETURNED = "returned", "退回修改"
    COMMITTEE_REVIEWED = "committee_reviewed", "党(工)委已审核"
    RECOMMENDED = "recommended", "已推荐申报"
    NOT_RECOMMENDED = "not_recommended", "未推荐"
    DECLARED = "declared", "已报区委组织部"
    DISTRICT_RETURNED = "district_returned", "区委组织部退回"
    ACCEPTED = "accepted", "验收通过（拟定合格）"
    NOT_PASSED = "not_passed", "验收不合格"
    PUBLISHED = "published", "公示中"
    CONFIRMED = "confirmed", "确认为合格支部"
    RECTIFYING = "rectifying", "整顿中"


EDITABLE_BY_BRANCH = {AssessmentStatus.DRAFT, AssessmentStatus.RETURNED}


class Assessment(models.Model):
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="assessments")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField("状态", max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    revision = models.PositiveSmallIntegerField("修订次数", default=1)
    self_total = models.DecimalField("自评总分", max_digits=5, decimal_places=1, null=True, blank=True)
    committee_total = models.DecimalField("党(工)委考核分", max_digits=5, decimal_places=1, null=True, blank=True)
    district_total = models.DecimalField("区委组织部考核分", max_digits=5, decimal_places=1, null=True, blank=True)
    has_veto = models.BooleanField("存在一票否决情形", default=False)
    suggestions_at = models.DateTimeField("建议分计算时间", null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "支部考核"
        verbose_name_plural = "支部考核"
        constraints = [models.UniqueConstraint(fields=["period", "branch"], name="one_assessment_per_branch_period")]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self):
        return f"{self.branch} · {self.period}"

    @property
    def editable_by_branch(self):
        return self.status in EDITABLE_BY_BRANCH


class ItemScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    suggested = models.DecimalField("建议分", max_digits=4, decimal_places=1, null=True, blank=True)
    suggestion_reason = models.CharField("建议依据", max_length=300, blank=True)
    evidence = models.JSONField("依据记录", default=list, blank=True)  # [{"label": ..., "url": ...}]
    self_score = models.DecimalField("自评分", max_digits=4, decimal_places=1, null=True, blank=True)
    self_remark = models.CharField("自评说明", max_length=300, blank=True)
    committee_score = models.DecimalField("党(工)委考核分", max_digits=4, decimal_places=1, null=True, blank=True)
    committee_remark = models.CharField("党(工)委意见", max_length=300, blank=True)
    district_score = models.DecimalField("考核分", max_digits=4, decimal_places=1, null=True, blank=True)
    district_remark = models.CharField("区委组织部意见", max_length=300, blank=True)

    history = HistoricalRecords(excluded_fields=["evidence"])

    class Meta:
        verbose_name = "考核得分"
        verbose_name_plural = "考核得分"
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="one_score_per_item")]

    def __str__(self):
        return f"{self.assessment_id}:{self.item_id}"


class VetoSource(models.TextChoices):
    DETECTED = "detected", "平台检测"
    ENTERED = "entered", "人工认定"


class Veto(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="vetoes")
    kind = models.ForeignKey(VetoKind, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=VetoSource.choices)
    detail = models.CharField("情况", max_length=300)
    evidence = models.JSONField(default=list, blank=True)
    active = models.BooleanField("有效", default=True)
    entered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lifted_reason = models.CharField("撤销理由", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["evidence"])

    class Meta:
        verbose_name = "一票否决"
        verbose_name_plural = "一票否决"
        ordering = ["kind__order", "id"]

    def __str__(self):
        return f"{self.kind}：{self.detail}"


class StageMeasure(models.TextChoices):
    """What a stage milestone is measured by (review.stage_progress counts each from records)."""

    PLAN = "plan", "实施方案报送"
    SHELL = "shell", "“空壳”党组织清理撤销"
    LOST = "lost", "“失联”党员处置"
    SCREENING = "screening", "违法违纪党员排查处理"


class StageMilestone(models.Model):
    """A dated goal of the period's stage (seed §三: by the end of 2016 the committees' plans
    made, 空壳 organizations dissolved, 失联 and law-breaking members handled), tracked per
    committee on the dashboards. Data, not code: the district sets the names and dates."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="milestones")
    measure = models.CharField("统计口径", max_length=12, choices=StageMeasure.choices)
    name = models.CharField("阶段任务", max_length=60)
    due_on = models.DateField("完成期限")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "阶段任务"
        verbose_name_plural = "阶段任务"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["period", "measure"], name="one_milestone_per_measure")]

    def __str__(self):
        return f"{self.name}（{self.due_on}前）"
