"""Helpers for the hot lists (a roster of 200, a dashboard of 44 committees): what a template
would work out again for every row is worked out once per list.

- ``pk_url(name)``: ``reverse()`` once; each row's URL is the same string with its pk in it.
- ``url_pattern(name, nargs)``: the URL with ``{0}``, ``{1}``… where its int arguments go,
  reversed once per process (per URLconf and script prefix); the filter ``url_for`` in
  ``wujin_branch.templatetags.fast_urls`` fills it in, for pages whose ``{% url %}`` tags
  add up (the branch page, the menu).
- ``date_text()``: a date as the page shows it (``DATE_FORMAT``), without the general date
  formatter for the common Chinese form.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import date_format, get_format

_MARK = 987654321  # a pk no table reaches; it stands in the reversed URL where the pk goes


def pk_url(name):
    """A function pk → URL for the URL name ``name`` whose one argument is an int pk."""
    head, tail = reverse(name, args=[_MARK]).split(str(_MARK))
    return lambda pk: f"{head}{pk}{tail}"


@lru_cache(maxsize=1024)
def _url_pattern(name, nargs, urlconf, prefix):
    marks = [str(_MARK + i) for i in range(nargs)]
    url = reverse(name, args=marks, urlconf=urlconf)
    for i, mark in enumerate(marks):
        url = url.replace(mark, "{" + str(i) + "}")
    return url


def url_pattern(name, nargs=1):
    """``reverse(name, args=[a, b…]) == url_pattern(name, 2).format(a, b…)`` for int arguments."""
    return _url_pattern(name, nargs, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def date_text_for_rows():
    """A function date → text like ``{{ date }}`` in a template, for the current language:
    looked up once for a list, then plain string formatting when it is the Chinese
    ``Y年n月j日``."""
    if get_format("DATE_FORMAT") == "Y年n月j日":
        return lambda d: "" if d is None else f"{d.year}年{d.month}月{d.day}日"
    return lambda d: "" if d is None else date_format(d)
