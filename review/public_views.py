"""Public 公示 pages: no login. Anyone may read a notice and, while it is open, lodge an
objection about one branch on it (``services.objection_lodge`` holds the rules).

Only what a printed notice would show is exposed: title, period, dates, the contact for
objections and, per branch, its committee, type and score. The branch in the objection form
is chosen by an opaque token, not a database id; nobody sees anyone else's objections.

Abuse control: a honeypot field, and at most ``OBJECTIONS_PER_HOUR`` objections per client
per hour counted in the default cache under a keyed hash of the client address.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods, require_safe

from branches.models import Organization
from branches.permissions import is_district
from review import services
from review.models import Objection, Publication, PublicationEntry, new_objection_reference
from wujin_branch.errors import DomainError

OBJECTIONS_PER_HOUR = 5
THROTTLE_SECONDS = 3600
RECENT_DAYS = 365  # ended notices listed for a year
COMMITTEE_PATH_LEN = 8  # depth-2 ancestor (党(工)委): two 4-character steps of the tree path

THANKS = "您的意见已收到，受理编号：{ref}。凭编号和您留的联系方式可以查询处理进度。"
TOO_MANY = "提交过于频繁，请稍后再试。"


# ---------------------------------------------------------------- reads (fixed query counts)


def public_publications(today: datetime.date) -> tuple[list[Publication], list[Publication]]:
    """(open today, ended within ``RECENT_DAYS``), each annotated with ``branch_count``. One query."""
    rows = list(
        Publication.objects.filter(starts_on__lte=today, ends_on__gte=today - datetime.timedelta(days=RECENT_DAYS))
        .annotate(branch_count=Count("entries"))
        .filter(branch_count__gt=0)
        .only("pk", "title", "starts_on", "ends_on")
        .order_by("-starts_on", "-id")
    )
    current = [p for p in rows if p.ends_on >= today]
    ended = sorted((p for p in rows if p.ends_on < today), key=lambda p: (p.ends_on, p.pk), reverse=True)
    return current, ended


@dataclass(frozen=True)
class PublicRow:
    token: str
    committee: str
    branch: str
    branch_type: str
    total: Decimal
    entry: PublicationEntry  # for the service only; never handed to the template


def _entry_token(entry_pk: int) -> str:
    return salted_hmac("review.public.entry", str(entry_pk)).hexdigest()[:20]


def public_rows(publication: Publication) -> list[PublicRow]:
    """The branches under notice, by committee then branch (tree order). Two queries."""
    entries = list(
        PublicationEntry.objects.filter(publication=publication)
        .select_related("assessment__branch")
        .order_by("assessment__branch__path", "pk")
    )
    paths = {e.assessment.branch.path[:COMMITTEE_PATH_LEN] for e in entries}
    names = dict(Organization.objects.filter(path__in=paths).values_list("path", "name")) if paths else {}
    rows = []
    for e in entries:
        e.publication = publication  # the service reads it; saves a query
        b = e.assessment.branch
        committee = names.get(b.path[:COMMITTEE_PATH_LEN], "") if len(b.path) > COMMITTEE_PATH_LEN else ""
        rows.append(PublicRow(_entry_token(e.pk), committee, b.name, b.type_label(), e.total, e))
    return rows


# ---------------------------------------------------------------- client identity and throttle


def client_ip(request) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when ``PUBLIC_TRUST_X_FORWARDED_FOR`` is set
    (only behind a proxy that sets the header itself; clients can write it)."""
    if getattr(settings, "PUBLIC_TRUST_X_FORWARDED_FOR", False):
        hop = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if hop:
            return hop
    return request.META.get("REMOTE_ADDR", "")


def client_hash(request) -> str:
    """A keyed hash (SECRET_KEY) of the client address: stable for throttling, not reversible by
    hashing every IPv4 address."""
    return salted_hmac("review.public.client", client_ip(request)).hexdigest()


def _throttle_key(h: str, scope: str) -> str:
    return f"review:public-{scope}:{h}"


