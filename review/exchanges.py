"""现场观摩 and 座谈会 (seed 四3 典型带动): a committee reviewer or district staff records one
held at a branch under them — the date, the host, the participating organizations, what was
shown — with photos. The host branch sees it on its page."""

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import Action, can_any, require
from branches.selectors import branches_visible_to, get_for_user, orgs_visible_to
from ledgers.activities.photos import check_photo_limit, delete_photos, photo_ids, photos_by_owner
from ledgers.activities.services import photos_attach
from review.brand_models import ExchangeEvent, ExchangeKind
from review.brands import public_text_problem
from wujin_branch.errors import DomainError

PHOTOS_PER_EXCHANGE = 9
ON_BRANCH_PAGE = 10


def exchanges_visible_to(user):
    return (
        ExchangeEvent.objects.filter(host__in=branches_visible_to(user))
        .select_related("host")
        .prefetch_related(Prefetch("participants", queryset=Organization.objects.only("id", "name").order_by("path")))
    )


def get_exchange_for_user(user, pk):
    return get_for_user(exchanges_visible_to(user), pk, user, Action.VIEW, branch="host", missing="未找到该活动")


def exchanges_hosted_by(branch, limit=ON_BRANCH_PAGE):
    """The latest events the branch hosted, with participants and photos (three queries)."""
    rows = list(
        ExchangeEvent.objects.filter(host=branch)
        .prefetch_related(Prefetch("participants", queryset=Organization.objects.only("id", "name").order_by("path")))
        .order_by("-held_on", "-id")[:limit]
    )
    photos = photos_by_owner(ExchangeEvent, [e.pk for e in rows])
    for e in rows:
        e.photo_list = photos.get(e.pk, [])
    return rows


def may_record(user) -> bool:
    return can_any(user, Action.APPROVE)


def host_choices(user):
    return branches_visible_to(user, Action.APPROVE).filter(status=OrgStatus.ACTIVE).order_by("path")


def participant_choices(user):
    return (
        orgs_visible_to(user, Action.APPROVE)
        .filter(kind__in=[OrgKind.BRANCH, OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH], status=OrgStatus.ACTIVE)
        .order_by("path")
    )


@transaction.atomic
def exchange_create(*, actor, kind: str, held_on: datetime.date, host, title: str, shown: str, participants=(),
                    photos=()) -> ExchangeEvent:  # fmt: skip
    require(actor, Action.APPROVE, host)
    if host.kind != OrgKind.BRANCH or not host.is_active:
        raise DomainError("承办单位应为正常的党支部。", field="host")
    if kind not in ExchangeKind.values:
        raise DomainError("请选择形式。", field="kind")
    if held_on is None or held_on > timezone.localdate():
        raise DomainError("活动日期不能晚于今天（活动开展后再记录）。", field="held_on")
    title, shown = (title or "").strip(), (shown or "").strip()
    if not title:
        raise DomainError("请填写主题。", field="title")
    if not shown:
        raise DomainError("请填写观摩或交流的内容。", field="shown")
    if problem := public_text_problem(host, {"主题": title}):
        raise DomainError(problem, field="title")
    participants = [p for p in participants or () if p.pk != host.pk]
    if not participants:
        raise DomainError("请选择参加单位。", field="participants")
    for p in participants:
        require(actor, Action.APPROVE, p)
    photos = check_photo_limit(0, photos, PHOTOS_PER_EXCHANGE)
    event = ExchangeEvent(kind=kind, held_on=held_on, host=host, title=title, shown=shown, created_by=actor)
    event._history_user = actor
    event.full_clean(exclude=["host", "created_by"])
    event.save()
    event.participants.set(participants)
    if photos:
        try:
            photos_attach(actor=actor, branch=host, owner=event, uploads=photos, require_edit=False)
        except DomainError as e:
            raise DomainError(e.message, field="photos") from e
    return event


@transaction.atomic
def exchange_delete(*, actor, event) -> None:
    """Remove a mistaken record (its photos too, each removal in the history); record it again."""
    e = ExchangeEvent.objects.select_for_update().select_related("host").filter(pk=event.pk).first()
    if e is None:
        raise DomainError("这条记录已被删除。")
    require(actor, Action.APPROVE, e.host)
    delete_photos(e, photo_ids(e), actor)
    e._history_user = actor
    e.delete()
