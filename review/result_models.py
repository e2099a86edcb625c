"""Results put to use (seed 备注2 and §四2): 以奖代补 for committees and branches, the 党(工)委
书记述职 pack and its 述职评议, and the event rows of both (who did what, when)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assessment.models import Period, Stage
from branches.models import Organization, User
from wujin_branch.storage import private


def fen_to_yuan(fen: int | None) -> str:
    """Integer 分 as 元 with two decimals and thousands separators: 1234567 → "12,345.67"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


class RewardSubsidy(models.Model):
    """以奖代补: the district rewards a committee that pushed the work well, or a branch whose
    work was outstanding, per stage, by a decision (文号, date); the money is kept in 分."""

    organization = models.ForeignKey(Organization, verbose_name="受表彰组织", on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    stage = models.PositiveSmallIntegerField("阶段", choices=Stage.choices)
    amount_fen = models.PositiveBigIntegerField("奖补金额（分）")
    reason = models.TextField("表彰事由")
    document_number = models.CharField("决定文号", max_length=60)
    decided_on = models.DateField("决定日期")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "以奖代补"
        verbose_name_plural = "以奖代补"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="reward_amount_positive"),
            # The same decision cannot reward the same organization twice in a stage.
            models.UniqueConstraint(fields=["organization", "stage", "document_number"], name="uniq_reward_decision"),
        ]

    def __str__(self):
        return f"{self.organization} {self.document_number}"

    @property
    def amount_yuan(self) -> str:
        return fen_to_yuan(self.amount_fen)

    @property
    def stage_label(self) -> str:
        """第一阶段 (without the stage's description)."""
        return self.get_stage_display().split("：")[0]


class ReportGrade(models.TextChoices):
    GOOD = "good", "好"
    FAIRLY_GOOD = "fairly_good", "较好"
    AVERAGE = "average", "一般"
    POOR = "poor", "差"


class DutyReport(models.Model):
    """党(工)委书记述职 of one committee for one year: the pack (PDF, stored) made from its
    规范化建设 progress, and the district's 述职评议 (grade, comment, date) recorded against it."""

    committee = models.ForeignKey(Organization, verbose_name="党(工)委", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    period = models.ForeignKey(Period, verbose_name="考核周期", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")  # fmt: skip
    pack = models.FileField("述职材料", storage=private, upload_to="duty-reports/%Y/", blank=True)
    figures = models.JSONField("主要数字", default=dict, blank=True)
    generated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    generated_at = models.DateTimeField(null=True, blank=True)
    grade = models.CharField("评议等次", max_length=12, choices=ReportGrade.choices, blank=True)
    comment = models.TextField("评议意见", blank=True)
    rated_on = models.DateField("评议日期", null=True, blank=True)
    rated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党(工)委书记述职"
        verbose_name_plural = "党(工)委书记述职"
        ordering = ["-year", "committee__path"]
        constraints = [models.UniqueConstraint(fields=["committee", "year"], name="uniq_duty_report")]

    def __str__(self):
        return f"{self.committee} {self.year}年度述职"

    @property
    def is_rated(self) -> bool:
        return bool(self.grade)


RESULT_EVENT_LABELS = {
    "results.reward.recorded": "登记以奖代补",
    "results.duty_report.generated": "生成述职材料",
    "results.duty_report.rated": "述职评议",
}


class ResultEvent(models.Model):
    """One step in putting results to use, as ``review.ReviewEvent`` is for an assessment."""

    code = models.CharField(max_length=60)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reward = models.ForeignKey(RewardSubsidy, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    report = models.ForeignKey(DutyReport, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField("意见", blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "结果运用记录"
        verbose_name_plural = "结果运用记录"
        ordering = ["at", "id"]

    def __str__(self):
        return self.code

    @property
    def label(self):
        return RESULT_EVENT_LABELS.get(self.code, "其他操作")
