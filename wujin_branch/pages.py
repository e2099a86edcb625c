"""View helpers every page uses: a refusal onto its form, the year in the query string,
file downloads, and the form page (valid form → service → message → redirect, or the form
again with what was typed and the refusal on it)."""

import os

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from wujin_branch.errors import DomainError
from wujin_branch.services import MIN_YEAR, today


def fail(form, err: DomainError):
    """Put a service's refusal on the field it names, or on the whole form."""
    form.add_error(err.field if err.field and err.field in form.fields else None, err.message)


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
    return FileResponse(fieldfile.open("rb"), as_attachment=True, filename=name)


def form_page(request, form, act, *, done, template, context, back, to=None, level=messages.SUCCESS):
    """A form page: on a valid POST call ``act(cleaned_data)``; a refusal (``DomainError``)
    goes onto the form and what was typed is kept; on success show ``done(result)`` (one
    message or several, at ``level``) and go to ``to(result)``, else to ``back``.

    Otherwise render ``template`` with ``form``, ``back`` and ``context``: a dict, or a
    function returning one, called only when the form is shown (for what costs queries or
    reads the validated form)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = act(form.cleaned_data)
        except DomainError as e:
            fail(form, e)
        else:
            said = done(result)
            for message in [said] if isinstance(said, str) else said:
                messages.add_message(request, level, message)
            return redirect(to(result) if to else back)
    extra = context() if callable(context) else context
    return render(request, template, {"form": form, "back": back, **extra})
