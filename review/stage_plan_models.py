"""实施方案 (seed §三, stage 1): each 党(工)委 makes its implementation plan for the period
(text and/or a file), files it with the district, which accepts it or returns it with a
reason; a returned plan is changed and filed again (a new revision). Every step is an event row."""

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assessment.models import Period
from branches.models import Organization, User
from wujin_branch.storage import private


class StagePlanStatus(models.TextChoices):
    SUBMITTED = "submitted", "已报送，待区委组织部审核"
    RETURNED = "returned", "已退回修改"
    ACCEPTED = "accepted", "已审核通过"


class StagePlan(models.Model):
    committee = models.ForeignKey(Organization, verbose_name="党(工)委", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, verbose_name="考核周期", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("实施方案内容", blank=True)
    file = models.FileField("实施方案文件", storage=private, upload_to="stage-plans/%Y/", blank=True)
    status = models.CharField("状态", max_length=12, choices=StagePlanStatus.choices,
                              default=StagePlanStatus.SUBMITTED)  # fmt: skip
    revision = models.PositiveSmallIntegerField("报送次数", default=1)
    submitted_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "实施方案"
        verbose_name_plural = "实施方案"
        constraints = [models.UniqueConstraint(fields=["committee", "period"], name="one_stage_plan_per_period")]

    def __str__(self):
        return f"{self.committee} · {self.period}"


class StagePlanEvent(models.Model):
    """One step of a plan: filed, returned (with the reason), accepted."""

    plan = models.ForeignKey(StagePlan, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=40)  # review.stage_plan.submitted / .returned / .accepted
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField("意见", blank=True)
    revision = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "实施方案审核记录"
        verbose_name_plural = "实施方案审核记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.code} {self.from_status}→{self.to_status}"

    @property
    def label(self):
        return {"review.stage_plan.submitted": "报送", "review.stage_plan.returned": "退回修改",
                "review.stage_plan.accepted": "审核通过"}.get(self.code, "其他操作")  # fmt: skip
