"""党组织生活台账: web, PDF and Excel, generated from the records. (Being written.)"""

from django.http import Http404


def ledger_page(request, pk, year):
    raise Http404


def ledger_pdf(request, pk, year):
    raise Http404


def ledger_xlsx(request, pk, year):
    raise Http404
