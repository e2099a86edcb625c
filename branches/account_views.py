"""Account pages for district staff and committee reviewers (rules in ``branches.accounts``),
the one-time password shown once, and each user's own password page (forced at first login
by ``branches.middleware``)."""

import secrets

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from branches import accounts
from branches.account_forms import (
    AccountCreateForm,
    AccountEditForm,
    ConfirmForm,
    DeactivateForm,
    FirstPasswordForm,
    RoleForm,
)
from branches.models import Organization, RoleAssignment
from branches.permissions import Action
from branches.selectors import get_org_for_user
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page, querystring, with_token

PAGE_SIZE = 50
SHOWN_FOR = 600  # seconds a one-time password waits to be shown


def _require_manager(request):
    if not accounts.can_manage_accounts(request.user):
        raise Http404("未找到")


def _roles_prefetch():
    return Prefetch(
        "roles", queryset=RoleAssignment.objects.select_related("organization").order_by("organization__path", "role")
    )


def _get_user(request, pk):
    """The login, or 404 when it is missing or outside the actor's accounts (the same 404)."""
    _require_manager(request)
    qs = accounts.with_manageable(request.user, accounts.users_in_scope(request.user))
    user = qs.filter(pk=pk).prefetch_related(_roles_prefetch()).first()
    if user is None:
        raise Http404("未找到该账号")
    return user


