"""Accounts managed inside the platform: create a login with a role, grant and revoke roles,
reset a password (a one-time password, changed at first login), unlock, stop and restart.

Who may touch what:
- district staff manage every account and grant every role;
- a committee reviewer manages the accounts of their subtree: they grant reviewer, secretary
  and worker roles on organizations under their committee, never a district role, and they
  may reset, unlock or stop only a login whose every role lies under their committee and
  which is neither a superuser nor an admin-site (is_staff) login (a
  login that also works elsewhere belongs to the district);
- nobody changes their own account here (their password has its own page), so nobody locks
  themselves out.

Every change writes an ``AccountEvent`` in the same transaction as the change."""

import secrets

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from branches.account_models import AccountAction, AccountEvent
from branches.models import Organization, OrgKind, Role, RoleAssignment, User
from branches.permissions import ROLE_ACTIONS, Action, can, is_district, scope_q, user_scopes
from wujin_branch.errors import DomainError

# Which organizations a role may sit on.
ROLE_KINDS = {
    Role.DISTRICT: {OrgKind.DISTRICT},
    Role.REVIEWER: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    Role.SECRETARY: {OrgKind.BRANCH},
    Role.WORKER: {OrgKind.BRANCH},
}
# Letters and digits nobody misreads when copying a password off a screen.
PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 10
NOT_ALLOWED = "您没有权限管理该账号。"


# ---------------------------------------------------------------- who may touch what


def can_manage_accounts(actor) -> bool:
    return any(Action.ACCOUNTS in ROLE_ACTIONS[s.role] for s in user_scopes(actor))


def grantable_roles(actor):
    """The roles ``actor`` may hand out, in the order the form offers them."""
    if is_district(actor):
        return list(Role)
    if can_manage_accounts(actor):
        return [Role.REVIEWER, Role.SECRETARY, Role.WORKER]
    return []


def can_grant(actor, role, org) -> bool:
    return role in grantable_roles(actor) and can(actor, Action.ACCOUNTS, org) and org.kind in ROLE_KINDS[role]


def can_touch_role(actor, assignment) -> bool:
    """May ``actor`` revoke this role (it lies in their subtree and is one they could grant)?"""
    return assignment.user_id != actor.pk and can_grant(actor, assignment.role, assignment.organization)


def users_in_scope(actor):
    """The logins ``actor`` sees on the account pages: every one for district staff, those with a
    role under their committee for a reviewer."""
    if is_district(actor):
        return User.objects.all()
    if not can_manage_accounts(actor):
        return User.objects.none()
    inside = RoleAssignment.objects.filter(
        scope_q(actor, Action.ACCOUNTS, prefix="organization__"), user=OuterRef("pk")
    )
    return User.objects.filter(Exists(inside))


def with_manageable(actor, users):
    """Annotate ``manageable``: whether ``actor`` may reset, unlock or stop the login (one
    subquery, so a list stays at a fixed number of queries)."""
    if is_district(actor):
        return users.annotate(manageable=~Q(pk=actor.pk))
    foreign = RoleAssignment.objects.filter(user=OuterRef("pk")).filter(
        ~scope_q(actor, Action.ACCOUNTS, prefix="organization__") | Q(role=Role.DISTRICT)
    )
    return users.annotate(manageable=~Exists(foreign) & ~Q(pk=actor.pk) & Q(is_superuser=False, is_staff=False))


def may_manage(actor, user) -> bool:
    if user.pk == actor.pk or not can_manage_accounts(actor):
        return False
    if is_district(actor):
        return True
    return with_manageable(actor, users_in_scope(actor)).filter(pk=user.pk, manageable=True).exists()


def _require_manage(actor, user):
    if not may_manage(actor, user):
        raise DomainError(NOT_ALLOWED)


# ---------------------------------------------------------------- locks


def locked_usernames(usernames):
    """Which of ``usernames`` django-axes holds locked now (one query)."""
    limit = settings.AXES_FAILURE_LIMIT
    since = timezone.now() - timezone.timedelta(hours=settings.AXES_COOLOFF_TIME)
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames), failures_since_start__gte=limit, attempt_time__gte=since
        )
        .values_list("username", flat=True)
        .distinct()
    )


# ---------------------------------------------------------------- writes


def one_time_password() -> str:
    while True:
        p = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if any(c.isdigit() for c in p) and any(c.isalpha() for c in p):
            return p


def _log(actor, user, action, org=None, detail=""):
    if org is None:
        first = user.roles.select_related("organization").order_by("organization__path").first()
        org = first.organization if first else None
    AccountEvent.objects.create(actor=actor, user=user, organization=org, action=action, detail=detail[:200])


