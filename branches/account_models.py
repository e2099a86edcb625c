"""The account log: who created, granted, revoked, reset, unlocked or stopped which login.

Field history (django-simple-history) records rows; this log records the decision, in words a
reviewer reads ("张三 为 李四 重置了密码"), scoped by the organization it concerns."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AccountAction(models.TextChoices):
    CREATED = "created", "创建账号"
    GRANTED = "granted", "授予角色"
    REVOKED = "revoked", "撤销角色"
    RESET = "reset", "重置密码"
    UNLOCKED = "unlocked", "解除锁定"
    DEACTIVATED = "deactivated", "停用账号"
    REACTIVATED = "reactivated", "启用账号"
    EDITED = "edited", "修改信息"
    PASSWORD_CHANGED = "password_changed", "本人修改密码"


class AccountEvent(models.Model):
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="account_actions"
    )
    # PROTECT: the log outlives nothing it describes. An account with a history is stopped
    # (停用), never deleted, so who granted, reset or stopped what stays answerable.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_events")
    # The organization the change concerns (the role's, or the account's first role's): the
    # log a reviewer reads is the rows under their committee.
    organization = models.ForeignKey(
        "branches.Organization", on_delete=models.PROTECT, null=True, related_name="account_events"
    )
    action = models.CharField("操作", max_length=20, choices=AccountAction.choices)
    detail = models.CharField("内容", max_length=200, blank=True)

    class Meta:
        verbose_name = "账号操作记录"
        verbose_name_plural = "账号操作记录"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="account_event_user_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.detail}"
