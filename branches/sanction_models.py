"""党纪处分 of members (the five sanctions, lightest first); a one-vote veto reads them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class SanctionKind(models.IntegerChoices):
    """The five Party disciplinary sanctions, lightest first: the value is the severity."""

    WARNING = 1, "警告"
    SERIOUS_WARNING = 2, "严重警告"
    REMOVAL = 3, "撤销党内职务"
    PROBATION = 4, "留党察看"
    EXPULSION = 5, "开除党籍"


class Sanction(models.Model):
    member = models.ForeignKey(
        "branches.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="sanctions"
    )
    kind = models.PositiveSmallIntegerField("处分种类", choices=SanctionKind.choices)
    imposed_on = models.DateField("处分日期")
    effective_until = models.DateField("影响期截止", null=True, blank=True)
    reason = models.CharField("事由", max_length=200)
    decided_by = models.CharField("决定机关", max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党纪处分"
        verbose_name_plural = "党纪处分"
        ordering = ["-imposed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=models.F("imposed_on")),
                name="sanction_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.member} {self.get_kind_display()}"

    def in_effect_between(self, start, end):
        return self.imposed_on <= end and (self.effective_until is None or self.effective_until >= start)
