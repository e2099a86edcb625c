"""Activity record pages: list, record (create/edit/detail), photos, flags, calendar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from branches import selectors as org_selectors
from branches.flow_selectors import flow_labels
from branches.models import PartyGroup
from branches.permissions import Action, can
from ledgers.activities import duplicates, integrity, selectors, services, voids
from ledgers.activities import returns as record_returns
from ledgers.activities.forms import (
    ActivityCreateForm,
    ActivityEditForm,
    ExplainForm,
    RestoreForm,
    ReturnForm,
    VoidForm,
)
from ledgers.life.services import latest_status
from ledgers.models import ActivityType, Attachment, AttendanceStatus, FilingStatus, LifeMeetingLevel
from ledgers.pages import removed_photo_ids
from wujin_branch import branch_cache
from wujin_branch.errors import DomainError
from wujin_branch.pages import form_page
from wujin_branch.storage import stored_response


def _year(request):
    try:
        y = int(request.GET.get("year", ""))
    except ValueError:
        y = timezone.localdate().year
    return max(2000, min(y, timezone.localdate().year + 1))


@login_required
def activity_list(request, pk):
    """A branch's records of a year; below the title one fragment kept per branch until its
    data changes (``wujin_branch.branch_cache``)."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request)
    type_ = request.GET.get("type") or None
    if type_ not in ActivityType.values:
        type_ = None
    ctx = {
        "branch": branch,
        "year": year,
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        "type": type_,
        "types": ActivityType.choices,
        "can_edit": can(request.user, Action.EDIT, branch),
        "can_review": can(request.user, Action.APPROVE, branch),
    }
    parts = (year, type_, ctx["can_edit"], ctx["can_review"], timezone.localdate().year)

    def body():
        activities = selectors.activities_for(branch, year=year, type=type_)
        return render_to_string("ledgers/_activity_list_body.html", {**ctx, "activities": activities})

    ctx["body"] = branch_cache.fragment("activities", branch.pk, parts, body)
    return render(request, "ledgers/activity_list.html", ctx)


@login_required
def calendar(request, pk):
    """The year's 完成情况 of a branch; one fragment kept per branch and day until its data
    changes (``wujin_branch.branch_cache``)."""
    branch = org_selectors.get_branch_for_user(request.user, pk)
    year = _year(request)
    today = timezone.localdate()
    ctx = {"branch": branch, "year": year, "can_edit": can(request.user, Action.EDIT, branch)}

    def body():
        rows = selectors.branch_calendar(branch, year)
        return render_to_string("ledgers/_calendar_body.html", {
            **ctx,
            "years": range(today.year, today.year - 6, -1),
            "rows": rows,
            "months": selectors.calendar_months(rows),
            "this_month": today.month if year == today.year else None,
            "max_cells": 12,
        })  # fmt: skip

    ctx["body"] = branch_cache.fragment("calendar", branch.pk, (year, ctx["can_edit"], today.isoformat()), body)
    return render(request, "ledgers/calendar.html", ctx)


def _attendance_from_post(post):
    out = {}
    for key, value in post.items():
        if key.startswith("att_"):
            try:
                member_id = int(key[4:])
            except ValueError:
                continue
            out[member_id] = (value, post.get(f"reason_{member_id}", ""))
    return out


def _attendance_rows(expected, posted, existing=None, *, branch=None, day=None):
    """What the attendance grid shows: posted values first, then saved ones, else present;
    with each 流动党员's side of the flow (流入 / 区外流入 / 流出（在外）)."""
    rows = []
    flows = flow_labels(branch, [m.pk for m, _ in expected], day) if branch is not None and day and expected else {}
    for member, counts in expected:
        if member.pk in posted:
            status, reason = posted[member.pk]
        elif existing and member.pk in existing:
            status, reason = existing[member.pk]
        else:
            status, reason = AttendanceStatus.PRESENT, ""
        flow, flow_where = flows.get(member.pk, ("", ""))
        rows.append({"member": member, "counts": counts, "status": status, "reason": reason,
                     "flow": flow, "flow_where": flow_where})  # fmt: skip
    return rows


def _pick_group(request, branch):
    gid = request.POST.get("party_group") or request.GET.get("group")
    if not gid:
        return None
    try:
        return PartyGroup.objects.filter(branch=branch, is_active=True, pk=int(gid)).first()
    except ValueError:
        return None


def _refuse_duplicates(request, found, *, branch, data, exclude=None):
    """Stop a likely duplicate (``ledgers.activities.duplicates``); ``found`` lists it for the page."""
    type_ = data["type"]
    in_group = type_ == ActivityType.GROUP or (
        type_ == ActivityType.LIFE and data.get("life_level") == LifeMeetingLevel.GROUP
    )
    try:
        duplicates.refuse_duplicates(
            request, branch=branch, type=type_, held_on=data["held_on"],
            party_group=data.get("party_group") if in_group else None, content=data.get("content", ""), exclude=exclude,
        )  # fmt: skip
    except duplicates.PossibleDuplicate as e:
        found[:] = e.records
        raise


