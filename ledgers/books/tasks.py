from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def build_life_ledger_pdf(branch_id: int, year: int) -> bool:
    """Make a branch's 党组织生活台账 PDF ahead of its download (see ``ledgers.books.pdfs``).
    Idempotent: when the stored PDF is made from the same HTML it does nothing."""
    from branches.models import Organization
    from ledgers.books.life import build_stored_pdf

    branch = Organization.objects.filter(pk=branch_id).first()
    return build_stored_pdf(branch, year) if branch is not None else False


@shared_task(acks_late=True, ignore_result=True)
def build_member_ledger_pdf(branch_id: int, year: int) -> bool:
    """Make a branch's 党员信息台账 PDF (identity numbers masked) ahead of its download.
    Idempotent: when the stored PDF is made from the same HTML it does nothing."""
    from branches.models import Organization
    from ledgers.books.members import build_stored_pdf

    branch = Organization.objects.filter(pk=branch_id).first()
    return build_stored_pdf(branch, year) if branch is not None else False
