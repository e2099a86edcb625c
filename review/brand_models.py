"""党建工作品牌 and 典型带动 (seed 三, stage 3; 四3).

A branch describes its brand (name, idea, measures, results, photos it chooses for the
showcase); its committee recommends it or returns it with a reason; the district recognises it
(dated, with the document number) or declines it. Every step is a ``BrandEvent`` row.

现场观摩 and 座谈会 (``ExchangeEvent``): a committee or the district records one held at a host
branch, with the participating organizations, what was shown, and photos.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Organization, User


class BrandStatus(models.TextChoices):
    SUBMITTED = "submitted", "已报送，待党(工)委审核"
    RETURNED = "returned", "已退回修改"
    RECOMMENDED = "recommended", "党(工)委已推荐，待区委组织部认定"
    RECOGNISED = "recognised", "已认定为党建工作品牌"
    DECLINED = "declined", "未予认定"
    WITHDRAWN = "withdrawn", "已撤销认定"


class PartyBrand(models.Model):
    branch = models.ForeignKey(Organization, verbose_name="党支部", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("品牌名称", max_length=60)
    idea = models.TextField("品牌理念")
    measures = models.TextField("主要做法")
    results = models.TextField("工作成效")
    status = models.CharField("状态", max_length=12, choices=BrandStatus.choices, default=BrandStatus.SUBMITTED)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    committee_note = models.TextField("党(工)委意见", blank=True)
    recommended_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recommended_at = models.DateTimeField(null=True, blank=True)
    recognised_on = models.DateField("认定日期", null=True, blank=True)
    document_number = models.CharField("认定文件文号", max_length=60, blank=True)
    decision_note = models.TextField("认定意见", blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党建工作品牌"
        verbose_name_plural = "党建工作品牌"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One live brand per branch; after a decline or a withdrawal the branch may describe a new one.
            models.UniqueConstraint(fields=["branch"], condition=~Q(status__in=["declined", "withdrawn"]),
                                    name="one_live_party_brand"),
        ]

    def __str__(self):
        return f"{self.branch}：{self.name}"

    @property
    def is_recognised(self):
        return self.status == BrandStatus.RECOGNISED


class BrandEvent(models.Model):
    """One step of a brand's path (``review.brand.recommended`` …): who, from which state to which, why."""

    brand = models.ForeignKey(PartyBrand, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=40)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "品牌审核记录"
        verbose_name_plural = "品牌审核记录"
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.code} {self.from_status}→{self.to_status}"

    @property
    def label(self):
        from review.brands import STEP_LABELS

        return STEP_LABELS.get(self.code, "其他操作")


class ExchangeKind(models.TextChoices):
    OBSERVATION = "observation", "现场观摩"
    SYMPOSIUM = "symposium", "座谈会"


class ExchangeEvent(models.Model):
    kind = models.CharField("形式", max_length=12, choices=ExchangeKind.choices)
    held_on = models.DateField("日期")
    host = models.ForeignKey(Organization, verbose_name="承办党支部", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("主题", max_length=120)
    shown = models.TextField("观摩或交流内容")
    participants = models.ManyToManyField(Organization, verbose_name="参加单位", related_name="+", blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = "观摩交流活动"
        verbose_name_plural = "观摩交流活动"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["host", "held_on"])]

    def __str__(self):
        return f"{self.held_on} {self.get_kind_display()} {self.title}"