def _check_role(actor, role, org):
    if org.kind not in ROLE_KINDS[role]:
        kinds = "、".join(OrgKind(k).label for k in ROLE_KINDS[role])
        raise DomainError(f"“{Role(role).label}”只能设在{kinds}上。", field="organization")
    if not org.is_active:
        raise DomainError("该组织已撤销或合并，不能再设角色。", field="organization")
    if not can_grant(actor, role, org):
        raise DomainError(
            "您不能授予该角色：只能在本单位范围内授予党(工)委审核员、支部书记或党务工作者。", field="role"
        )


@transaction.atomic
def create_account(*, actor, username, full_name, phone, role, organization) -> tuple[User, str]:
    """A new login holding one role; returns it and its one-time password (shown once)."""
    username = username.strip()
    _check_role(actor, role, organization)
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("该登录名已被使用，请换一个。", field="username")
    password = one_time_password()
    user = User(username=username, full_name=full_name.strip(), phone=phone.strip(), must_change_password=True)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    RoleAssignment.objects.create(user=user, organization=organization, role=role)
    _log(actor, user, AccountAction.CREATED, organization, f"{Role(role).label} · {organization.name}")
    return user, password


@transaction.atomic
def grant_role(*, actor, user, role, organization) -> RoleAssignment:
    if user.pk == actor.pk:
        raise DomainError("不能给自己授予角色。")
    _check_role(actor, role, organization)
    if not is_district(actor) and not users_in_scope(actor).filter(pk=user.pk).exists():
        raise DomainError(NOT_ALLOWED)
    ra, made = RoleAssignment.objects.get_or_create(user=user, organization=organization, role=role)
    if not made:
        raise DomainError("该账号已有这个角色。", field="role")
    _log(actor, user, AccountAction.GRANTED, organization, f"{Role(role).label} · {organization.name}")
    return ra


@transaction.atomic
def revoke_role(*, actor, assignment) -> None:
    assignment = RoleAssignment.objects.select_for_update().select_related("organization", "user").get(pk=assignment.pk)
    if not can_touch_role(actor, assignment):
        raise DomainError("您不能撤销该角色。")
    org, user, label = assignment.organization, assignment.user, assignment.get_role_display()
    assignment.delete()
    _log(actor, user, AccountAction.REVOKED, org, f"{label} · {org.name}")


@transaction.atomic
def reset_password(*, actor, user) -> str:
    _require_manage(actor, user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    AccessAttempt.objects.filter(username=user.username).delete()
    _log(actor, user, AccountAction.RESET, detail="设置一次性密码，首次登录须修改")
    return password


@transaction.atomic
def unlock(*, actor, user) -> int:
    _require_manage(actor, user)
    n, _ = AccessAttempt.objects.filter(username=user.username).delete()
    if not n:
        raise DomainError("该账号没有被锁定。")
    _log(actor, user, AccountAction.UNLOCKED)
    return n


@transaction.atomic
def set_active(*, actor, user, active: bool, reason: str = "") -> None:
    _require_manage(actor, user)
    if user.is_active == active:
        raise DomainError("该账号已启用。" if active else "该账号已停用。")
    if not active and not reason.strip():
        raise DomainError("请填写停用原因。", field="reason")
    user.is_active = active
    user.save(update_fields=["is_active"])
    # A stopped login's open sessions end at its next request: the auth backend refuses an
    # inactive user when it loads the session.
    _log(actor, user, AccountAction.REACTIVATED if active else AccountAction.DEACTIVATED, detail=reason.strip())


@transaction.atomic
def edit_account(*, actor, user, full_name, phone) -> None:
    _require_manage(actor, user)
    user.full_name, user.phone = full_name.strip(), phone.strip()
    user.save(update_fields=["full_name", "phone"])
    _log(actor, user, AccountAction.EDITED, detail=f"姓名 {user.full_name}，手机号 {user.phone or '无'}")


@transaction.atomic
def change_own_password(*, user, password) -> None:
    """The user's own new password (validated by the site's password rules)."""
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise DomainError("；".join(e.messages), field="new_password1") from e
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    _log(user, user, AccountAction.PASSWORD_CHANGED)


def events_in_scope(actor):
    """The account log ``actor`` may read: all for district staff, their subtree's for a reviewer."""
    rows = AccountEvent.objects.select_related("actor", "user", "organization")
    if is_district(actor):
        return rows
    if not can_manage_accounts(actor):
        return rows.none()
    return rows.filter(scope_q(actor, Action.ACCOUNTS, prefix="organization__"))


def organizations_for_grant(actor):
    """Organizations ``actor`` may put a role on (the form's choices), tree order."""
    return Organization.objects.filter(scope_q(actor, Action.ACCOUNTS), status="active").order_by("path")
