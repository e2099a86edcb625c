"""流动党员 (two-way management) and 区管党员领导干部的民主生活会.

A flow record links the two sides of a member who works away: the branch where the member's
organizational relation is (``Member.branch``) and the branch where the member lives and
works now. 流入地主管、流出地协管: the 流入 branch manages (the member takes part in its
activities), the 流出 branch assists. When one side is outside the district it is text
(``counterpart``).

- ``OUT``: the relation is here (``member.branch``, the 流出 side); the 流入 side is a branch
  of the district (``in_branch``) or an organization outside it (``counterpart``).
- ``IN``: the relation is outside the district (``counterpart``, the 流出 side); the member is
  kept on the 流入 branch (``member.branch``), which manages them.

Counting (DOMAIN.md: a member counts where the organizational relation is): a member
flowing from A to B inside the district counts once, in A; one whose relation is outside the
district is not in the district's 党员总数 and is shown apart as 区外流入.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class FlowDirection(models.TextChoices):
    OUT = "out", "流出"
    IN = "in", "流入"


class MemberFlowQuerySet(models.QuerySet):
    def open(self):
        return self.filter(ended_on__isnull=True)

    def touching(self, branch):
        """Flows of the branch's members or into the branch. Written as the union of two indexed
        look-ups rather than ``Q(member__branch=…) | Q(in_branch=…)``: an OR across the join
        makes PostgreSQL hash every member of the district (30 ms at 90,000 members)."""
        mine = MemberFlow.objects.filter(member__branch=branch).order_by().values("pk")
        into = MemberFlow.objects.filter(in_branch=branch).order_by().values("pk")
        return self.filter(pk__in=mine.union(into))


class MemberFlow(models.Model):
    member = models.ForeignKey("branches.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="flows")
    direction = models.CharField("流动方向", max_length=4, choices=FlowDirection.choices)
    in_branch = models.ForeignKey(
        "branches.Organization",
        verbose_name="流入地党支部（区内）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flows_in",
    )
    counterpart = models.CharField("区外党组织", max_length=100, blank=True)
    started_on = models.DateField("流动开始日期")
    ended_on = models.DateField("流动结束日期", null=True, blank=True)
    note = models.CharField("流动情况说明", max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = MemberFlowQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "流动党员登记"
        verbose_name_plural = "流动党员登记"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True), name="one_open_flow"),
            models.CheckConstraint(
                condition=Q(direction="out") | Q(in_branch__isnull=True), name="flow_in_has_no_in_branch"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="flow_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["in_branch"], condition=Q(ended_on__isnull=True), name="open_flow_in")]

    def __str__(self):
        return f"{self.member} {self.get_direction_display()}"

    @property
    def is_open(self):
        return self.ended_on is None

    @property
    def out_side(self) -> str:
        """The 流出 side's name: the member's branch, or the outside organization."""
        return self.member.branch.name if self.direction == FlowDirection.OUT else self.counterpart

    @property
    def in_side(self) -> str:
        """The 流入 side's name: a branch of the district, the outside organization, or the member's branch."""
        if self.direction == FlowDirection.IN:
            return self.member.branch.name
        return self.in_branch.name if self.in_branch_id else self.counterpart

    @property
    def other_side_outside(self) -> bool:
        return self.direction == FlowDirection.IN or not self.in_branch_id


def open_flow(direction=None, **where):
    """An ``Exists`` for "the member (OuterRef pk) has an open flow" (of ``direction``)."""
    qs = MemberFlow.objects.filter(member=OuterRef("pk"), ended_on__isnull=True, **where)
    if direction:
        qs = qs.filter(direction=direction)
    return Exists(qs)


def relation_outside():
    """Members whose organizational relation is outside the district (区外流入): on a branch's
    roster (managed there) but not in the district's 党员总数."""
    return open_flow(FlowDirection.IN)


class LifeMeeting(models.Model):
    """民主生活会 of a unit's Party organization's leading team (seed §二(三)2): 区管党员领导干部
    take part once a year. Outside the branch's own score (DOMAIN.md)."""

    organization = models.ForeignKey(
        "branches.Organization", verbose_name="所在单位党组织", on_delete=models.PROTECT, related_name="life_meetings"
    )
    held_on = models.DateField("召开日期")
    topic = models.CharField("主题", max_length=200)
    minutes = models.TextField("会议记录")
    participants = models.ManyToManyField(
        "branches.Member", verbose_name="参会区管党员领导干部", related_name="life_meetings", blank=True
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = "民主生活会"
        verbose_name_plural = "民主生活会"
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.organization} {self.held_on:%Y}年民主生活会"
