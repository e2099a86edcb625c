"""Activity records (三会一课 and the rest of branch life) with attendance, photos and flags.

A branch records each activity once; the compliance calendar, the 党组织生活台账 and
(later) the suggested scores are all derived from these rows, never typed again.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Member, Organization, PartyGroup, User
from wujin_branch.storage import private


class ActivityType(models.TextChoices):
    CONGRESS = "congress", "支部党员大会"
    COMMITTEE = "committee", "支委会"
    GROUP = "group", "党小组会"
    LECTURE = "lecture", "党课"
    LIFE = "life", "组织生活会"
    THEME_DAY = "theme_day", "主题党日/统一活动日"
    APPRAISAL = "appraisal", "民主评议党员会议"
    SERVICE = "service", "联系服务群众活动"
    OTHER = "other", "其他活动"


class ActivityForm(models.TextChoices):
    OFFLINE = "offline", "线下"
    ONLINE = "online", "线上"
    MIXED = "mixed", "线上线下结合"


class LecturerRole(models.TextChoices):
    BRANCH_LEADER = "branch_leader", "党组织主要负责同志"
    UPPER_LEADER = "upper_leader", "上级党组织负责人"
    MEMBER = "member", "支部党员"
    GUEST = "guest", "其他授课人"


class LifeMeetingLevel(models.TextChoices):
    BRANCH = "branch", "党支部"
    GROUP = "group", "党小组"


def minutes_min_chars() -> int:
    """The shortest 会议记录 that counts (``RECORD_MIN_MINUTES_CHARS``, characters as typed)."""
    return settings.RECORD_MIN_MINUTES_CHARS


def topic_min_chars() -> int:
    return settings.RECORD_MIN_TOPIC_CHARS


class ContentCategory(models.Model):
    """What a 党课 or study record was about, chosen in one tap (optional); a list kept as data.
    ``is_ideals`` marks 理想信念教育 (the seed: 把坚定理想信念作为首要任务), ``is_skills`` the
    业务/科学文化 side (结合实际提升党员业务、文化等综合素质)."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=30)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    is_ideals = models.BooleanField("属理想信念教育", default=False)
    is_skills = models.BooleanField("属业务、科学文化教育", default=False)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "教育内容类别"
        verbose_name_plural = "教育内容类别"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ActivityQuerySet(models.QuerySet):
    """Where "a record counts" is written, once: the calendar, ``compliance_counts``, the
    suggested scores and the 台账 summaries all read it from here."""

    @staticmethod
    def counts_q() -> Q:
        """Quorum met, at least one photo (图文结合), a topic and minutes of substance (at
        least ``topic_min_chars()`` / ``minutes_min_chars()`` characters — 内容形式符合要求),
        not returned by a reviewer for completion, not voided. ``Activity.is_complete`` is the
        same test on a row already loaded (tested to agree). The lengths are read when the
        query is built, so a changed setting applies to every read at once."""
        return Q(quorum_met=True, photo_count__gt=0, returned=False, voided=False) & ActivityQuerySet.substance_q()

    @staticmethod
    def substance_q() -> Q:
        """A topic and minutes of substance (``Activity.has_substance``)."""
        return Q(GreaterThanOrEqual(Length("topic"), topic_min_chars())) & Q(
            GreaterThanOrEqual(Length("content"), minutes_min_chars())
        )

    def short_of_substance(self):
        """Records whose topic or minutes are too short to count: named in the reasons of the scores."""
        return self.exclude(self.substance_q())

    def counting(self):
        return self.filter(self.counts_q())

    def with_counts(self):
        """Each row annotated ``counts`` (bool): for pages that show every record and mark those that count."""
        return self.annotate(counts=models.ExpressionWrapper(self.counts_q(), output_field=models.BooleanField()))


class LiveManager(models.Manager.from_queryset(ActivityQuerySet)):
    """``Activity.objects``: records not voided. A voided record (作废) counts nowhere — not on
    the calendar, in ``compliance_counts``, the suggested scores, the integrity comparisons or
    the 台账 — so every read leaves it out unless it asks ``Activity.all_objects`` (the record's
    own page, the branch's list, the 台账's appendix of voided records)."""

    def get_queryset(self):
        return super().get_queryset().filter(voided=False)


