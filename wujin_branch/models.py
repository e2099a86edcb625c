"""Models every app shares: in-app notices and long background jobs with their progress."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from wujin_branch.storage import private


class Notice(models.Model):
    """An in-app notification (a mail is sent too, after commit)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set on reminders (review.reminders): one notice per user and key, so a re-run sends nothing twice.
    key = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]
        db_table = "review_notice"  # the table it had in review/, kept so no data moves
        indexes = [models.Index(fields=["user", "read_at"], name="review_noti_user_id_fe05d0_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~models.Q(key=""), name="uniq_notice_key"),
        ]

    def __str__(self):
        return self.title


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A long background job (opening a period, computing suggestions, bulk exports) with
    progress that pages poll; the result file, if any, is stored on the row."""

    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.FileField(storage=private, upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running it beats here on each step; a job whose beat stops is 已中断 and can be
    # resumed from ``checkpoint`` (``wujin_branch.jobs``).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    runner = models.CharField(max_length=64, blank=True)
    checkpoint = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "assessment_job"  # the table it had in assessment/, kept so no data moves
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.get_status_display()}"

    @property
    def interrupted(self) -> bool:
        """Queued or running, yet no worker has beaten for ``JOB_STALE_AFTER`` seconds."""
        if self.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return False
        last = self.heartbeat_at or self.created_at
        return (timezone.now() - last).total_seconds() > settings.JOB_STALE_AFTER

    @property
    def percent(self):
        return int(self.done * 100 / self.total) if self.total else (100 if self.status == JobStatus.DONE else 0)


class FormSubmission(models.Model):
    """A form's one-time token, written in the transaction that saves what the form sent.

    A second POST of the same token (a double tap, the browser retrying after a time-out or an
    error page) finds this row and goes where the first went, so nothing is saved twice
    (``wujin_branch.pages.form_page``). Rows older than two days are deleted (``kernel.tidy``).
    """

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "表单提交"
        verbose_name_plural = "表单提交"

    def __str__(self):
        return str(self.token)


class PendingUpload(models.Model):
    """A photo that passed the checks on a form that came back with errors: kept for its user,
    shown as a thumbnail and sent again with the form, so it need not be chosen twice
    (``wujin_branch.uploads``). Deleted when the form is saved, or after a day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=40)
    file = models.FileField(storage=private, upload_to="pending/%Y/%m/")
    thumb = models.FileField(storage=private, upload_to="pending/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "待保存的照片"
        verbose_name_plural = "待保存的照片"
        ordering = ["id"]

    def __str__(self):
        return self.name


class OutboxState(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    RUNNING = "running", "执行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class OutboxTask(models.Model):
    """Background work a change causes, written in the transaction that makes the change
    (``wujin_branch.outbox``): if the broker is away the change is saved and the work waits
    here until the dispatcher sends it; a task run twice does its work once (``key``)."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=200, unique=True)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    not_before = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)  # sends to the broker
    runs = models.PositiveIntegerField(default=0)  # times a worker started it
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "后台任务队列"
        verbose_name_plural = "后台任务队列"
        indexes = [models.Index(fields=["state", "not_before"], name="outbox_state_idx")]

    def __str__(self):
        return f"{self.task} {self.get_state_display()}"


class DataVersion(models.Model):
    """A token that the services change together with a kind of data (``wujin_branch.versions``):
    what is cached from that data is keyed by it, so a change is seen at once."""

    key = models.CharField("数据", max_length=40, primary_key=True)
    token = models.CharField("版本", max_length=32)
    changed_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"

    def __str__(self):
        return f"{self.key}: {self.token}"
