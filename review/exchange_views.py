"""现场观摩 and 座谈会 pages: the list and the form (committee reviewers, district staff), the
event's page (anyone who may see the host branch)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from branches.forms import DATE
from branches.permissions import Action, can
from ledgers.activities.forms import MultipleFileField, MultipleFileInput
from ledgers.activities.photos import photos_by_owner
from ledgers.pages import PHOTO_HELP, PHOTO_WIDGET_ATTRS
from review import exchanges as svc
from review.brand_models import ExchangeEvent, ExchangeKind
from wujin_branch.pages import form_page, with_token


class ExchangeForm(forms.Form):
    kind = forms.ChoiceField(label="形式", choices=ExchangeKind.choices)
    held_on = forms.DateField(label="日期", widget=DATE)
    host = forms.ModelChoiceField(label="承办党支部（观摩现场）", queryset=None, empty_label="请选择")
    title = forms.CharField(label="主题", max_length=120)
    shown = forms.CharField(label="观摩或交流内容", widget=forms.Textarea(attrs={"rows": 4}),
                            help_text="展示了哪些做法、台账和阵地，交流了哪些经验")  # fmt: skip
    participants = forms.ModelMultipleChoiceField(label="参加单位", queryset=None,
                                                  widget=forms.CheckboxSelectMultiple,
                                                  error_messages={"required": "请选择参加单位。"})  # fmt: skip
    photos = MultipleFileField(label="现场照片", required=False, widget=MultipleFileInput(attrs=PHOTO_WIDGET_ATTRS),
                               help_text=PHOTO_HELP)  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = svc.host_choices(user)
        self.fields["participants"].queryset = svc.participant_choices(user)
        self.fields["held_on"].initial = timezone.localdate()


def _require_recorder(user):
    if not svc.may_record(user):
        raise Http404


@login_required
@require_GET
def exchange_list(request):
    _require_recorder(request.user)
    page = Paginator(svc.exchanges_visible_to(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "review/exchanges.html", {"page": page})


@login_required
def exchange_new(request):
    _require_recorder(request.user)
    initial = {}
    if (b := request.GET.get("host", "")).isdigit():
        initial["host"] = int(b)
    form = ExchangeForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    return form_page(
        request, form,
        lambda d: svc.exchange_create(actor=request.user, **d),
        done=lambda e: f"已记录{e.get_kind_display()}“{e.title}”。",
        to=lambda e: reverse("exchange_detail", args=[e.pk]),
        template="review/exchange_form.html", context={}, back=reverse("exchange_list"), uploads=("photos",),
    )  # fmt: skip


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(label="确认删除这条记录及其照片", error_messages={"required": "请勾选确认删除。"})


@login_required
@require_GET
def exchange_detail(request, pk):
    event = svc.get_exchange_for_user(request.user, pk)
    photos = photos_by_owner(ExchangeEvent, [event.pk]).get(event.pk, [])
    may_delete = can(request.user, Action.APPROVE, event.host)
    return render(request, "review/exchange_detail.html", {
        "event": event, "photos": photos, "delete_form": with_token(DeleteForm()) if may_delete else None,
    })  # fmt: skip


@login_required
def exchange_delete(request, pk):
    event = svc.get_exchange_for_user(request.user, pk)
    if not can(request.user, Action.APPROVE, event.host):
        raise Http404
    host = event.host
    return form_page(
        request, DeleteForm(request.POST or None),
        lambda d: svc.exchange_delete(actor=request.user, event=event),
        done=lambda _: f"已删除{event.get_kind_display()}“{event.title}”的记录。",
        template="review/exchange_delete.html", context={"event": event},
        back=reverse("branch_detail", args=[host.pk]),
    )  # fmt: skip
