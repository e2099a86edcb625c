"""联系服务群众 (seed §二(三)3): the branch's one service system, monthly measures, the year-end
review, and 问题上报 to the upper committee with its reply."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from branches.permissions import Action, require, require_active_branch
from ledgers.models import Activity, ActivityType, Escalation, EscalationStatus, ServiceKind, ServiceSystem
from wujin_branch.errors import DomainError
from wujin_branch.services import check_year, clean, clean_text, today

# ================================================================ 联系服务群众

# 年终有考核: the year-end review can be entered from this day of the year on (and the
# form only shows from then), so a review is never typed before the year's work is done.
SERVICE_REVIEW_FROM = (12, 1)  # (month, day)


def service_review_opens(year) -> datetime.date:
    return datetime.date(year, *SERVICE_REVIEW_FROM)


@transaction.atomic
def service_system_save(*, actor, branch, year: int, kind: str, name: str = "", goal: str) -> ServiceSystem:
    """The branch's chosen service system for a year (年初有目标): created or changed."""
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)
    check_year(year, allow_next=True)
    if kind not in ServiceKind.values:
        raise DomainError("请选择服务制度。", field="kind")
    goal = clean_text(goal, "年度目标", field="goal")
    name = clean_text(name, "名称", required=False, max_length=100, field="name")
    s = ServiceSystem.objects.select_for_update().filter(branch=branch, year=year).first()
    if s is None:
        s = ServiceSystem(branch=branch, year=year)
    s.kind, s.name, s.goal = kind, name, goal
    clean(s, exclude=["branch"])
    s._history_user = actor
    try:
        with transaction.atomic():
            s.save()
    except IntegrityError as e:
        raise DomainError("本年度的服务制度刚被他人录入，请刷新页面后再修改。") from e
    return s


@transaction.atomic
def service_review_save(*, actor, system, year_end_review: str, reviewed_on) -> ServiceSystem:
    """年终考核: from ``SERVICE_REVIEW_FROM`` of the year on, dated no later than today."""
    require(actor, Action.EDIT, system.branch)
    s = ServiceSystem.objects.select_for_update(of=("self",)).select_related("branch").get(pk=system.pk)
    opens = service_review_opens(s.year)
    if today() < opens:
        raise DomainError(f"年终考核自 {opens:%Y年%m月%d日} 起填写。")
    if reviewed_on is None:
        raise DomainError("请填写考核日期。", field="reviewed_on")
    if reviewed_on < opens:
        raise DomainError(f"考核日期不能早于 {opens:%Y年%m月%d日}。", field="reviewed_on")
    if reviewed_on > today():
        raise DomainError("考核日期不能晚于今天。", field="reviewed_on")
    s.year_end_review = clean_text(year_end_review, "年终考核情况", field="year_end_review")
    s.reviewed_on = reviewed_on
    s._history_user = actor
    s.save()
    return s


@dataclass
class MonthCell:
    month: int
    state: str  # held | missing | current | future | na
    records: list = field(default_factory=list)

    @property
    def state_label(self):
        return {"held": "已开展", "missing": "未开展", "current": "本月待开展", "future": "未到", "na": "不适用"}[
            self.state
        ]


def service_months(branch, year, *, on=None) -> list[MonthCell]:
    """月月有举措: the 12 months with the year's 联系服务群众 records (one query)."""
    on = on or today()
    records = Activity.objects.filter(branch=branch, type=ActivityType.SERVICE, held_on__year=year).only(
        "id", "held_on", "topic", "photo_count"
    )
    by_month = {m: [] for m in range(1, 13)}
    for r in records.order_by("held_on", "id"):
        by_month[r.held_on.month].append(r)
    cells = []
    for m in range(1, 13):
        start = datetime.date(year, m, 1)
        end = datetime.date(year + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1)
        if by_month[m]:
            state = "held"
        elif branch.founded_on and end < branch.founded_on:
            state = "na"
        elif start > on:
            state = "future"
        elif end >= on:
            state = "current"
        else:
            state = "missing"
        cells.append(MonthCell(m, state, by_month[m]))
    return cells


# ---------------------------------------------------------------- 问题上报


@transaction.atomic
def escalation_raise(*, actor, branch, title: str, description: str, raised_on) -> Escalation:
    """The branch passes up a problem of the masses it cannot solve itself."""
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)
    if raised_on is None:
        raise DomainError("请填写反映日期。", field="raised_on")
    if raised_on > today():
        raise DomainError("反映日期不能晚于今天。", field="raised_on")
    e = Escalation(
        branch=branch,
        raised_on=raised_on,
        title=clean_text(title, "问题", max_length=200, field="title"),
        description=clean_text(description, "具体情况", field="description"),
        created_by=actor,
    )
    clean(e, exclude=["branch", "created_by", "replied_by"])
    e._history_user = actor
    e.save()
    return e


REPLY_STATUSES = (EscalationStatus.REPLIED, EscalationStatus.RESOLVED)


@transaction.atomic
def escalation_reply(*, actor, escalation, reply: str, status: str) -> Escalation:
    """The upper committee answers (again, if need be): 已答复 or 已解决."""
    require(actor, Action.APPROVE, escalation.branch)
    e = Escalation.objects.select_for_update(of=("self",)).select_related("branch").get(pk=escalation.pk)
    require(actor, Action.APPROVE, e.branch)
    if status not in REPLY_STATUSES:
        raise DomainError("请选择处理状态（已答复或已解决）。", field="status")
    e.reply = clean_text(reply, "答复意见", field="reply")
    e.status = status
    e.replied_by = actor
    e.replied_on = today()
    e._history_user = actor
    e.save()
    return e
