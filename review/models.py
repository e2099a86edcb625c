"""Review workflow: events (the timeline), committee declarations (申报表), publication for
public notice (公示) and objections, rectification (整顿), on-site inspection, notices."""

import secrets

from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assessment.models import Assessment, Period, RubricItem
from branches.models import Organization, User


class ReviewEvent(models.Model):
    """One step in an assessment's path: who moved it from which state to which, and why.

    ``code`` names the step (e.g. ``review.committee.recommended``); ``details`` holds
    per-item reasons for a return, the batch of a declaration, etc.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=60)
    stage = models.CharField("环节", max_length=20)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField("意见", blank=True)
    details = models.JSONField(default=dict, blank=True)
    revision = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["assessment", "at"])]

    def __str__(self):
        return f"{self.code} {self.from_status}→{self.to_status}"

    @property
    def label(self):
        """The step's name in words (报送, 审核评分, …); a code no step knows reads "其他操作"."""
        from review.services import STEP_LABELS

        return STEP_LABELS.get(self.code, "其他操作")


class Declaration(models.Model):
    """A committee's 申报表: the branches it recommends to the district, submitted as one batch."""

    committee = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="declarations")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="declarations")
    submitted_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    note = models.TextField("申报说明", blank=True)

    class Meta:
        verbose_name = "申报表"
        verbose_name_plural = "申报表"
        ordering = ["-submitted_at"]

    def __str__(self):
        return f"{self.committee} {self.period} 申报表"


class DeclarationEntry(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="entries")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="declaration_entries")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["declaration", "assessment"], name="uniq_declaration_entry"),
        ]

    def __str__(self):
        return f"{self.declaration_id}:{self.assessment_id}"


class Publication(models.Model):
    """A batch published for public notice (公示), from ``starts_on`` to ``ends_on`` inclusive."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="publications")
    title = models.CharField("公示标题", max_length=200)
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    published_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    contact = models.CharField("受理异议联系方式", max_length=200, blank=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.title

    def is_open_on(self, day):
        return self.starts_on <= day <= self.ends_on


class PublicationEntry(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="entries")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="publication_entries")
    total = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publication", "assessment"], name="uniq_publication_entry")]

    def __str__(self):
        return f"{self.publication_id}:{self.assessment_id}"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    DISMISSED = "dismissed", "不予采纳"
    UPHELD = "upheld", "查实，退回重新验收"


REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: easy to read out and type
REFERENCE_LENGTH = 10  # 50 random bits


def new_objection_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalize_reference(value: str) -> str:
    """What a person types (any case, spaces, dashes) to the stored form."""
    return "".join(c for c in (value or "").upper() if c not in " -\t")


class Objection(models.Model):
    # 受理编号: shown once to the objector, who looks the objection up with it and the contact.
    reference = models.CharField("受理编号", max_length=REFERENCE_LENGTH, unique=True, default=new_objection_reference,
                                 editable=False)  # fmt: skip
    entry = models.ForeignKey(PublicationEntry, on_delete=models.PROTECT, related_name="objections")
    name = models.CharField("姓名（可不填）", max_length=50, blank=True)
    contact = models.CharField("联系方式", max_length=100)
    text = models.TextField("异议内容")
    created_at = models.DateTimeField(default=timezone.now)
    client_hash = models.CharField(max_length=64, blank=True)  # hashed IP, for throttling only
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING)
    handled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    handling_note = models.TextField("处理意见", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-created_at"]

    def __str__(self):
        return f"异议 {self.reference_display}"

    @property
    def reference_display(self) -> str:
        """XXXXX-XXXXX, easier to read out."""
        half = len(self.reference) // 2
        return f"{self.reference[:half]}-{self.reference[half:]}" if self.reference else ""


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整顿中"
    DONE = "done", "整顿完成"
    ENDED = "ended", "未配合整顿，已撤销或撤并"


class RectificationOutcome(models.TextChoices):
    DISSOLVED = "dissolved", "撤销"
    MERGED = "merged", "撤并"


class Rectification(models.Model):
    """整顿 for a branch that did not pass or was vetoed; ends in a re-assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rectifications")
    reason = models.TextField("整顿原因")
    deadline = models.DateField("整顿期限")
    status = models.CharField(max_length=6, choices=RectificationStatus.choices, default=RectificationStatus.OPEN)
    started_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField("整顿情况总结", blank=True)
    # A branch that does not cooperate: the district marks it 软弱涣散, then dissolves or merges it.
    weak_reason = models.TextField("认定软弱涣散的理由", blank=True)
    weak_marked_on = models.DateField("认定软弱涣散日期", null=True, blank=True)
    weak_marked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField("整顿结果", max_length=10, choices=RectificationOutcome.choices, blank=True)
    outcome_change = models.ForeignKey("branches.OrgChange", verbose_name="组织变更", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")  # fmt: skip
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "整顿"
        verbose_name_plural = "整顿"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.assessment} 整顿"


class RectificationTask(models.Model):
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField("整改任务", max_length=200)
    due_on = models.DateField("完成期限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    progress = models.TextField("进展", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.title


class Inspection(models.Model):
    """线下实地考察 of what the platform cannot show (阵地, paper ledgers); photos in ledgers.Photo."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="inspections")
    inspected_on = models.DateField("考察日期")
    inspectors = models.CharField("考察人员", max_length=200)
    items_checked = models.ManyToManyField(RubricItem, blank=True, related_name="+", verbose_name="考察项目")
    findings = models.TextField("考察情况")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "实地考察"
        verbose_name_plural = "实地考察"
        ordering = ["-inspected_on"]

    def __str__(self):
        return f"{self.assessment} {self.inspected_on}"


class ScoreAdjustment(models.Model):
    """A district score changed after an inspection; the reason stays visible on the sheet."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="adjustments")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="+")
    old_score = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    new_score = models.DecimalField(max_digits=4, decimal_places=1)
    reason = models.CharField("调整理由", max_length=300)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "考察调分"
        verbose_name_plural = "考察调分"
        ordering = ["at"]

    def __str__(self):
        return f"{self.item_id}: {self.old_score}→{self.new_score}"
from review.brand_models import BrandEvent, BrandStatus, ExchangeEvent, ExchangeKind, PartyBrand  # noqa: E402,F401
from review.model_branch_models import ModelBranchNomination, NominationStatus  # noqa: E402,F401
from review.result_models import DutyReport, ReportGrade, ResultEvent, RewardSubsidy  # noqa: E402,F401
from review.stage_plan_models import StagePlan, StagePlanEvent, StagePlanStatus  # noqa: E402,F401
