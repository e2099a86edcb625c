from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = "台账与记录"

    def ready(self):
        from branches.signals import members_changed

        members_changed.connect(_members_changed, dispatch_uid="ledgers.member_ledger_pdf")


def _members_changed(sender, *, branch_ids, days, **_):
    from ledgers.books.pdfs import member_ledger_years, schedule_member_ledger

    schedule_member_ledger(branch_ids, member_ledger_years(*days))
