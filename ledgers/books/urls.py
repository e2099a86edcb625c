"""The three 台账 (pk is the branch): 党组织生活台账, 党员信息台账, 联系服务群众台账; page, PDF, Excel."""

from django.urls import path

from ledgers.books import views as v

urlpatterns = [
    path("branch/<int:pk>/ledger/<int:year>/", v.ledger_page, name="life_ledger"),
    path("branch/<int:pk>/ledger/<int:year>.pdf", v.ledger_pdf, name="life_ledger_pdf"),
    path("branch/<int:pk>/ledger/<int:year>.xlsx", v.ledger_xlsx, name="life_ledger_xlsx"),
    path("branch/<int:pk>/member-ledger/<int:year>/", v.member_ledger, name="member_ledger"),
    path("branch/<int:pk>/member-ledger/<int:year>.pdf", v.member_ledger_pdf, name="member_ledger_pdf"),
    path("branch/<int:pk>/member-ledger/<int:year>.xlsx", v.member_ledger_xlsx, name="member_ledger_xlsx"),
    path("branch/<int:pk>/service-ledger/<int:year>/", v.service_ledger, name="service_ledger"),
    path("branch/<int:pk>/service-ledger/<int:year>.pdf", v.service_ledger_pdf, name="service_ledger_pdf"),
    path("branch/<int:pk>/service-ledger/<int:year>.xlsx", v.service_ledger_xlsx, name="service_ledger_xlsx"),
]
