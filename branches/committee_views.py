"""Pages for Party groups and the branch committee: terms, seats, vacancies, postponement."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from branches import committees, selectors
from branches.forms import (
    ElectionForm,
    GroupForm,
    InterventionForm,
    PostponeForm,
    SeatAddForm,
    SeatFillForm,
    VacateForm,
)
from branches.models import Member
from branches.permissions import Action
from wujin_branch.pages import form_page

# ---------------------------------------------------------------- groups


@login_required
def group_edit(request, pk):
    """Create (pk is the branch, url name group_create) or edit (pk is the group) a 党小组."""
    group = None
    if request.resolver_match.url_name == "group_edit":
        group = selectors.get_group_for_user(request.user, pk, Action.EDIT)
        if not group.is_active:
            raise Http404
        branch = group.branch
        initial = {
            "name": group.name,
            "leader": group.leader_id,
            "members": list(Member.objects.filter(party_group=group).values_list("pk", flat=True)),
        }
    else:
        branch = selectors.get_branch_for_user(request.user, pk, Action.EDIT)
        initial = {}
    form = GroupForm(request.POST or None, branch=branch, initial=initial)
    return form_page(
        request,
        form,
        lambda d: committees.group_save(
            actor=request.user,
            branch=branch,
            name=d["name"],
            leader=d["leader"],
            members=list(d["members"]),
            group=group,
        ),
        done=lambda _: "党小组已保存。",
        template="branches/form.html",
        back=reverse("branch_detail", args=[branch.pk]),
        context={"title": f"{'修改' if group else '新建'}党小组"},
    )


@login_required
@require_POST
def group_dissolve(request, pk):
    group = selectors.get_group_for_user(request.user, pk, Action.EDIT)
    committees.group_dissolve(actor=request.user, group=group)
    messages.success(request, f"党小组“{group.name}”已撤销，组员可重新编组。")
    return redirect("branch_detail", pk=group.branch_id)


# ---------------------------------------------------------------- committee


@login_required
def term_elect(request, pk):
    branch = selectors.get_branch_for_user(request.user, pk, Action.EDIT)
    form = ElectionForm(request.POST or None, branch=branch, initial={"term_years": branch.term_years})
    return form_page(
        request,
        form,
        lambda d: committees.term_elect(
            actor=request.user,
            branch=branch,
            elected_on=d["elected_on"],
            term_years=d["term_years"],
            seats=form.seats(),
        ),
        done=lambda _: "换届选举结果已录入。",
        template="branches/term_elect.html",
        back=reverse("branch_detail", args=[branch.pk]),
        context={"branch": branch},
    )


def _branch_form_action(request, form, call, *, branch_id, title, done, level=messages.SUCCESS):
    """A small committee form: on a valid POST call the service, show a message and go back
    to the branch; a refused call keeps the form with the Chinese message."""
    return form_page(
        request,
        form,
        lambda d: call(**d),
        done=lambda _: done,
        level=level,
        template="branches/form.html",
        back=reverse("branch_detail", args=[branch_id]),
        context={"title": title},
    )


@login_required
def seat_add(request, pk):
    term = selectors.get_term_for_user(request.user, pk, Action.EDIT)
    form = SeatAddForm(request.POST or None, branch=term.branch)
    call = partial(committees.seat_add, actor=request.user, term=term)
    return _branch_form_action(request, form, call, branch_id=term.branch_id, title="增补支部委员",
                               done="已增补支部委员。")  # fmt: skip


@login_required
def seat_vacate(request, pk):
    seat = selectors.get_seat_for_user(request.user, pk, Action.EDIT)
    form = VacateForm(request.POST or None)
    call = partial(committees.seat_vacate, actor=request.user, seat=seat)
    title = f"登记出缺：{seat.get_position_display()} {seat.holder or ''}"
    done = f"{seat.get_position_display()}已登记出缺，请及时补选。"
    return _branch_form_action(request, form, call, branch_id=seat.term.branch_id, title=title, done=done,
                               level=messages.WARNING)  # fmt: skip


@login_required
def seat_fill(request, pk):
    seat = selectors.get_seat_for_user(request.user, pk, Action.EDIT)
    form = SeatFillForm(request.POST or None, branch=seat.term.branch)
    call = partial(committees.seat_fill, actor=request.user, seat=seat)
    return _branch_form_action(request, form, call, branch_id=seat.term.branch_id,
                               title=f"补选：{seat.get_position_display()}",
                               done=f"{seat.get_position_display()}补选结果已录入。")  # fmt: skip


@login_required
def term_postpone(request, pk):
    term = selectors.get_term_for_user(request.user, pk, Action.APPROVE)
    form = PostponeForm(request.POST or None)
    call = partial(committees.term_postpone, actor=request.user, term=term)
    title = f"批准延期换届：{term.branch.name}（本届 {term.due_on:%Y年%m月%d日} 届满）"
    return _branch_form_action(request, form, call, branch_id=term.branch_id, title=title, done="已批准延期换届。")


@login_required
def term_intervention(request, pk):
    """整顿、选派、兼任 recorded by the upper committee on a term not renewed on time."""
    term = selectors.get_term_for_user(request.user, pk, Action.APPROVE)
    form = InterventionForm(request.POST or None)
    call = partial(committees.term_intervention_record, actor=request.user, term=term)
    title = f"督促换届：{term.branch.name}（本届 {term.effective_due_on:%Y年%m月%d日} 届满）"
    return _branch_form_action(request, form, call, branch_id=term.branch_id, title=title,
                               done="已记录督促换届措施。")  # fmt: skip
