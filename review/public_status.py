"""Public status page for an objection: no login. The objector types the 受理编号 shown after
lodging and the contact they left; both must match, else one message that does not say which
part was wrong. Lookups are throttled per client like objections (``public_views``).

Shown: the branch and the notice it concerns, when it was lodged, the objector's own text, the
status in plain words and, once handled, the district's answer and when. Nothing else: not who
handled it, no internal codes, nobody else's objections.
"""

import hmac

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from review.models import Objection, ObjectionStatus, normalize_reference
from review.public_views import TOO_MANY, client_hash, throttle_give_back, throttle_take

LOOKUPS_PER_HOUR = 20
SCOPE = "objection-status"
NOT_FOUND = "没有找到该受理编号，或联系方式不一致。"

PUBLIC_STATUS = {
    ObjectionStatus.PENDING: "已受理（核查中）",
    ObjectionStatus.UPHELD: "已查实",
    ObjectionStatus.DISMISSED: "不予采纳",
}


def normalize_contact(value: str) -> str:
    """Spaces and dashes do not count (\"0519-8650 0000\" is \"051986500000\"); nor does case."""
    return "".join(c for c in (value or "") if not c.isspace() and c != "-").casefold()


def contact_matches(given: str, stored: str) -> bool:
    return hmac.compare_digest(normalize_contact(given).encode(), normalize_contact(stored).encode())


class StatusForm(forms.Form):
    ref = forms.CharField(
        label="受理编号",
        max_length=30,
        error_messages={"required": "请填写受理编号。"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXXX-XXXXX"}),
    )
    contact = forms.CharField(
        label="联系方式",
        max_length=100,
        error_messages={"required": "请填写提交异议时留的联系方式。"},
        help_text="提交异议时留的电话或电子邮箱。",
    )


def find_objection(ref: str, contact: str) -> Objection | None:
    """The objection with this reference and contact, or None (same work either way)."""
    o = (
        Objection.objects.select_related("entry__publication", "entry__assessment__branch")
        .filter(reference=normalize_reference(ref))
        .first()
    )
    ok = contact_matches(contact, o.contact if o else "\0")
    return o if o is not None and ok else None


def public_view(o: Objection) -> dict:
    """Only what the objector may see, as plain values (the model never reaches the template)."""
    handled = o.status != ObjectionStatus.PENDING
    return {
        "reference": o.reference_display,
        "branch": o.entry.assessment.branch.name,
        "notice_title": o.entry.publication.title,
        "notice_pk": o.entry.publication.pk,
        "created_at": o.created_at,
        "text": o.text,
        "status": PUBLIC_STATUS.get(o.status, PUBLIC_STATUS[ObjectionStatus.PENDING]),
        "answer": o.handling_note if handled else "",
        "answered_at": o.handled_at if handled else None,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def public_objection_status(request):
    status, found = 200, None
    if request.method == "POST":
        form = StatusForm(request.POST)
        h = client_hash(request)
        if not throttle_take(h, SCOPE, LOOKUPS_PER_HOUR):
            form.is_valid()
            form.add_error(None, TOO_MANY)
            status = 429
        elif not form.is_valid():
            throttle_give_back(h, SCOPE)
        else:
            o = find_objection(form.cleaned_data["ref"], form.cleaned_data["contact"])
            if o is None:
                form.add_error(None, NOT_FOUND)
            else:
                found = public_view(o)
    else:
        ref = request.GET.get("ref", "")[:30]
        form = StatusForm(initial={"ref": ref} if ref else None)
    return render(request, "review/public_objection_status.html", {"form": form, "found": found}, status=status)