def throttle_take(h: str, scope: str = "objection", limit: int = OBJECTIONS_PER_HOUR) -> bool:
    """Count one request of ``scope`` for this client; False when over ``limit``. The window starts
    with the first request and lasts ``THROTTLE_SECONDS`` (add + incr are atomic in Redis)."""
    key = _throttle_key(h, scope)
    cache.add(key, 0, THROTTLE_SECONDS)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, THROTTLE_SECONDS)
        n = 1
    return n <= limit


def throttle_give_back(h: str, scope: str = "objection") -> None:
    """A refused request does not count."""
    try:
        cache.decr(_throttle_key(h, scope))
    except ValueError:
        pass


# ---------------------------------------------------------------- form (parses input only)


class ObjectionForm(forms.Form):
    """The rules (contact required, text long enough, notice open) are the service's."""

    branch = forms.ChoiceField(
        label="提出异议的党支部",
        error_messages={"required": "请选择党支部。", "invalid_choice": "请从公示名单中选择党支部。"},
    )
    name = forms.CharField(label="姓名（可不填）", required=False, max_length=50)
    contact = forms.CharField(
        label="联系方式", required=False, max_length=100, help_text="电话或电子邮箱，仅用于核实情况，不会公开。"
    )
    text = forms.CharField(
        label="异议内容",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="请具体说明事实和线索（至少 10 个字）。",
    )
    website = forms.CharField(  # honeypot: hidden from people, filled by bots
        label="网址（请勿填写）",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, rows, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [("", "请选择党支部")] + [
            (r.token, f"{r.committee} · {r.branch}" if r.committee else r.branch) for r in rows
        ]


# ---------------------------------------------------------------- pages


def thanks(o: Objection) -> str:
    """The one thing the objector sees after lodging: the reference and where to look it up."""
    ref = o.reference_display
    url = f"{reverse('public_objection_status')}?ref={ref}"
    return format_html('{} <a href="{}">查询处理进度</a>', THANKS.format(ref=ref), url)


@require_safe
def public_notices(request):
    current, ended = public_publications(timezone.localdate())
    return render(request, "review/public_list.html", {"current": current, "ended": ended})


@require_http_methods(["GET", "HEAD", "POST"])
def public_notice_detail(request, pk):
    today = timezone.localdate()
    pub = get_object_or_404(Publication.objects.select_related("period"), pk=pk)
    if pub.starts_on > today and not is_district(request.user):
        raise Http404  # not public yet; the district sees it after publishing
    is_open = pub.is_open_on(today)
    state = "open" if is_open else ("ended" if pub.ends_on < today else "upcoming")
    rows = public_rows(pub)
    status = 200

    if request.method == "POST":
        form = ObjectionForm(rows, request.POST)
        h = client_hash(request)
        if not throttle_take(h):
            form.is_valid()
            form.add_error(None, TOO_MANY)
            status = 429
        elif not form.is_valid():
            throttle_give_back(h)
        elif form.cleaned_data["website"]:
            fake = Objection(reference=new_objection_reference())  # honeypot: look accepted, store nothing
            messages.success(request, thanks(fake))
            return redirect("public_notice_detail", pk=pub.pk)
        else:
            d = form.cleaned_data
            row = next(r for r in rows if r.token == d["branch"])
            try:
                o = services.objection_lodge(entry=row.entry, name=d["name"], contact=d["contact"], text=d["text"],
                                         client=h)  # fmt: skip
            except DomainError as e:
                throttle_give_back(h)
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                messages.success(request, thanks(o))
                return redirect("public_notice_detail", pk=pub.pk)
    else:
        chosen = request.GET.get("branch", "")
        form = ObjectionForm(rows, initial={"branch": chosen} if any(r.token == chosen for r in rows) else None)

    return render(
        request,
        "review/public_detail.html",
        {
            "pub": pub,
            "period_name": pub.period.name,
            "state": state,
            "is_open": is_open,
            "rows": [
                {k: getattr(r, k) for k in ("token", "committee", "branch", "branch_type", "total")} for r in rows
            ],
            "form": form,
        },
        status=status,
    )