class Activity(models.Model):
    branch = models.ForeignKey(Organization, verbose_name="党支部", on_delete=models.PROTECT, related_name="activities")
    type = models.CharField("活动类型", max_length=16, choices=ActivityType.choices)
    party_group = models.ForeignKey(
        PartyGroup, verbose_name="党小组", null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    held_on = models.DateField("日期")
    start_time = models.TimeField("开始时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100)
    form = models.CharField("形式", max_length=8, choices=ActivityForm.choices, default=ActivityForm.OFFLINE)
    host = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    topic = models.CharField("主题", max_length=200)
    content = models.TextField("内容/会议记录")
    decisions = models.TextField("决议事项", blank=True)
    content_category = models.ForeignKey(
        ContentCategory, verbose_name="教育内容类别", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # 党课
    lecturer = models.CharField("授课人", max_length=50, blank=True)
    lecturer_role = models.CharField("授课人身份", max_length=16, choices=LecturerRole.choices, blank=True)
    # 组织生活会
    life_level = models.CharField("组织生活会层级", max_length=8, choices=LifeMeetingLevel.choices, blank=True)
    team_check = models.TextField("书记代表班子对照检查", blank=True)
    personal_check = models.TextField("书记个人对照检查", blank=True)
    minutes_filed = models.BooleanField("会议记录已报上级党组织备案", default=False)
    minutes_filed_on = models.DateField("备案日期", null=True, blank=True)
    # Before 备案 came from the committee (issue #17) the branch ticked ``minutes_filed``
    # itself; migration 0013 moved those ticks here: shown as the branch's own claim, scored
    # nothing, cleared by a real 备案.
    minutes_self_reported = models.BooleanField("支部自报已备案（未经党(工)委确认）", default=False)
    minutes_self_reported_on = models.DateField("支部自报的备案日期", null=True, blank=True)

    # Derived from attendance by the service, stored so that calendars and scores for
    # thousands of branches are one grouped query.
    expected_count = models.PositiveIntegerField("应到人数", default=0)
    present_count = models.PositiveIntegerField("实到人数", default=0)
    leave_count = models.PositiveIntegerField("请假人数", default=0)
    quorum_base = models.PositiveIntegerField("法定人数基数", default=0)
    quorum_present = models.PositiveIntegerField("计入法定人数的到会人数", default=0)
    quorum_met = models.BooleanField("到会人数符合要求", default=False)
    photo_count = models.PositiveSmallIntegerField("照片数", default=0)
    # A reviewer returned the record for completion (RecordReturn) and the branch has not
    # amended it yet: it does not count on the calendar or in the scores meanwhile.
    returned = models.BooleanField("退回补充中", default=False)
    # Voided (作废) with a reason (RecordVoid rows say who, when and why); may be restored.
    voided = models.BooleanField("已作废", default=False)

    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # simhash of the minutes and its four 16-bit bands (see ledgers.textsim)
    text_hash = models.BigIntegerField(null=True, editable=False)
    tband0 = models.IntegerField(null=True, editable=False, db_index=True)
    tband1 = models.IntegerField(null=True, editable=False, db_index=True)
    tband2 = models.IntegerField(null=True, editable=False, db_index=True)
    tband3 = models.IntegerField(null=True, editable=False, db_index=True)

    objects = LiveManager()
    all_objects = ActivityQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["text_hash", "tband0", "tband1", "tband2", "tband3"])

    class Meta:
        verbose_name = "组织生活记录"
        verbose_name_plural = "组织生活记录"
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["branch", "held_on"]),
            models.Index(fields=["held_on", "type"]),
            # the few records out for completion: the dashboards count them per committee and
            # per branch on every view (a scan of every record of 255 branches without it)
            models.Index(fields=["branch"], condition=Q(returned=True), name="activity_returned_by_branch"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(type="group") | Q(party_group__isnull=False), name="group_meeting_needs_group"
            )
        ]

    def __str__(self):
        return f"{self.held_on} {self.get_type_display()} {self.topic}"

    @property
    def is_complete(self):
        """This record counts: ``ActivityQuerySet.counts_q`` read from the loaded fields."""
        return self.quorum_met and self.photo_count > 0 and not self.returned and not self.voided and self.has_substance

    @property
    def topic_too_short(self):
        return len(self.topic or "") < topic_min_chars()

    @property
    def minutes_too_short(self):
        return len(self.content or "") < minutes_min_chars()

    @property
    def has_substance(self):
        """A topic and minutes of substance (内容形式): long enough to say what was done."""
        return not (self.topic_too_short or self.minutes_too_short)

    @property
    def shortfalls(self) -> list[str]:
        """Why this record does not count, in words for the branch and the reviewer."""
        out = []
        if not self.quorum_met:
            out.append("到会人数不足")
        if not self.photo_count:
            out.append("无照片")
        if self.topic_too_short:
            out.append(f"主题少于{topic_min_chars()}字")
        if self.minutes_too_short:
            out.append(f"会议记录少于{minutes_min_chars()}字")
        if self.returned:
            out.append("退回补充中")
        return out

    @property
    def entry_delay_days(self):
        return (timezone.localtime(self.created_at).date() - self.held_on).days


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class Attendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField("出勤", max_length=8, choices=AttendanceStatus.choices)
    leave_reason = models.CharField("请假事由", max_length=100, blank=True)
    # Whether this person counts for the quorum (e.g. full members with voting rights at
    # a 党员大会); fixed when the record is saved, so later roster changes do not rewrite it.
    counts_for_quorum = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="uniq_attendance")]

    def __str__(self):
        return f"{self.member_id} {self.get_status_display()}"


