"""党建工作经费 writes: the year's budget and account, and income and expense entries with receipts.
Every upload is checked before anything is written; each write is one transaction."""

import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from branches.models import Organization
from branches.permissions import require_writable
from ledgers.activities.services import check_attachment
from ledgers.funding.rules import funding_standard, standard_is_computed
from ledgers.models import FundingCategory, FundingEntry, FundingYear
from wujin_branch import images
from wujin_branch.errors import DomainError
from wujin_branch.services import clean, require_version, today

# ---------------------------------------------------------------- funding: writes


def _check_year(year: int):
    if not (2000 <= int(year) <= today().year + 1):
        raise DomainError("年度无效（可录入 2000 年至明年）。")


def _funding_for_update(branch, year, actor) -> tuple[FundingYear, bool]:
    """The (branch, year) row locked for update, created with defaults if missing."""
    fy = FundingYear.objects.select_for_update().filter(branch=branch, year=year).first()
    if fy is not None:
        return fy, False
    fy = FundingYear(branch=branch, year=year)
    if standard_is_computed(branch):
        s = funding_standard(branch, year)
        fy.standard_fen, fy.standard_basis = s.fen, s.basis[:120]
    fy._history_user = actor
    try:
        with transaction.atomic():
            fy.save()
    except IntegrityError:  # created meanwhile by someone else
        return FundingYear.objects.select_for_update().get(branch=branch, year=year), False
    return fy, True


def funding_year_save(
    *,
    actor,
    branch: Organization,
    year: int,
    version: int | None,
    budget_fen: int,
    has_special_fund: bool,
    has_account: bool,
    account_name: str = "",
    standard_fen: int | None = None,
    standard_basis: str = "",
) -> FundingYear:
    """The year's standard, budget, special fund and account. For 机关/事业单位 the standard
    is recomputed from the roster (anything passed is ignored)."""
    require_writable(actor, branch)
    _check_year(year)
    account_name = (account_name or "").strip()
    standard_basis = (standard_basis or "").strip()
    if budget_fen is None or budget_fen < 0:
        raise DomainError("年度预算不能为负数。", field="budget")
    if has_account and not account_name:
        raise DomainError("设专户管理的，请填写专户名称（账户或科目名称）。", field="account_name")
    if not standard_is_computed(branch):
        if standard_fen is None or standard_fen < 0:
            raise DomainError("请填写经费标准（元）。", field="standard")
        if standard_fen > 0 and not standard_basis:
            raise DomainError("请填写经费标准的依据。", field="standard_basis")
    with transaction.atomic():
        fy, created = _funding_for_update(branch, year, actor)
        if not created:  # the page opened before the row existed posts version 0
            require_version(fy.version, version)
            fy.version += 1
        if standard_is_computed(branch):
            s = funding_standard(branch, year)
            fy.standard_fen, fy.standard_basis = s.fen, s.basis[:120]
        else:
            fy.standard_fen, fy.standard_basis = standard_fen, standard_basis
        fy.budget_fen = budget_fen
        fy.has_special_fund = bool(has_special_fund)
        fy.has_account = bool(has_account)
        fy.account_name = account_name if has_account else ""
        clean(fy)
        fy._history_user = actor
        fy.save()
    return fy


def check_receipt(upload) -> ContentFile | None:
    """A receipt is a photo (stored as the re-encoded display JPEG, no metadata) or a PDF."""
    if upload is None:
        return None
    name = getattr(upload, "name", "") or "票据"
    ext = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if ext in ("doc", "docx", "xls", "xlsx", "txt", "zip", "rar"):
        raise DomainError(f"票据“{name}”格式不支持：请拍照上传，或上传 PDF 文件。", field="receipt")
    try:
        if ext == "pdf":
            check_attachment(upload)
            upload.seek(0)
            return ContentFile(upload.read(), name="receipt.pdf")
        processed = images.check_and_process(upload)
    except DomainError as e:
        raise DomainError(e.message, field="receipt") from e
    return ContentFile(processed.display.read(), name="receipt.jpg")


def _validate_entry(*, year, category, amount_fen, occurred_on, description):
    if category not in FundingCategory.values:
        raise DomainError("请选择收支科目。", field="category")
    if amount_fen is None or amount_fen <= 0:
        raise DomainError("金额必须大于 0。", field="amount")
    if occurred_on is None:
        raise DomainError("请填写日期。", field="occurred_on")
    if occurred_on > today():
        raise DomainError("日期不能晚于今天（收支发生后再记账）。", field="occurred_on")
    if occurred_on.year != int(year):
        raise DomainError(f"日期不在 {year} 年度内。", field="occurred_on")
    if not (description or "").strip():
        raise DomainError("请填写摘要。", field="description")


def funding_entry_create(
    *,
    actor,
    branch: Organization,
    year: int,
    category: str,
    amount_fen: int,
    occurred_on: datetime.date,
    description: str,
    receipt=None,
) -> FundingEntry:
    require_writable(actor, branch)
    _check_year(year)
    _validate_entry(
        year=year, category=category, amount_fen=amount_fen, occurred_on=occurred_on, description=description
    )
    content = check_receipt(receipt)  # before anything is written
    with transaction.atomic():
        fy, _ = _funding_for_update(branch, year, actor)
        entry = FundingEntry(
            funding=fy,
            category=category,
            amount_fen=amount_fen,
            occurred_on=occurred_on,
            description=description.strip(),
            recorded_by=actor,
        )
        clean(entry)
        if content is not None:
            entry.receipt.save(content.name, content, save=False)
        entry._history_user = actor
        entry.save()
    return entry


def funding_entry_update(
    *,
    actor,
    entry: FundingEntry,
    category: str,
    amount_fen: int,
    occurred_on: datetime.date,
    description: str,
    receipt=None,
    remove_receipt: bool = False,
) -> FundingEntry:
    branch = entry.funding.branch
    require_writable(actor, branch)
    year = entry.funding.year
    _validate_entry(
        year=year, category=category, amount_fen=amount_fen, occurred_on=occurred_on, description=description
    )
    content = check_receipt(receipt)
    with transaction.atomic():
        e = FundingEntry.objects.select_for_update().get(pk=entry.pk)
        e.category, e.amount_fen, e.occurred_on = category, amount_fen, occurred_on
        e.description = description.strip()
        clean(e)
        if content is not None:
            e.receipt.save(content.name, content, save=False)  # the old file stays for the history
        elif remove_receipt:
            e.receipt = ""
        e._history_user = actor
        e.save()
    return e


def funding_entry_delete(*, actor, entry: FundingEntry) -> None:
    require_writable(actor, entry.funding.branch)
    with transaction.atomic():
        e = FundingEntry.objects.select_for_update().get(pk=entry.pk)
        e._history_user = actor
        e.delete()