@login_required
def activity_new(request, pk):
    branch = org_selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    if not branch.is_active:
        raise Http404
    type_ = request.POST.get("type") or request.GET.get("type")
    groups = list(PartyGroup.objects.filter(branch=branch, is_active=True))
    group = _pick_group(request, branch)
    life_level = request.POST.get("life_level") or request.GET.get("level") or ""
    needs_group = type_ == ActivityType.GROUP or (type_ == ActivityType.LIFE and life_level == LifeMeetingLevel.GROUP)
    if type_ not in ActivityType.values or (needs_group and group is None):
        return render(
            request,
            "ledgers/activity_type_picker.html",
            {
                "branch": branch,
                "types": ActivityType.choices,
                "groups": groups,
                "chosen": type_,
            },
        )
    form = ActivityCreateForm(
        request.POST or None,
        request.FILES or None,
        activity_type=type_,
        initial={"held_on": timezone.localdate(), "life_level": life_level or LifeMeetingLevel.BRANCH},
    )
    posted = _attendance_from_post(request.POST) if request.method == "POST" else {}

    found = []

    def create(d):
        data = form.service_data()
        data.update(type=type_, party_group=group)
        _refuse_duplicates(request, found, branch=branch, data=data)
        return services.activity_create(
            actor=request.user,
            branch=branch,
            data=data,
            attendance=posted,
            photos=d["photos"],
            attachments=d["attachments"],
        )

    def context():
        held_on = form.cleaned_data.get("held_on") if form.is_bound and hasattr(form, "cleaned_data") else None
        expected = services.expected_attendees(
            branch=branch, type=type_, held_on=held_on or timezone.localdate(), party_group=group, life_level=life_level
        )
        return {
            "branch": branch,
            "type": type_,
            "type_label": ActivityType(type_).label,
            "group": group,
            "life_level": life_level,
            "attendance": _attendance_rows(expected, posted, branch=branch, day=held_on or timezone.localdate()),
            "title": f"记录{ActivityType(type_).label}" + (f"（{group.name}）" if group else ""),
            "duplicates": found,
        }

    return form_page(
        request,
        form,
        create,
        uploads=("photos",),
        done=lambda activity: f"已记录：{activity.get_type_display()}“{activity.topic}”。",
        to=lambda activity: reverse("activity_detail", args=[activity.pk]),
        template="ledgers/activity_form.html",
        back=reverse("activity_list", args=[branch.pk]),
        context=context,
    )


@login_required
def activity_detail(request, pk):
    return _detail(request, selectors.get_activity_for_user(request.user, pk))


def _detail(request, activity, *, return_form=None, void_form=None, status=200):
    branch = activity.branch
    can_review = can(request.user, Action.APPROVE, branch)
    frozen = services.is_frozen(activity)
    returns = list(activity.returns.select_related("returned_by", "resolved_by"))
    steps = list(activity.voids.select_related("actor"))

    def body():
        """What the record holds (details, minutes, photos, attachments, attendance, past
        returns and void steps): the same for everyone who may see it, kept until the branch's
        data changes (the record, its photos, attachments, returns, void steps, filings and
        members each have a trigger; attendance is written with the record's counts)."""
        return render_to_string("ledgers/_activity_detail_body.html", {
            "activity": activity,
            "attendance": activity.attendance.select_related("member").order_by("status", "member__name_pinyin"),
            "photos": activity.photos.all(),
            "attachments": activity.attachments.all(),
            "past_returns": [r for r in returns if r.resolved_at is not None],
            "void_steps": steps,
            "last_filing": activity.filings.order_by("-filed_at", "-id").first() if activity.type == "life" else None,
        })  # fmt: skip

    return render(request, "ledgers/activity_detail.html", {
        "activity": activity,
        "branch": branch,
        "body": branch_cache.fragment("activity", branch.pk, (activity.pk,), body),
        "flags": activity.flags.select_related("explained_by", "other_activity__branch").all() if can_review else [],
        "can_edit": can(request.user, Action.EDIT, branch) and not frozen and not activity.voided,
        "can_review": can_review,
        "can_return": can_review and not frozen and not activity.returned and not activity.voided,
        "can_void": voids.may_void(request.user, activity),
        "void_frozen": frozen and not can_review and can(request.user, Action.EDIT, branch),
        "void_form": void_form or (RestoreForm() if activity.voided else VoidForm()),
        "last_void": next((v for v in steps if v.action == "void"), None) if activity.voided else None,
        "explain_form": ExplainForm(),
        "return_form": return_form or ReturnForm(),
        "open_return": next((r for r in returns if r.resolved_at is None), None),
    }, status=status)  # fmt: skip


@login_required
@require_POST
def activity_return(request, pk):
    """A reviewer returns a thin record for completion; a refusal re-shows the page with what was typed."""
    activity = selectors.get_activity_for_user(request.user, pk, Action.APPROVE)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            record_returns.activity_return(actor=request.user, activity=activity, reason=form.cleaned_data["reason"])
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "已退回支部补充，支部书记和党务工作者会收到通知。")
            return redirect("activity_detail", pk=activity.pk)
    activity.refresh_from_db()
    return _detail(request, activity, return_form=form, status=400)


