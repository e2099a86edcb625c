from django.urls import path

from ledgers.placeholder import not_yet

urlpatterns = [
    path("assessment/<int:pk>/sheet.pdf", not_yet, name="score_sheet_pdf"),
    path("review/declaration/<int:pk>/declaration.pdf", not_yet, name="declaration_pdf"),
    path("assessment/periods/<int:pk>/export/", not_yet, name="bulk_export"),
]
