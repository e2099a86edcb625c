"""Who may do what, derived from ``RoleAssignment`` rows and the org tree.

A scope is (role, path of the organization). A user sees every organization whose
path starts with one of their scope paths; district staff see everything. The scopes are
read once per request and cached on the user object.
"""

from dataclasses import dataclass

from django.db.models import Q

from branches.models import OrgKind, Role, RoleAssignment
from wujin_branch.errors import DomainError


class Action:
    VIEW = "view"
    EDIT = "edit"  # the branch's own records: roster, groups, committee
    APPROVE = "approve"  # committee decisions about a branch: postponement of elections
    MANAGE = "manage"  # org structure: found, move, merge, dissolve
    SEE_ID = "see_id"  # full identity numbers
    ACCOUNTS = "accounts"  # logins and their roles (``branches.accounts`` narrows it further)


# Which roles grant which actions within their subtree.
ROLE_ACTIONS = {
    Role.DISTRICT: {Action.VIEW, Action.EDIT, Action.APPROVE, Action.MANAGE, Action.SEE_ID, Action.ACCOUNTS},
    Role.REVIEWER: {Action.VIEW, Action.APPROVE, Action.MANAGE, Action.ACCOUNTS},
    Role.SECRETARY: {Action.VIEW, Action.EDIT},
    Role.WORKER: {Action.VIEW, Action.EDIT},
}


@dataclass(frozen=True)
class Scope:
    role: str
    org_id: int
    path: str
    org_name: str
    org_kind: str

    @property
    def role_label(self):
        return Role(self.role).label


def user_scopes(user) -> list[Scope]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_scopes_cache", None)
    if cached is None:
        rows = (
            RoleAssignment.objects.filter(user=user, organization__status="active")
            .select_related("organization")
            .order_by("organization__path", "role")
        )
        cached = [
            Scope(r.role, r.organization_id, r.organization.path, r.organization.name, r.organization.kind)
            for r in rows
        ]
        user._scopes_cache = cached
    return cached


def is_district(user) -> bool:
    return any(s.role == Role.DISTRICT for s in user_scopes(user))


def scope_signature(user) -> list:
    """Who looks, as a cache key needs it: the user's (role, organization) pairs."""
    return sorted((s.role, s.org_id) for s in user_scopes(user))


def scope_q(user, action=Action.VIEW, prefix="") -> Q:
    """A Q selecting organizations (or rows through ``prefix``) the user may act on.

    ``prefix`` is the lookup path to the organization, e.g. ``"branch__"`` for members.
    """
    field = f"{prefix}path__startswith"
    paths = sorted({s.path for s in user_scopes(user) if action in ROLE_ACTIONS[s.role]})
    if not paths:
        return Q(pk__in=[])
    # Drop paths already covered by a shorter one so the OR stays small.
    kept = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    q = Q()
    for p in kept:
        q |= Q(**{field: p})
    return q


def can(user, action, org) -> bool:
    return any(org.path.startswith(s.path) and action in ROLE_ACTIONS[s.role] for s in user_scopes(user))


def can_any(user, action) -> bool:
    return any(action in ROLE_ACTIONS[s.role] for s in user_scopes(user))


def has_role(user, roles, org) -> bool:
    """Whether the user holds one of ``roles`` on ``org`` or an organization above it.

    The review workflow asks for roles, not just actions: a committee step needs a
    committee reviewer, a district step district staff."""
    return any(s.role in roles and org.path.startswith(s.path) for s in user_scopes(user))


def require(actor, action, org):
    """The service-side check (views check too): refuse with the one message every write uses."""
    if actor is None or not can(actor, action, org):
        raise DomainError("您没有权限执行此操作。")


def require_active_branch(branch, message="只能为正常的党支部录入。"):
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError(message)


def require_writable(actor, branch):
    """May ``actor`` enter records for ``branch``, and is it a branch that is still active?"""
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)


def require_district(actor, message="只有区委组织部工作人员可以执行此操作。"):
    if actor is None or not is_district(actor):
        raise DomainError(message)
