"""The monthly digest mail: each active branch's arrears list to its secretaries and
Party-affairs workers, and the one a treasurer asks for now."""

import logging
from collections import defaultdict

from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from branches.models import Organization, OrgKind, OrgStatus, Role, RoleAssignment, User
from branches.permissions import Action, can, require
from ledgers.dues.arrears import ARREARS_FLAG_TEXT, Arrears, dues_arrears_for
from ledgers.dues.common import month_label, yuan
from wujin_branch import outbox

logger = logging.getLogger(__name__)

DIGEST_STAFF_ROLES = (Role.SECRETARY, Role.WORKER)


def staff_emails(branch_ids=None) -> dict[int, list[str]]:
    """Active branches' secretaries and Party-affairs workers who have an email, by branch (one query)."""
    qs = (
        RoleAssignment.objects.filter(
            role__in=DIGEST_STAFF_ROLES,
            organization__kind=OrgKind.BRANCH,
            organization__status=OrgStatus.ACTIVE,
            user__is_active=True,
        )
        .exclude(user__email="")
        .order_by("organization_id", "user__email")
    )
    if branch_ids is not None:
        qs = qs.filter(organization_id__in=branch_ids)
    out = defaultdict(list)
    for org_id, email in qs.values_list("organization_id", "user__email"):
        if email not in out[org_id]:
            out[org_id].append(email)
    return dict(out)


def dues_digest_text(branch, arrears: Arrears) -> tuple[str, str]:
    rows = arrears.rows
    subject = f"【党费提醒】{branch.name}：{len(rows)}名党员欠交党费（截至{month_label(arrears.last_month)}）"
    lines = [f"{branch.name}党费交纳情况（截至{month_label(arrears.last_month)}）", "", "以下党员有应交未交的党费："]
    for i, r in enumerate(rows, 1):
        owed = f"，合计{yuan(r.owed_fen)}元" if r.owed_fen is not None else ""
        line = f"{i}. {r.member.name}：欠交{len(r.unpaid)}个月（{r.unpaid_text}），连续未交{r.run}个月{owed}"
        if r.flagged:
            line += f"。【{ARREARS_FLAG_TEXT}】"
        lines.append(line)
    lines += ["", "请及时提醒党员按月足额交纳党费，并在平台“党费欠交提醒”页面记录提醒情况。"]
    site = getattr(settings, "SITE_URL", "").rstrip("/")
    if site:
        lines.append(f"查看：{site}{reverse('dues_arrears', args=[branch.pk])}")
    lines.append("本邮件由平台每月自动发送；平台不会对任何党员作自动处理。")
    return subject, "\n".join(lines)


def dues_digest_send(*, branch, recipients, on=None, once=True) -> int:
    """Mail the branch's arrears list to ``recipients``; returns the number of mails sent.

    ``once`` makes a redelivered task harmless: one digest per branch and month (a cache
    key, atomic with Redis). Nothing is sent when nobody is in arrears.
    """
    if not recipients:
        return 0
    arrears = dues_arrears_for(branch, on)
    if not arrears.rows:
        return 0
    key = f"dues-digest:{branch.pk}:{arrears.last_month:%Y-%m}"
    if once and not cache.add(key, 1, timeout=40 * 24 * 3600):
        return 0
    subject, body = dues_digest_text(branch, arrears)
    messages = [mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients]
    try:
        return mail.get_connection().send_messages(messages) or 0
    except Exception:
        if once:
            cache.delete(key)
        raise


def dues_digest_all(*, on=None) -> int:
    """The monthly run: every active branch with staff emails gets its arrears list."""
    emails = staff_emails()
    branches = Organization.objects.in_bulk(list(emails))
    sent = 0
    for branch_id, recipients in emails.items():
        try:
            sent += dues_digest_send(branch=branches[branch_id], recipients=recipients, on=on)
        except Exception:  # one branch's failure must not stop the others
            logger.exception("dues digest failed for branch %s", branch_id)
    return sent


def dues_digest_request(*, actor, branch) -> list[str]:
    """A treasurer asks for the list now: queued after the request's transaction commits."""
    require(actor, Action.EDIT, branch)
    recipients = staff_emails([branch.pk]).get(branch.pk, [])
    if recipients:
        from ledgers.dues.tasks import dues_branch_digest

        outbox.enqueue(dues_branch_digest, branch.pk, actor.pk)
    return recipients


def dues_digest_for_actor(*, branch_id: int, actor_id: int | None) -> int:
    """What the queued task runs: re-fetch, re-check the actor, send (not deduplicated)."""
    branch = Organization.objects.filter(pk=branch_id, kind=OrgKind.BRANCH, status=OrgStatus.ACTIVE).first()
    if branch is None:
        return 0
    if actor_id is not None:
        actor = User.objects.filter(pk=actor_id, is_active=True).first()
        if actor is None or not can(actor, Action.EDIT, branch):
            return 0
    recipients = staff_emails([branch.pk]).get(branch.pk, [])
    return dues_digest_send(branch=branch, recipients=recipients, once=False)
