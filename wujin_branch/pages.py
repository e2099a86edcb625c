"""View helpers every page uses: a refusal onto its form, the year in the query string,
file downloads, and the form page (valid form → service → message → redirect, or the form
again with what was typed and the refusal on it)."""

import os
import uuid
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render

from wujin_branch import uploads as kept_uploads
from wujin_branch.errors import DomainError
from wujin_branch.models import FormSubmission
from wujin_branch.services import MIN_YEAR, today
from wujin_branch.storage import stored_response

TOKEN = "form_token"
ALREADY_SAVED = "该表单已经提交并保存过，没有重复保存。"
STALE_TOKEN = "该表单已失效，请核对内容后重新提交。"


def fail(form, err: DomainError):
    """Put a service's refusal on the field it names, or on the whole form."""
    form.add_error(err.field if err.field and err.field in form.fields else None, err.message)


def querystring(**params) -> str:
    """The filters a list page carries into its pagination links: the ones that are set."""
    return urlencode({k: v for k, v in params.items() if v})


def year_param(request, *, allow_next=False, first=MIN_YEAR, post=False, clamp=True) -> int:
    """The ``year`` asked for (query string, or the form too with ``post``), kept between
    ``first`` and this year (or next year with ``allow_next``); this year when missing."""
    this = today().year
    raw = (request.POST.get("year") if post else None) or request.GET.get("year") or ""
    try:
        y = int(raw)
    except ValueError:
        y = this
    if not clamp:
        return y
    return max(first, min(y, this + (1 if allow_next else 0)))


def years_choice(allow_next=False):
    """The years a page offers in its year picker, newest first."""
    t = today().year
    return range(t + (1 if allow_next else 0), t - 6, -1)


def url_year(year, *, allow_next=False):
    """A year taken from the URL path: outside the years a page offers is a 404."""
    if not MIN_YEAR <= year <= today().year + (1 if allow_next else 0):
        raise Http404("年度无效")
    return year


def download(fieldfile, stem=None):
    """A stored file as an attachment. Stored names are random (``wujin_branch.media``), so the
    download is named after what it is (``stem`` plus the file's extension)."""
    if not fieldfile:
        raise Http404("未上传文件")
    name = f"{stem}{os.path.splitext(fieldfile.name)[1].lower()}" if stem else os.path.basename(fieldfile.name)
    return stored_response(fieldfile, as_attachment=True, filename=name)


def form_page(request, form, act, *, done, template, context, back, to=None, level=messages.SUCCESS, uploads=()):
    """A form page: on a valid POST call ``act(cleaned_data)``; a refusal (``DomainError``)
    goes onto the form and what was typed is kept; on success show ``done(result)`` (one
    message or several, at ``level``) and go to ``to(result)``, else to ``back``.

    Otherwise render ``template`` with ``form``, ``back`` and ``context``: a dict, or a
    function returning one, called only when the form is shown (for what costs queries or
    reads the validated form).

    Every form carries a one-time token (a hidden field): the save and the token's row are one
    transaction, so a second POST of the token — a double tap, a browser retrying after a
    time-out — goes where the first went and saves nothing. ``uploads`` names photo fields whose
    files are kept when the form comes back (``wujin_branch.uploads``); the kept ones are added
    to ``cleaned_data[field]`` for ``act``."""
    token = _add_token(form)
    kept = {f: kept_uploads.pending(request, f) for f in uploads} if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        form.cleaned_data.pop(TOKEN, None)
        for f, rows in kept.items():
            form.cleaned_data[f] = list(form.cleaned_data.get(f) or []) + kept_uploads.pending_files(rows)
        earlier = _submitted(request, token)
        if earlier is not None:
            messages.info(request, ALREADY_SAVED)
            return redirect(earlier.url or back)
        try:
            with transaction.atomic():
                claim = _claim(request, token)
                result = act(form.cleaned_data)
                url = to(result) if to else back
                if claim is not None:
                    claim.url = url[:300]
                    claim.save(update_fields=["url"])
                for rows in kept.values():
                    kept_uploads.discard(rows)
        except IntegrityError:
            if token is None or not FormSubmission.objects.filter(token=token).exists():
                raise
            if (earlier := _submitted(request, token)) is not None:
                messages.info(request, ALREADY_SAVED)  # the same token saved meanwhile, by the first tap
                return redirect(earlier.url or back)
            form.add_error(None, STALE_TOKEN)  # another user's token (copied): a new one, nothing saved
            form.data = form.data.copy()
            form.data[form.add_prefix(TOKEN)] = uuid.uuid4().hex
        except DomainError as e:
            fail(form, e)
        else:
            said = done(result)
            for message in [said] if isinstance(said, str) else said:
                messages.add_message(request, level, message)
            return redirect(url)
    shown = []
    if request.method == "POST":
        for f in uploads:
            shown += kept_uploads.keep(request, form, f, kept.get(f, []))
    extra = context() if callable(context) else context
    return render(request, template, {"form": form, "back": back, "pending_uploads": shown, **extra})


def with_token(form):
    """``form`` with its one-time token, for a page that shows a form another view posts to
    ``form_page`` (a button on a detail page)."""
    _add_token(form)
    return form


def _add_token(form):
    """The hidden one-time token: new on a fresh form, the posted one on a bound form (so a
    form shown again after an error keeps its token until it is saved)."""
    form.fields[TOKEN] = forms.CharField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4().hex)
    if not form.is_bound:
        return None
    try:
        return uuid.UUID(str(form.data.get(form.add_prefix(TOKEN), "")))
    except ValueError:
        return None


def _submitted(request, token):
    if token is None or not request.user.is_authenticated:
        return None
    return FormSubmission.objects.filter(token=token, user=request.user).first()


def _claim(request, token):
    if token is None or not request.user.is_authenticated:
        return None
    with transaction.atomic():  # a savepoint: on PostgreSQL a concurrent twin waits here, then fails
        return FormSubmission.objects.create(token=token, user=request.user)
