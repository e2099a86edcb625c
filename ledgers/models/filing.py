"""组织生活会 filed with the upper committee, the upper 班子会 held before it, and the
follow-up of members graded 不合格 in 民主评议 (seed §二(三)2, §二(二)4).

- ``LifeSpeech``: one member's 发言 at a 组织生活会 (班子成员和其他党员也要逐一发言); the
  书记's 班子 and personal 对照检查 stay on the ``Activity`` (``team_check`` /
  ``personal_check``).
- ``MinutesFiling``: one 报送 of the minutes package to the upper committee and the
  committee's decision on it (已备案, or 退回 with a reason). A returned package is filed again
  as a new row, so the whole path is visible. The record's state is its latest row: a
  material edit after 备案 adds a ``REOPENED`` row (待重新报送) and the branch files again.
  ``Activity.minutes_filed`` / ``minutes_filed_on`` are derived from the latest row being
  accepted, never ticked by the branch.
- ``TeamMeeting``: the 班子会议 of a 党委 / 党总支, held before its branches' 组织生活会, with
  批评和自我批评.
- ``MemberDisposal``: 不合格党员处置 — 限期改正, 劝其退党, 除名 … with the branch meeting's
  decision, the dates and the outcome; open until closed.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Member, Organization, User
from ledgers.models.activities import Activity
from ledgers.models.support import AppraisalResult


class LifeSpeech(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="speeches")
    member = models.ForeignKey(Member, verbose_name="发言人", on_delete=models.PROTECT, related_name="+")
    gist = models.TextField("发言要点（对照检查、批评和自我批评）")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "组织生活会发言"
        verbose_name_plural = "组织生活会发言"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="one_speech_per_member")]

    def __str__(self):
        return f"{self.member_id}：{self.gist[:20]}"


class FilingStatus(models.TextChoices):
    FILED = "filed", "已报送，待备案"
    ACCEPTED = "accepted", "已备案"
    RETURNED = "returned", "已退回"
    # The branch changed what was filed (minutes, 对照检查, attendance …) after 备案: the
    # 备案 no longer covers the record and it has to be filed again (STYLE.md: editing after
    # a step starts a new revision). A row of its own, written by the edit, so the path shows it.
    REOPENED = "reopened", "备案后记录已修改，待重新报送"


class MinutesFiling(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="filings")
    status = models.CharField("状态", max_length=10, choices=FilingStatus.choices, default=FilingStatus.FILED)
    note = models.CharField("报送说明", max_length=300, blank=True)
    speech_count = models.PositiveSmallIntegerField("发言人数", default=0)
    filed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField("报送时间", default=timezone.now)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.CharField("退回理由", max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "组织生活会会议记录报送备案"
        verbose_name_plural = "组织生活会会议记录报送备案"
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["status", "filed_at"])]
        constraints = [
            models.UniqueConstraint(fields=["activity"], condition=Q(status="filed"), name="one_open_filing"),
        ]

    def __str__(self):
        return f"{self.activity_id} {self.get_status_display()}"


class TeamMeeting(models.Model):
    organization = models.ForeignKey(
        Organization, verbose_name="党委/党总支", on_delete=models.PROTECT, related_name="team_meetings"
    )
    held_on = models.DateField("会议日期")
    place = models.CharField("地点", max_length=100)
    host = models.CharField("主持人", max_length=50)
    attendees = models.CharField("参加人员", max_length=300)
    content = models.TextField("批评和自我批评情况")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党委（党总支）班子会议"
        verbose_name_plural = "党委（党总支）班子会议"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organization", "held_on"])]

    def __str__(self):
        return f"{self.held_on} 班子会议"


class DisposalKind(models.TextChoices):
    CORRECTION = "correction", "限期改正"
    PERSUADE = "persuade", "劝其退党"
    REMOVAL = "removal", "除名（劝而不退）"
    LAPSED = "lapsed", "按自行脱党除名"


class DisposalOutcome(models.TextChoices):
    CORRECTED = "corrected", "经教育已改正"
    WITHDREW = "withdrew", "本人退党"
    REMOVED = "removed", "已除名"
    OTHER = "other", "其他"


class MemberDisposal(models.Model):
    result = models.ForeignKey(AppraisalResult, on_delete=models.PROTECT, related_name="disposals")
    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("处置方式", max_length=12, choices=DisposalKind.choices)
    decided_on = models.DateField("支部决定日期")
    meeting = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="支部党员大会记录"
    )
    decision = models.TextField("支部党员大会决定")
    deadline = models.DateField("改正期限", null=True, blank=True)
    upper_approved_on = models.DateField("上级党组织批准日期", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    outcome = models.CharField("处置结果", max_length=12, choices=DisposalOutcome.choices, blank=True)
    outcome_note = models.CharField("结果说明", max_length=300, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "不合格党员处置"
        verbose_name_plural = "不合格党员处置"
        ordering = ["decided_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["result"], condition=Q(closed_on__isnull=True), name="one_open_disposal")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.decided_on}）"

    @property
    def is_open(self):
        return self.closed_on is None
