"""发展党员: a person's path from 入党申请人 to 正式党员 through the 25 steps, the gap rules
(data, configurable), and the branch's yearly plan."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Education, Gender, Member, Occupation, Organization, User, mask_id_number
from wujin_branch.storage import private


class DevStage(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    STOPPED = "stopped", "终止培养"


class Applicant(models.Model):
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="applicants")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=16, choices=Education.choices)
    occupation = models.CharField("职业类别", max_length=16, choices=Occupation.choices)
    id_number = models.CharField("身份证号", max_length=18)
    phone = models.CharField("手机号", max_length=20, blank=True)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    stage = models.CharField("阶段", max_length=16, choices=DevStage.choices, default=DevStage.APPLICANT)
    member = models.OneToOneField(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="applicant", verbose_name="党员档案"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "发展对象档案"
        verbose_name_plural = "发展对象档案"
        ordering = ["-created_at"]

    def __str__(self):
        return self.name

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)


class DevStep(models.Model):
    """One of the 25 steps, with its date and, where there is one, the vote."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="steps")
    code = models.PositiveSmallIntegerField("步骤")  # 1..25, see ledgers.development.STEPS
    done_on = models.DateField("日期")
    people = models.CharField("相关人员（培养联系人、入党介绍人等）", max_length=200, blank=True)
    note = models.TextField("情况说明", blank=True)
    vote_expected = models.PositiveIntegerField("应到", null=True, blank=True)
    vote_present = models.PositiveIntegerField("实到", null=True, blank=True)
    ballots_issued = models.PositiveIntegerField("发出票数", null=True, blank=True)
    ballots_returned = models.PositiveIntegerField("收回票数", null=True, blank=True)
    votes_for = models.PositiveIntegerField("赞成票", null=True, blank=True)
    rule_breaks = models.TextField("违反时限规则", blank=True)  # filled by the service
    exception_reason = models.CharField("例外原因", max_length=300, blank=True)
    material = models.FileField("材料", storage=private, upload_to="development/%Y/", blank=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "发展党员步骤"
        verbose_name_plural = "发展党员步骤"
        ordering = ["code", "done_on"]
        constraints = [models.UniqueConstraint(fields=["applicant", "code"], name="one_record_per_step")]

    def __str__(self):
        return f"{self.applicant} 第{self.code}步"


class CorrectionKind(models.TextChoices):
    CORRECT = "correct", "更正"
    WITHDRAW = "withdraw", "撤回"


class DevCorrection(models.Model):
    """A correction or withdrawal of a recorded step: who, when, why, and the values before and after.

    ``changes`` is a list of ``{"field": label, "old": text, "new": text}`` written by the
    service, so a reviewer reads exactly what was typed before, even for a withdrawn step.
    """

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="corrections")
    code = models.PositiveSmallIntegerField("步骤")
    kind = models.CharField("类型", max_length=10, choices=CorrectionKind.choices)
    reason = models.CharField("理由", max_length=300)
    changes = models.JSONField("更正内容", default=list)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="操作人")
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "发展党员更正记录"
        verbose_name_plural = "发展党员更正记录"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.applicant} 第{self.code}步 {self.get_kind_display()}"


class ActivistExamination(models.Model):
    """党支部每半年对入党积极分子进行一次考察: one examination, its date, who examined and what was found."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="examinations")
    examined_on = models.DateField("考察日期")
    examined_by = models.CharField("考察人（培养联系人、党小组等）", max_length=100)
    content = models.TextField("考察情况")
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "入党积极分子考察"
        verbose_name_plural = "入党积极分子考察"
        ordering = ["examined_on", "id"]

    def __str__(self):
        return f"{self.applicant} {self.examined_on:%Y-%m-%d} 考察"


class DevRule(models.Model):
    """A configurable time rule between two steps (regulation; local practice may differ)."""

    code = models.CharField(max_length=40, unique=True)
    description = models.CharField("规则", max_length=200)
    from_step = models.PositiveSmallIntegerField("起始步骤")
    to_step = models.PositiveSmallIntegerField("目标步骤")
    min_days = models.PositiveIntegerField("最少天数", null=True, blank=True)
    max_days = models.PositiveIntegerField("最多天数", null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "发展党员时限规则"
        verbose_name_plural = "发展党员时限规则"
        ordering = ["from_step", "to_step"]

    def __str__(self):
        return self.description


class DevelopmentPlan(models.Model):
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="development_plans")
    year = models.PositiveSmallIntegerField("年度")
    planned_count = models.PositiveSmallIntegerField("计划发展人数")
    target_young_pct = models.PositiveSmallIntegerField("35岁以下占比目标(%)", null=True, blank=True)
    target_college_pct = models.PositiveSmallIntegerField("大专以上学历占比目标(%)", null=True, blank=True)
    target_frontline_pct = models.PositiveSmallIntegerField("一线工人农民占比目标(%)", null=True, blank=True)
    text = models.TextField("计划内容", blank=True)
    approved_by_upper = models.BooleanField("已报上级党委审批", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "发展党员计划"
        verbose_name_plural = "发展党员计划"
        constraints = [models.UniqueConstraint(fields=["branch", "year"], name="one_dev_plan_per_year")]

    def __str__(self):
        return f"{self.branch} {self.year}"