def _void_step(request, pk, form_class, step, done):
    """作废 / 恢复 from the record's page: a refusal re-shows the page with the reason typed."""
    activity = selectors.get_activity_for_user(request.user, pk)
    if not voids.may_ever_void(request.user, activity):
        raise Http404("未找到该记录")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            step(actor=request.user, activity=activity, reason=form.cleaned_data["reason"])
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, done)
            return redirect("activity_detail", pk=activity.pk)
    activity.refresh_from_db()
    return _detail(request, activity, void_form=form, status=400)


@login_required
@require_POST
def activity_void(request, pk):
    return _void_step(
        request, pk, VoidForm, voids.activity_void, "记录已作废：保留可查，不再计入完成情况、台账和考核。"
    )


@login_required
@require_POST
def activity_restore(request, pk):
    return _void_step(request, pk, RestoreForm, voids.activity_restore, "记录已恢复，重新计入完成情况。")


@login_required
@require_POST
def activity_return_withdraw(request, pk):
    activity = selectors.get_activity_for_user(request.user, pk, Action.APPROVE)
    try:
        record_returns.activity_return_withdraw(actor=request.user, activity=activity)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已撤销退回，本记录重新计入完成情况。")
    return redirect("activity_detail", pk=activity.pk)


@login_required
def activity_edit(request, pk):
    activity = selectors.get_activity_for_user(request.user, pk, Action.EDIT)
    if services.is_frozen(activity):
        messages.error(request, "本记录已随自评报送而锁定，不能修改。")
        return redirect("activity_detail", pk=activity.pk)
    if activity.voided:
        messages.error(request, "本记录已作废，不能修改；如需修改，请先恢复。")
        return redirect("activity_detail", pk=activity.pk)
    branch = activity.branch
    fields = [f for f in services.ACTIVITY_FIELDS if f not in ("type", "party_group")]
    initial = {f: getattr(activity, f) for f in fields}
    initial["version"] = activity.version
    form = ActivityEditForm(request.POST or None, request.FILES or None, activity_type=activity.type, initial=initial)
    posted = _attendance_from_post(request.POST) if request.method == "POST" else {}

    found = []

    def update(d):
        data = form.service_data()
        data.setdefault("life_level", activity.life_level)
        record = {**data, "type": activity.type, "party_group": activity.party_group}
        _refuse_duplicates(request, found, branch=branch, data=record, exclude=activity.pk)
        return services.activity_update(
            actor=request.user,
            activity=activity,
            version=d["version"],
            data=data,
            attendance=posted,
            photos=d["photos"],
            attachments=d["attachments"],
            remove_photos=removed_photo_ids(request),
        )

    def context():
        existing = {a.member_id: (a.status, a.leave_reason) for a in activity.attendance.all()}
        expected = services.expected_attendees(
            branch=branch,
            type=activity.type,
            held_on=activity.held_on,
            party_group=activity.party_group,
            life_level=activity.life_level,
        )
        return {
            "branch": branch,
            "activity": activity,
            "type": activity.type,
            "type_label": activity.get_type_display(),
            "group": activity.party_group,
            "attendance": _attendance_rows(expected, posted, existing, branch=branch, day=activity.held_on),
            "filed": activity.type == ActivityType.LIFE and latest_status(activity) == FilingStatus.ACCEPTED,
            "photos": activity.photos.all(),
            "title": f"修改记录：{activity.get_type_display()}",
            "duplicates": found,
        }

    return form_page(
        request,
        form,
        update,
        uploads=("photos",),
        done=lambda _: "记录已保存。",
        template="ledgers/activity_form.html",
        back=reverse("activity_detail", args=[activity.pk]),
        context=context,
    )


@login_required
def photo_file(request, pk, variant):
    """Only re-encoded copies are served (no EXIF, so no GPS); the original never is."""
    photo = selectors.get_photo_for_user(request.user, pk)
    if variant not in ("thumb", "display"):
        raise Http404
    return stored_response(getattr(photo, variant), content_type="image/jpeg", cache_control="private, max-age=86400")


@login_required
def attachment_file(request, pk):
    att = Attachment.objects.select_related("activity__branch").filter(pk=pk).first()
    if att is None or not can(request.user, Action.VIEW, att.activity.branch):
        raise Http404
    return stored_response(att.file, as_attachment=True, filename=att.name)


@login_required
@require_POST
def flag_explain(request, pk):
    flag = selectors.get_flag_for_user(request.user, pk)
    form = ExplainForm(request.POST)
    if form.is_valid():
        try:
            integrity.flag_explain(actor=request.user, flag=flag, explanation=form.cleaned_data["explanation"])
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "已标记为已说明。")
    else:
        messages.error(request, "请填写说明。")
    return redirect("activity_detail", pk=flag.activity_id)
