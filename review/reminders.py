"""Reminders before it is too late, run every morning by Celery beat.

DOMAIN.md: branches need warnings before a deadline, not blame after it, and a branch
silent for 30 days gets a reminder. So, daily:

- a branch with no organization-life record for 30 days: its secretary and Party-affairs
  workers get a notice (again after each further 30 days of silence); each committee
  reviewer gets one digest a month of the silent branches under them;
- an open assessment period's deadlines, 7, 3 and 1 days ahead: branches that have not
  submitted their self-assessment; reviewers with branches still to review; district
  staff with declarations still to accept.

Every reminder is a ``Notice`` with a ``key`` (unique per user), so a re-run, a
redelivered task or a missed day sends nothing twice. The work is a handful of
set-based queries however many branches there are.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.urls import reverse

from assessment.models import Assessment, AssessmentStatus, Period, PeriodStatus
from branches.models import Organization, Role, RoleAssignment
from ledgers.activities.selectors import SILENT_DAYS, silent_branches
from wujin_branch import outbox
from wujin_branch.models import Notice
from wujin_branch.notices import unread_changed

DEADLINE_DAYS = (7, 3, 1)  # remind this many days ahead (or fewer, if a day was missed)
BRANCH_ROLES = (Role.SECRETARY, Role.WORKER)


def _cn(d: datetime.date) -> str:
    return f"{d.month}月{d.day}日"


def _bucket(days_left: int) -> int | None:
    """The reminder a deadline ``days_left`` days away belongs to: 7 for 4-7 days, 3 for
    2-3, 1 for the last day and the day itself; None when it is further off or past."""
    if days_left < 0:
        return None
    for n in sorted(DEADLINE_DAYS):
        if days_left <= n:
            return n
    return None


def _left(days_left: int) -> str:
    return "今天截止" if days_left == 0 else f"还有 {days_left} 天"


def _send(rows) -> int:
    """Create the notices of ``rows`` (user_id, key, title, body, url) not sent before and
    mail them after commit; returns how many were new."""
    if not rows:
        return 0
    from wujin_branch.tasks import mail_notices

    keys = {row[1] for row in rows}
    sent = set(Notice.objects.filter(key__in=keys).values_list("user_id", "key"))
    new, seen = [], set()
    for user_id, key, title, body, url in rows:
        if (user_id, key) in sent or (user_id, key) in seen:
            continue
        seen.add((user_id, key))
        new.append(Notice(user_id=user_id, key=key, title=title[:200], body=body, url=url))
    with transaction.atomic():
        notices = Notice.objects.bulk_create(new, batch_size=1000)
        unread_changed(n.user_id for n in notices)
        ids = [n.pk for n in notices if n.pk]
        if ids:
            outbox.enqueue(mail_notices, ids)
    return len(new)


def _branch_users(branch_ids) -> dict[int, list[int]]:
    users = defaultdict(list)
    rows = RoleAssignment.objects.filter(
        role__in=BRANCH_ROLES, user__is_active=True, organization_id__in=list(branch_ids)
    ).values_list("organization_id", "user_id")
    for org_id, user_id in rows:
        users[org_id].append(user_id)
    return users


def _reviewers():
    """(user id, organization id, organization path) of every active reviewer."""
    return list(
        RoleAssignment.objects.filter(role=Role.REVIEWER, user__is_active=True).values_list(
            "user_id", "organization_id", "organization__path"
        )
    )


def _count_by_ancestor(paths, steplen=Organization.steplen) -> dict[str, int]:
    """How many of ``paths`` lie under each ancestor path (the branch itself excluded)."""
    counts = defaultdict(int)
    for path in paths:
        for i in range(steplen, len(path), steplen):
            counts[path[:i]] += 1
    return counts


# ---------------------------------------------------------------- silent branches


def remind_silent_branches(*, on: datetime.date) -> int:
    silent = list(silent_branches(on=on).values_list("pk", "name", "path", "last_held"))
    users = _branch_users(pk for pk, *_ in silent)
    url_list = reverse("silent_list")
    rows = []
    for pk, name, _, last_held in silent:
        if last_held:
            days = (on - last_held).days
            title = f"{name}：已 {days} 天没有组织生活记录"
            body = (f"本支部最近一次组织生活是{last_held.year}年{_cn(last_held)}。请对照组织生活日历，"
                    "按时召开支委会、党员大会、党小组会和上党课，并及时在平台记录（图文结合）。")  # fmt: skip
            key = f"silent:{pk}:{last_held:%Y%m%d}:{days // SILENT_DAYS}"
        else:
            title = f"{name}：平台上还没有组织生活记录"
            body = "请对照组织生活日历，按时开展“三会一课”等组织生活，并及时在平台记录（图文结合）。"
            key = f"silent:{pk}:never:{on:%Y%m}"
        url = reverse("branch_calendar", args=[pk])
        rows += [(user_id, key, title, body, url) for user_id in users.get(pk, ())]
    under = _count_by_ancestor(path for _, _, path, _ in silent)
    for user_id, org_id, path in _reviewers():
        if n := under.get(path):
            title = f"{n} 个党支部已超过 {SILENT_DAYS} 天没有组织生活记录"
            body = "请督促这些支部按时开展组织生活并及时记录。"
            rows.append((user_id, f"silent-digest:{org_id}:{on:%Y%m}", title, body, url_list))
    return _send(rows)


# ---------------------------------------------------------------- deadlines


def _self_deadline(period, days_left, bucket) -> list:
    pending = list(
        Assessment.objects.filter(
            period=period, status__in=[AssessmentStatus.DRAFT, AssessmentStatus.RETURNED]
        ).values_list("pk", "branch_id", "branch__name", "status")
    )
    users = _branch_users(branch_id for _, branch_id, _, _ in pending)
    rows = []
    for pk, branch_id, name, status in pending:
        what = "退回修改的自评尚未重新报送" if status == AssessmentStatus.RETURNED else "自评尚未报送"
        title = f"{name}：{period.name}自评{_cn(period.self_deadline)}截止（{_left(days_left)}）"
        body = f"本支部{what}。请在截止前完成自评、上传佐证并报送党(工)委。"
        url = reverse("assessment_self", args=[pk])
        rows += [(u, f"deadline:self:{pk}:{bucket}", title, body, url) for u in users.get(branch_id, ())]
    return rows


def _committee_deadline(period, days_left, bucket) -> list:
    waiting = Assessment.objects.filter(
        period=period, status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.COMMITTEE_REVIEWED]
    ).values_list("branch__path", flat=True)
    under = _count_by_ancestor(waiting)
    rows = []
    for user_id, org_id, path in _reviewers():
        if n := under.get(path):
            title = f"{period.name}：{n} 个党支部待审核，{_cn(period.committee_deadline)}截止（{_left(days_left)}）"
            body = "请在截止前完成审核并推荐申报，需修改的请尽早退回支部。"
            url = reverse("committee_dashboard", args=[org_id])
            rows.append((user_id, f"deadline:committee:{period.pk}:{org_id}:{bucket}", title, body, url))
    return rows


def _district_deadline(period, days_left, bucket) -> list:
    n = Assessment.objects.filter(period=period, status=AssessmentStatus.DECLARED).count()
    if not n:
        return []
    users = RoleAssignment.objects.filter(role=Role.DISTRICT, user__is_active=True, organization__depth=1).values_list(
        "user_id", flat=True
    )
    title = f"{period.name}：{n} 个党支部待验收，{_cn(period.district_deadline)}截止（{_left(days_left)}）"
    body = "请在截止前完成验收评定。"
    url = reverse("district_dashboard")
    return [(u, f"deadline:district:{period.pk}:{bucket}", title, body, url) for u in set(users)]


def remind_deadlines(*, on: datetime.date) -> int:
    rows = []
    for period in Period.objects.filter(status=PeriodStatus.OPEN):
        for deadline, make in (
            (period.self_deadline, _self_deadline),
            (period.committee_deadline, _committee_deadline),
            (period.district_deadline, _district_deadline),
        ):
            days_left = (deadline - on).days
            if (bucket := _bucket(days_left)) is not None:
                rows += make(period, days_left, bucket)
    return _send(rows)


def daily_reminders(*, on: datetime.date) -> dict:
    return {"silent": remind_silent_branches(on=on), "deadlines": remind_deadlines(on=on)}
