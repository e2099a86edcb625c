from django.urls import path

from review import export_views as views

urlpatterns = [
    path("assessment/<int:pk>/sheet.pdf", views.score_sheet_pdf, name="score_sheet_pdf"),
    path("review/declaration/<int:pk>/declaration.pdf", views.declaration_pdf, name="declaration_pdf"),
    path("assessment/periods/<int:pk>/export/", views.bulk_export, name="bulk_export"),
    path("assessment/exports/<int:pk>/", views.bulk_export_status, name="bulk_export_status"),
    path("assessment/exports/<int:pk>/resume/", views.bulk_export_resume, name="bulk_export_resume"),
    path("assessment/exports/<int:pk>/download/", views.bulk_export_download, name="bulk_export_download"),
]
