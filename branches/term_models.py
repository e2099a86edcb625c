"""Terms by rule (seed §二(一)3): the allowed term lengths are data, by rule set and branch
type, and the upper committee's steps on an overdue term (整顿、选派、兼任) are recorded.

The seed cites the 1990 《中国共产党基层组织选举工作暂行条例》 (2 or 3 years); later
regulation differs (2018 《中国共产党支部工作条例（试行）》: 3 years, 村/社区 up to 5), so a
period of assessment chooses the rule set it judges by (``assessment.Period.term_rules``)."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class TermRuleSet(models.Model):
    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("依据", max_length=100)
    effective_from = models.DateField("施行日期")

    class Meta:
        verbose_name = "换届任期规定"
        verbose_name_plural = "换届任期规定"
        ordering = ["effective_from"]

    def __str__(self):
        return self.name

    def allowed_years(self, branch_type) -> tuple[int, ...]:
        """The lengths allowed for a branch type: its own row, else the row for all types."""
        rows = {r.branch_type: r.years for r in self.rules.all()}
        return rows.get(branch_type or "", rows.get("", ()))

    @classmethod
    def in_force_on(cls, day: datetime.date):
        return cls.objects.filter(effective_from__lte=day).order_by("-effective_from").prefetch_related("rules").first()


class TermRule(models.Model):
    rule_set = models.ForeignKey(TermRuleSet, on_delete=models.CASCADE, related_name="rules")
    # blank: every branch type without a row of its own
    branch_type = models.CharField("支部类型", max_length=16, blank=True)
    allowed_years = models.CharField("允许的任期（年，逗号分隔）", max_length=20)

    class Meta:
        verbose_name = "任期规定"
        verbose_name_plural = "任期规定"
        constraints = [models.UniqueConstraint(fields=["rule_set", "branch_type"], name="one_term_rule_per_type")]

    def __str__(self):
        return f"{self.rule_set.code} {self.branch_type or '各类'} {self.allowed_years}"

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(int(y) for y in self.allowed_years.split(",") if y.strip())


def years_text(years) -> str:
    return "或".join(f"{y}年" for y in years)


class InterventionKind(models.TextChoices):
    RECTIFY = "rectify", "整顿"
    DISPATCH = "dispatch", "选派"
    CONCURRENT = "concurrent", "兼任"


class TermIntervention(models.Model):
    """The upper committee steps in on a term not renewed on time (seed: 通过整顿、选派、兼任等手段，
    督促指导其完成换届选举工作)."""

    term = models.ForeignKey("branches.CommitteeTerm", on_delete=models.PROTECT, related_name="interventions")
    kind = models.CharField("措施", max_length=12, choices=InterventionKind.choices)
    person = models.CharField("选派或兼任人员", max_length=50, blank=True)
    decided_on = models.DateField("决定日期")
    note = models.CharField("情况说明", max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "督促换届措施"
        verbose_name_plural = "督促换届措施"
        ordering = ["decided_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="rectify") | ~Q(person=""), name="intervention_names_the_person")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.person}".strip()
