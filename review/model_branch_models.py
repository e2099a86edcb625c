"""示范支部 (seed §三, stage 1): a committee nominates a branch "党员管理严格、组织生活规范、
模范带头作用明显" with its reasons and evidence; the district commends it (表彰, dated, with
the document number) or declines with a reason."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Organization, User


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", "已推荐，待区委组织部审定"
    COMMENDED = "commended", "已表彰为示范支部"
    DECLINED = "declined", "未予表彰"


class ModelBranchNomination(models.Model):
    branch = models.ForeignKey(Organization, verbose_name="党支部", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    reason = models.TextField("推荐理由")
    evidence = models.TextField("主要事迹和佐证材料", blank=True)
    nominated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(default=timezone.now)
    status = models.CharField("状态", max_length=12, choices=NominationStatus.choices,
                              default=NominationStatus.NOMINATED)  # fmt: skip
    commended_on = models.DateField("表彰日期", null=True, blank=True)
    document_number = models.CharField("表彰文件文号", max_length=60, blank=True)
    decision_note = models.TextField("审定意见", blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "示范支部推荐"
        verbose_name_plural = "示范支部推荐"
        ordering = ["-year", "-nominated_at"]
        constraints = [
            # One open or successful nomination per branch and year; a declined one may be followed.
            models.UniqueConstraint(fields=["branch", "year"], condition=~Q(status="declined"),
                                    name="one_live_model_branch_nomination"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.branch} {self.year}"