class Photo(models.Model):
    """A checked photo. Most belong to an activity; others (阵地 checklist, 党务公开栏
    postings, receipts) point at their owner generically. ``branch`` scopes who may see it
    and lets the reuse check compare every photo the platform holds."""

    branch = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    owner_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    original = models.ImageField(storage=private, upload_to="photos/original/%Y/%m/")
    display = models.ImageField(storage=private, upload_to="photos/display/%Y/%m/")
    thumb = models.ImageField(storage=private, upload_to="photos/thumb/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    phash = models.BigIntegerField(db_index=True)
    # Four 16-bit slices of the perceptual hash: two near-identical photos (Hamming
    # distance ≤ 3) always share one slice, so candidates are found by index, not by scan.
    band0 = models.IntegerField()
    band1 = models.IntegerField()
    band2 = models.IntegerField()
    band3 = models.IntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["band0", "band1", "band2", "band3"])

    class Meta:
        verbose_name = "照片"
        verbose_name_plural = "照片"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["band0"]),
            models.Index(fields=["band1"]),
            models.Index(fields=["band2"]),
            models.Index(fields=["band3"]),
            models.Index(fields=["owner_type", "owner_id"]),
        ]

    def __str__(self):
        return self.original_name or f"照片{self.pk}"


class Attachment(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private, upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self):
        return self.name


class FlagKind(models.TextChoices):
    REUSED_PHOTO = "reused_photo", "照片与其他记录相同或高度相似"
    PHOTO_TIME = "photo_time", "照片拍摄时间与活动日期相差超过3天"
    LATE_ENTRY = "late_entry", "活动结束30天后补录"
    SIMILAR_TEXT = "similar_text", "会议记录与其他记录高度雷同"


class IntegrityFlag(models.Model):
    """Shown to reviewers beside the record; never blocks the branch."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    detail = models.CharField(max_length=300)
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    explained = models.BooleanField("已说明", default=False)
    explanation = models.CharField("说明", max_length=300, blank=True)
    explained_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    explained_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "异常提示"
        verbose_name_plural = "异常提示"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "kind", "photo", "other_activity"],
                name="uniq_flag",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return self.get_kind_display()


class ReturnResolution(models.TextChoices):
    AMENDED = "amended", "支部已修改"
    WITHDRAWN = "withdrawn", "审核人员撤销退回"
    VOIDED = "voided", "记录已作废"


class RecordReturn(models.Model):
    """A reviewer's request that the branch complete a thin record, with the reason
    (DOMAIN.md: reviewers need to reject thin records with a reason). Open until the branch
    amends the record or the reviewer withdraws it; one open return per record."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="returns")
    reason = models.CharField("退回理由", max_length=500)
    returned_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    returned_at = models.DateTimeField(default=timezone.now)
    resolution = models.CharField("处理结果", max_length=10, choices=ReturnResolution.choices, blank=True)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "退回补充"
        verbose_name_plural = "退回补充"
        ordering = ["-returned_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["activity"], condition=Q(resolved_at__isnull=True), name="one_open_return")
        ]

    def __str__(self):
        return f"{self.activity} 退回：{self.reason[:30]}"


class VoidAction(models.TextChoices):
    VOID = "void", "作废"
    RESTORE = "restore", "恢复"


class RecordVoid(models.Model):
    """One step of voiding (作废) or restoring a record, with its mandatory reason: a record
    entered twice, or in error, stays visible, struck through, and counts nowhere."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="voids")
    action = models.CharField("操作", max_length=8, choices=VoidAction.choices)
    reason = models.CharField("理由", max_length=500)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)
    # Taken while, or after, a self-assessment judging the record's date was declared (申报):
    # the reviewers of that assessment are shown it.
    after_declaration = models.BooleanField("申报后", default=False)

    class Meta:
        verbose_name = "作废记录"
        verbose_name_plural = "作废记录"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.activity_id}：{self.reason[:30]}"
