"""Excel roster: template, all-or-nothing import, export. (Being written.)"""

from django.http import Http404


def roster_template(request, pk):
    raise Http404


def roster_import(request, pk):
    raise Http404


def roster_export(request, pk):
    raise Http404