@login_required
def account_list(request):
    _require_manager(request)
    q = request.GET.get("q", "").strip()
    users = accounts.with_manageable(request.user, accounts.users_in_scope(request.user))
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q))
    org = None
    if request.GET.get("org", "").isdigit():
        org = get_org_for_user(request.user, int(request.GET["org"]), Action.ACCOUNTS)
        users = users.filter(
            Exists(RoleAssignment.objects.filter(user=OuterRef("pk"), organization__path__startswith=org.path))
        )
    state = request.GET.get("state", "")
    if state == "inactive":
        users = users.filter(is_active=False)
    elif state == "first":
        users = users.filter(must_change_password=True)
    page = Paginator(users.order_by("username").prefetch_related(_roles_prefetch()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    locked = accounts.locked_usernames(u.username for u in page)
    for u in page:
        u.locked = u.username in locked
    return render(
        request,
        "branches/accounts/list.html",
        {
            "page": page,
            "q": q,
            "state": state,
            "org": org,
            "querystring": querystring(q=q, state=state, org=org and org.pk),
        },
    )


def _show_once(actor, user, password):
    """Park the one-time password for one showing, and give the page that shows it.

    The password never goes into a message or the session (both may sit in a cookie or a
    table); it waits in the cache, under a random key, for the actor who made it."""
    key = secrets.token_urlsafe(16)
    cache.set(f"otp:{key}", {"by": actor.pk, "user": user.pk, "password": password}, SHOWN_FOR)
    return reverse("account_password_shown", args=[key])


@login_required
def account_create(request):
    _require_manager(request)
    initial = {}
    raw = request.GET.get("org", "")
    if raw.isdigit() and (org := Organization.objects.filter(pk=int(raw)).first()):
        initial["organization"] = org.pk
    form = AccountCreateForm(request.POST or None, actor=request.user, initial=initial)

    def create(d):
        user, password = accounts.create_account(
            actor=request.user,
            username=d["username"],
            full_name=d["full_name"],
            phone=d["phone"],
            role=d["role"],
            organization=d["organization"],
        )
        return _show_once(request.user, user, password)

    return form_page(
        request,
        form,
        create,
        done=lambda url: "账号已创建。",
        to=lambda url: url,
        template="branches/accounts/form.html",
        context={"title": "新建账号"},
        back=reverse("account_list"),
    )


@never_cache
@login_required
def password_shown(request, key):
    _require_manager(request)
    data = cache.get(f"otp:{key}")
    shown = None
    user = None
    if data and data["by"] == request.user.pk:
        user = _get_user(request, data["user"])  # looked up first: a 404 consumes nothing
        cache.delete(f"otp:{key}")
        shown = data
    return render(
        request,
        "branches/accounts/password_shown.html",
        {"shown_user": user, "password": shown["password"] if shown else None},
    )


@login_required
def account_detail(request, pk):
    user = _get_user(request, pk)
    roles = list(user.roles.all())
    for r in roles:
        r.revocable = accounts.can_touch_role(request.user, r)
        r.form = with_token(ConfirmForm())  # each button its own one-time token
    locked = bool(accounts.locked_usernames([user.username]))
    events = accounts.events_in_scope(request.user).filter(user=user)[:30]
    return render(
        request,
        "branches/accounts/detail.html",
        {
            "account": user,
            "roles": roles,
            "locked": locked,
            "events": events,
            "role_form": with_token(RoleForm(actor=request.user)),
            "reset_form": with_token(ConfirmForm()),
            "unlock_form": with_token(ConfirmForm()),
            "reactivate_form": with_token(ConfirmForm()),
            "deactivate_form": with_token(DeactivateForm()),
        },
    )


def _detail_action(request, pk, form, act, *, done, title):
    """A POST from the account page; a refusal comes back on a small page of its own."""
    user = _get_user(request, pk)
    back = reverse("account_detail", args=[user.pk])
    return form_page(
        request,
        form,
        lambda d: act(user, d),
        done=done,
        to=lambda result: result if isinstance(result, str) else back,
        template="branches/accounts/form.html",
        context={"title": title, "account": user},
        back=back,
    )


@login_required
def account_grant(request, pk):
    form = RoleForm(request.POST or None, actor=request.user)
    return _detail_action(
        request,
        pk,
        form,
        lambda user, d: accounts.grant_role(
            actor=request.user, user=user, role=d["role"], organization=d["organization"]
        ),
        done=lambda ra: f"已授予：{ra.get_role_display()} · {ra.organization.name}。",
        title="授予角色",
    )


@require_POST
@login_required
def account_revoke(request, pk, role_pk):
    user = _get_user(request, pk)
    ra = RoleAssignment.objects.select_related("organization").filter(pk=role_pk, user=user).first()
    if ra is None or not accounts.can_touch_role(request.user, ra):
        raise Http404("未找到该角色")
    return _detail_action(
        request,
        pk,
        ConfirmForm(request.POST),
        lambda user, d: accounts.revoke_role(actor=request.user, assignment=ra),
        done=lambda _: f"已撤销：{ra.get_role_display()} · {ra.organization.name}。",
        title="撤销角色",
    )


def _button(act, *, done, title):
    """A view for a one-click step on the account page (a button: the form token only)."""

    @require_POST
    @login_required
    def view(request, pk):
        return _detail_action(request, pk, ConfirmForm(request.POST), lambda user, d: act(request.user, user),
                              done=lambda _: done, title=title)  # fmt: skip

    return view


account_reset = _button(
    lambda actor, user: _show_once(actor, user, accounts.reset_password(actor=actor, user=user)),
    done="密码已重置。",
    title="重置密码",
)
account_unlock = _button(
    lambda actor, user: accounts.unlock(actor=actor, user=user),
    done="已解除锁定，该账号可以重新登录。",
    title="解除锁定",
)
account_reactivate = _button(
    lambda actor, user: accounts.set_active(actor=actor, user=user, active=True), done="账号已启用。", title="启用账号"
)


@login_required
def account_deactivate(request, pk):
    return _detail_action(
        request,
        pk,
        DeactivateForm(request.POST or None),
        lambda user, d: accounts.set_active(actor=request.user, user=user, active=False, reason=d["reason"]),
        done=lambda _: "账号已停用，该账号无法再登录。",
        title="停用账号",
    )


@login_required
def account_edit(request, pk):
    user = _get_user(request, pk)
    if not user.manageable:
        raise Http404("未找到该账号")
    form = AccountEditForm(request.POST or None, initial={"full_name": user.full_name, "phone": user.phone})
    return _detail_action(
        request,
        pk,
        form,
        lambda user, d: accounts.edit_account(
            actor=request.user, user=user, full_name=d["full_name"], phone=d["phone"]
        ),
        done=lambda _: "已保存。",
        title=f"修改账号信息：{user.username}",
    )


@login_required
def account_log(request):
    _require_manager(request)
    q = request.GET.get("q", "").strip()
    events = accounts.events_in_scope(request.user)
    if q:
        events = events.filter(
            Q(user__username__icontains=q) | Q(user__full_name__icontains=q) | Q(actor__full_name__icontains=q)
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "branches/accounts/log.html", {"page": page, "q": q, "querystring": querystring(q=q)})


# ---------------------------------------------------------------- one's own password


@never_cache
@login_required
def own_password(request):
    """Change one's password; at first login (a one-time password) the old one is not asked."""
    first = request.user.must_change_password
    form_cls = FirstPasswordForm if first else PasswordChangeForm
    form = form_cls(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_own_password(user=request.user, password=form.cleaned_data["new_password1"])
        except DomainError as e:
            form.add_error("new_password1", e.message)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("home")
    return render(request, "branches/accounts/own_password.html", {"form": form, "first": first})
