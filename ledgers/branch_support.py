"""党建工作经费, 阵地 and 党务公开 (seed §二(四)): every write, and the reads that build their pages.

Funding standard (经费标准)
    For 机关 and 事业单位 the standard is computed, never typed: 600 yuan (``FUNDING_PER_MEMBER_FEN``,
    a setting) × the members on the branch's roster on **1 January of the year** — joined by then
    and not yet gone, the same rule as ``services.roster_on``. The same date is used for past
    years and for the current one, so the standard a branch budgets against does not move during
    the year as members join or leave (a member who joins in June counts from next year). Because
    the roster follows each member's current branch, a member moved to another branch inside the
    district counts for the new branch in earlier years too. For every other branch type
    (villages and communities by collective income, enterprises and social organizations from
    returned dues and revenue-linked budgets) the standard and its basis are entered by hand.

Flags
    ``funding_flags(branch, year)`` (one branch, from its rows) and ``funding_flags_all(year,
    branch_ids)`` (any number of branches, two queries) gather the same facts in two ways and
    apply the same rules (``_flags``), so the assessment can use either. A year without a
    funding row counts as an empty row: no special fund (the one-vote veto), no account.

Photos of checklist items and notices are ``Photo`` rows owned generically (``photos_attach``);
every upload is checked before anything is written, and each write is one transaction, so a
refused file leaves nothing half-saved.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from branches.errors import DomainError, StaleEditError
from branches.models import BranchType, Member, Organization, OrgKind, OrgStatus, Standing
from branches.permissions import Action, can
from branches.services import _clean

from . import images
from .models import (
    INCOME_CATEGORIES,
    PERMITTED_EXPENSES,
    ActivityRoom,
    FundingCategory,
    FundingEntry,
    FundingYear,
    NoticeCategory,
    Photo,
    PublicNotice,
    RoomCheck,
    RoomItem,
    RoomKind,
)
from .services import check_attachment, photos_attach, roster_on

FUNDING_PER_MEMBER_FEN = getattr(settings, "FUNDING_PER_MEMBER_FEN", 600 * 100)
COMPUTED_STANDARD_TYPES = frozenset({BranchType.ORGAN, BranchType.INSTITUTION})
EXPENSE_CATEGORIES = frozenset(set(FundingCategory) - INCOME_CATEGORIES)
PHOTOS_PER_ROOM_ITEM = 6
PHOTOS_PER_NOTICE = getattr(settings, "PHOTOS_PER_ACTIVITY", 12)
# What the seed requires the 党务公开栏 to publish in time; "other" is open-ended.
REQUIRED_NOTICE_CATEGORIES = (
    NoticeCategory.PLAN,
    NoticeCategory.DEVELOPMENT,
    NoticeCategory.DUES,
    NoticeCategory.REWARDS,
    NoticeCategory.APPRAISAL,
)
MANUAL_BASIS_HINTS = {
    BranchType.VILLAGE: "村党组织：根据村集体经济收入情况确定",
    BranchType.COMMUNITY: "社区党组织：根据社区集体收入情况确定",
    BranchType.PRIVATE_ENTERPRISE: "非公有制企业：从返还党费和按营收比例列入管理费用的党建经费中安排",
    BranchType.SOCIAL_ORG: "社会组织：从返还党费和按业务收入比例列支的党建经费中安排",
}
MANUAL_BASIS_DEFAULT_HINT = "请写明标准的来源，如返还党费、单位按比例列支的党建工作经费、集体收入安排等"

# Flag codes (stable: the assessment matches on them).
NO_SPECIAL_FUND = "no_special_fund"
OUTSIDE_CATEGORIES = "outside_categories"
BUDGET_BELOW_STANDARD = "budget_below_standard"
NEGATIVE_BALANCE = "negative_balance"
MISSING_RECEIPTS = "missing_receipts"
NO_ACCOUNT = "no_account"


def _today():
    return timezone.localdate()


def _require(actor, action, branch):
    if actor is None or not can(actor, action, branch):
        raise DomainError("您没有权限执行此操作。")


def _require_writable(actor, branch):
    _require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部录入。")


def yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


# ---------------------------------------------------------------- access


def get_entry_for_user(user, pk, action=Action.VIEW) -> FundingEntry:
    entry = FundingEntry.objects.select_related("funding__branch").filter(pk=pk).first()
    if entry is None or not can(user, action, entry.funding.branch):
        raise Http404("未找到该收支记录")
    return entry


def get_notice_for_user(user, pk, action=Action.VIEW) -> PublicNotice:
    notice = PublicNotice.objects.select_related("branch", "created_by").filter(pk=pk).first()
    if notice is None or not can(user, action, notice.branch):
        raise Http404("未找到该公开事项")
    return notice


def _photos_by_owner(model, ids) -> dict[int, list[Photo]]:
    """Photos of many owners of one model, in one query."""
    out = defaultdict(list)
    ids = list(ids)
    if not ids:
        return out
    ct = ContentType.objects.get_for_model(model)
    for p in Photo.objects.filter(owner_type=ct, owner_id__in=ids).order_by("id"):
        out[p.owner_id].append(p)
    return out


def _delete_photos(owner, photo_ids, actor) -> int:
    if not photo_ids:
        return 0
    ct = ContentType.objects.get_for_model(owner)
    n = 0
    for photo in Photo.objects.filter(owner_type=ct, owner_id=owner.pk, pk__in=list(photo_ids)):
        photo._history_user = actor
        photo.delete()  # one by one, so each removal is in the history
        n += 1
    return n


def _photo_ids(owner) -> set[int]:
    ct = ContentType.objects.get_for_model(owner)
    return set(Photo.objects.filter(owner_type=ct, owner_id=owner.pk).values_list("pk", flat=True))


def _kept(owner, remove_photos) -> int:
    """How many of the owner's photos stay after removing ``remove_photos``."""
    if owner is None or owner.pk is None:
        return 0
    return len(_photo_ids(owner) - {int(x) for x in remove_photos or ()})


def _attach(*, actor, branch, owner, photos):
    """Store checked photos for ``owner``; a refused file raises before anything is stored."""
    if not photos:
        return []
    try:
        return photos_attach(actor=actor, branch=branch, owner=owner, uploads=photos)
    except DomainError as e:
        raise DomainError(e.message, field="photos") from e


def _check_photo_limit(keep: int, new, limit: int):
    new = [p for p in new or [] if p is not None]
    if keep + len(new) > limit:
        raise DomainError(f"每项最多 {limit} 张照片。", field="photos")
    return new


# ---------------------------------------------------------------- funding: standard and flags


@dataclass(frozen=True)
class Standard:
    fen: int
    basis: str
    computed: bool
    members: int | None = None
    roster_date: datetime.date | None = None


def roster_date_for(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def standard_is_computed(branch) -> bool:
    return branch.branch_type in COMPUTED_STANDARD_TYPES


def _computed_basis(branch_type_label, members, day):
    return (
        f"{branch_type_label}党组织按每名党员每年不少于{FUNDING_PER_MEMBER_FEN // 100}元："
        f"{day:%Y年%m月%d日}在册党员{members}名"
    )


def funding_standard(branch, year: int, funding: FundingYear | None = None) -> Standard:
    """The year's standard: computed from the roster for 机关/事业单位, else as entered."""
    if standard_is_computed(branch):
        day = roster_date_for(year)
        n = roster_on(branch, day).count()
        return Standard(
            fen=n * FUNDING_PER_MEMBER_FEN,
            basis=_computed_basis(branch.get_branch_type_display(), n, day),
            computed=True,
            members=n,
            roster_date=day,
        )
    if funding is None:
        return Standard(fen=0, basis="", computed=False)
    return Standard(fen=funding.standard_fen, basis=funding.standard_basis, computed=False)


@dataclass(frozen=True)
class FundingFlag:
    code: str
    level: str  # "danger" | "warning"
    message: str
    veto: bool = False


@dataclass(frozen=True)
class FundingFacts:
    standard_fen: int
    budget_fen: int
    has_special_fund: bool
    has_account: bool
    income_fen: int
    expense_fen: int
    other_expense_count: int
    other_expense_fen: int
    no_receipt_count: int

    @property
    def balance_fen(self):
        return self.income_fen - self.expense_fen


def _flags(f: FundingFacts) -> list[FundingFlag]:
    """The funding rules, applied to facts however they were gathered."""
    out = []
    if not f.has_special_fund:
        out.append(
            FundingFlag(
                NO_SPECIAL_FUND,
                "danger",
                "未落实党建工作专项经费（一票否决情形）。",
                veto=True,
            )
        )
    if f.other_expense_count:
        out.append(
            FundingFlag(
                OUTSIDE_CATEGORIES,
                "danger",
                f"有 {f.other_expense_count} 笔支出（共 {yuan_text(f.other_expense_fen)} 元）不在规定的使用范围内"
                "（阵地建设、发展党员和党员教育管理、党员表彰和慰问、党报党刊订阅）。",
            )
        )
    if f.standard_fen and f.budget_fen < f.standard_fen:
        out.append(
            FundingFlag(
                BUDGET_BELOW_STANDARD,
                "warning",
                f"年度预算 {yuan_text(f.budget_fen)} 元，低于经费标准 {yuan_text(f.standard_fen)} 元。",
            )
        )
    if f.balance_fen < 0:
        out.append(
            FundingFlag(
                NEGATIVE_BALANCE,
                "danger",
                f"经费结余为负（{yuan_text(f.balance_fen)} 元）：支出超过收入，请核对收入是否漏记。",
            )
        )
    if f.no_receipt_count:
        out.append(FundingFlag(MISSING_RECEIPTS, "warning", f"有 {f.no_receipt_count} 笔支出没有上传票据。"))
    if not f.has_account:
        out.append(FundingFlag(NO_ACCOUNT, "warning", "党建工作经费未设专户（专账）管理。"))
    return out


def _facts_from_rows(standard: Standard, funding: FundingYear | None, entries) -> FundingFacts:
    income = expense = other_n = other_fen = no_receipt = 0
    for e in entries:
        if e.category in INCOME_CATEGORIES:
            income += e.amount_fen
            continue
        expense += e.amount_fen
        if e.category not in PERMITTED_EXPENSES:
            other_n += 1
            other_fen += e.amount_fen
        if not e.receipt:
            no_receipt += 1
    return FundingFacts(
        standard_fen=standard.fen,
        budget_fen=funding.budget_fen if funding else 0,
        has_special_fund=bool(funding and funding.has_special_fund),
        has_account=bool(funding and funding.has_account),
        income_fen=income,
        expense_fen=expense,
        other_expense_count=other_n,
        other_expense_fen=other_fen,
        no_receipt_count=no_receipt,
    )


def funding_flags(branch, year: int) -> list[FundingFlag]:
    """The funding flags of one branch for one year (a missing row counts as an empty one)."""
    funding = FundingYear.objects.filter(branch=branch, year=year).first()
    entries = FundingEntry.objects.filter(funding=funding).only("category", "amount_fen", "receipt") if funding else []
    return _flags(_facts_from_rows(funding_standard(branch, year, funding), funding, entries))


def funding_sums(year: int, branch_ids):
    """The year's funding row of each of ``branch_ids`` with its sums (income, expense, the
    "other" expenses, entries without a receipt), as dicts, in one query. Also read by the
    assessment's 经费 rule."""
    expenses = Q(entries__category__in=list(EXPENSE_CATEGORIES))
    other = Q(entries__category=FundingCategory.OTHER_EXPENSE)
    return (
        FundingYear.objects.filter(year=year, branch_id__in=list(branch_ids))
        .annotate(
            income=Coalesce(Sum("entries__amount_fen", filter=Q(entries__category__in=list(INCOME_CATEGORIES))), 0),
            expense=Coalesce(Sum("entries__amount_fen", filter=expenses), 0),
            n_entries=Count("entries"),
            n_expense=Count("entries", filter=expenses),
            other_n=Count("entries", filter=other),
            other_fen=Coalesce(Sum("entries__amount_fen", filter=other), 0),
            no_receipt=Count("entries", filter=expenses & Q(entries__receipt="")),
        )
        .values(
            "branch_id", "standard_fen", "budget_fen", "has_special_fund", "has_account", "income", "expense",
            "n_entries", "n_expense", "other_n", "other_fen", "no_receipt",
        )  # fmt: skip
    )


def funding_flags_all(year: int, branch_ids=None) -> dict[int, list[FundingFlag]]:
    """Flags for many branches at once, in two queries whatever their number.

    ``branch_ids`` None means every active branch. Ids that are not branches are left out.
    """
    day = roster_date_for(year)
    branches = Organization.objects.filter(kind=OrgKind.BRANCH)
    if branch_ids is None:
        branches = branches.filter(status=OrgStatus.ACTIVE)
    else:
        branches = branches.filter(pk__in=list(branch_ids))
    n_roster = (
        Member.objects.filter(branch=OuterRef("pk"), joined_on__lte=day)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
        .order_by()
        .values("branch")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = branches.annotate(
        n_roster=Case(
            When(branch_type__in=list(COMPUTED_STANDARD_TYPES), then=Coalesce(Subquery(n_roster), 0)),
            default=Value(None),
            output_field=IntegerField(),
        )
    ).values_list("pk", "n_roster")
    roster = dict(rows)
    if not roster:
        return {}

    by_branch = {r["branch_id"]: r for r in funding_sums(year, list(roster))}
    out = {}
    for pk, n in roster.items():
        r = by_branch.get(pk)
        if n is not None:
            standard = n * FUNDING_PER_MEMBER_FEN
        else:
            standard = r["standard_fen"] if r else 0
        facts = FundingFacts(
            standard_fen=standard,
            budget_fen=r["budget_fen"] if r else 0,
            has_special_fund=bool(r and r["has_special_fund"]),
            has_account=bool(r and r["has_account"]),
            income_fen=r["income"] if r else 0,
            expense_fen=r["expense"] if r else 0,
            other_expense_count=r["other_n"] if r else 0,
            other_expense_fen=r["other_fen"] if r else 0,
            no_receipt_count=r["no_receipt"] if r else 0,
        )
        out[pk] = _flags(facts)
    return out


# ---------------------------------------------------------------- funding: page


@dataclass
class CategoryTotal:
    category: str
    label: str
    fen: int
    count: int
    permitted: bool


def funding_page(branch, year: int) -> dict:
    """Everything the funding page shows, in a fixed number of queries."""
    funding = FundingYear.objects.filter(branch=branch, year=year).first()
    entries = (
        list(FundingEntry.objects.filter(funding=funding).select_related("recorded_by").order_by("occurred_on", "id"))
        if funding
        else []
    )
    standard = funding_standard(branch, year, funding)
    facts = _facts_from_rows(standard, funding, entries)
    totals = {c: CategoryTotal(c, FundingCategory(c).label, 0, 0, c in PERMITTED_EXPENSES) for c in FundingCategory}
    for e in entries:
        t = totals[e.category]
        t.fen += e.amount_fen
        t.count += 1
    income = [totals[c] for c in FundingCategory if c in INCOME_CATEGORIES]
    expense = [totals[c] for c in FundingCategory if c not in INCOME_CATEGORIES]
    flags = _flags(facts)
    return {
        "funding": funding,
        "entries": entries,
        "standard": standard,
        "facts": facts,
        "income_totals": income,
        "expense_totals": expense,
        "flags": flags,
        "veto": any(f.veto for f in flags),
        "basis_hint": MANUAL_BASIS_HINTS.get(branch.branch_type, MANUAL_BASIS_DEFAULT_HINT),
    }


# ---------------------------------------------------------------- funding: writes


def _check_year(year: int):
    today = _today()
    if not (2000 <= int(year) <= today.year + 1):
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
    _require_writable(actor, branch)
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
        if not created:
            if version is not None and int(version) != fy.version:
                raise StaleEditError()
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
        _clean(fy)
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
    if occurred_on > _today():
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
    _require_writable(actor, branch)
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
        _clean(entry)
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
    _require_writable(actor, branch)
    year = entry.funding.year
    _validate_entry(
        year=year, category=category, amount_fen=amount_fen, occurred_on=occurred_on, description=description
    )
    content = check_receipt(receipt)
    with transaction.atomic():
        e = FundingEntry.objects.select_for_update().get(pk=entry.pk)
        e.category, e.amount_fen, e.occurred_on = category, amount_fen, occurred_on
        e.description = description.strip()
        _clean(e)
        if content is not None:
            e.receipt.save(content.name, content, save=False)  # the old file stays for the history
        elif remove_receipt:
            e.receipt = ""
        e._history_user = actor
        e.save()
    return e


def funding_entry_delete(*, actor, entry: FundingEntry) -> None:
    _require_writable(actor, entry.funding.branch)
    with transaction.atomic():
        e = FundingEntry.objects.select_for_update().get(pk=entry.pk)
        e._history_user = actor
        e.delete()


# ---------------------------------------------------------------- 阵地


@dataclass
class ChecklistRow:
    item: str
    label: str
    check: RoomCheck | None
    photos: list = field(default_factory=list)

    @property
    def present(self):
        return bool(self.check and self.check.present)

    @property
    def missing(self):
        return not self.present

    @property
    def needs_photo(self):
        return self.present and not self.photos


def room_page(branch) -> dict:
    """The room, the full checklist (every item, recorded or not) with photos, in fixed queries."""
    room = ActivityRoom.objects.filter(branch=branch).first()
    checks = {c.item: c for c in RoomCheck.objects.filter(room=room)} if room else {}
    photos = _photos_by_owner(RoomCheck, [c.pk for c in checks.values()])
    rows = []
    for item in RoomItem:
        c = checks.get(item.value)
        rows.append(ChecklistRow(item.value, item.label, c, photos.get(c.pk, []) if c else []))
    mismatch = ""
    if room is not None and (room.kind == RoomKind.OWN) != branch.has_own_room:
        org_says = "有独立活动室" if branch.has_own_room else "无独立活动室"
        mismatch = (
            f"组织基本信息登记为“{org_says}”，阵地登记为“{room.get_kind_display()}”，两者不一致。"
            "组织基本信息由上级党组织修改，请核对后联系上级党组织更正。"
        )
    return {
        "room": room,
        "rows": rows,
        "n_present": sum(r.present for r in rows),
        "n_missing": sum(r.missing for r in rows),
        "n_need_photo": sum(r.needs_photo for r in rows),
        "mismatch": mismatch,
    }


def room_save(
    *, actor, branch: Organization, kind: str, address: str, shared_with: str = "", area_m2: int | None = None
) -> ActivityRoom:
    _require_writable(actor, branch)
    if kind not in RoomKind.values:
        raise DomainError("请选择阵地类型。", field="kind")
    shared_with = (shared_with or "").strip()
    address = (address or "").strip()
    if kind == RoomKind.SHARED and not shared_with:
        raise DomainError("共用活动阵地的，请填写与哪个单位共用。", field="shared_with")
    if not address:
        raise DomainError("请填写阵地地址。", field="address")
    if area_m2 is not None and area_m2 <= 0:
        raise DomainError("面积应大于 0。", field="area_m2")
    with transaction.atomic():
        room = ActivityRoom.objects.select_for_update().filter(branch=branch).first() or ActivityRoom(branch=branch)
        room.kind = kind
        room.shared_with = shared_with if kind == RoomKind.SHARED else ""
        room.address = address
        room.area_m2 = area_m2
        _clean(room, exclude=["branch"])
        room._history_user = actor
        try:
            with transaction.atomic():
                room.save()
        except IntegrityError:  # registered meanwhile in another tab
            raise DomainError("活动阵地刚被他人登记，请刷新页面后再修改。") from None
    return room


def room_check_save(
    *,
    actor,
    branch: Organization,
    item: str,
    present: bool,
    checked_on: datetime.date,
    note: str = "",
    photos=(),
    remove_photos=(),
) -> RoomCheck:
    """One checklist item: present or not, when checked, photos (checked before any write)."""
    _require_writable(actor, branch)
    if item not in RoomItem.values:
        raise DomainError("核对项目无效。")
    if checked_on is None or checked_on > _today():
        raise DomainError("核对日期不能晚于今天。", field="checked_on")
    room = ActivityRoom.objects.filter(branch=branch).first()
    if room is None:
        raise DomainError("请先登记活动阵地（地址、类型）。")
    with transaction.atomic():
        check = RoomCheck.objects.select_for_update().filter(room=room, item=item).first()
        photos = _check_photo_limit(_kept(check, remove_photos), photos, PHOTOS_PER_ROOM_ITEM)
        if check is None:
            check = RoomCheck(room=room, item=item)
        check.present = bool(present)
        check.checked_on = checked_on
        check.note = (note or "").strip()
        _clean(check, exclude=["room"])
        check._history_user = actor
        check.save()
        _delete_photos(check, remove_photos, actor)
        _attach(actor=actor, branch=branch, owner=check, photos=photos)
    return check


# ---------------------------------------------------------------- 党务公开


@dataclass
class NoticeRow:
    notice: PublicNotice
    photos: list


def notices_page(branch, year: int) -> dict:
    """The year's postings with photos, counts per category and the categories still missing."""
    notices = list(
        PublicNotice.objects.filter(branch=branch, posted_on__year=year)
        .select_related("created_by")
        .order_by("-posted_on", "-id")
    )
    photos = _photos_by_owner(PublicNotice, [n.pk for n in notices])
    counts = {c: 0 for c in NoticeCategory.values}
    for n in notices:
        counts[n.category] += 1
    return {
        "rows": [NoticeRow(n, photos.get(n.pk, [])) for n in notices],
        "counts": [(c, NoticeCategory(c).label, counts[c]) for c in NoticeCategory.values],
        "missing": missing_notice_categories(counts),
        "total": len(notices),
    }


def missing_notice_categories(counts: dict) -> list[str]:
    """Labels of the required categories with no posting (``counts``: category → number)."""
    return [NoticeCategory(c).label for c in REQUIRED_NOTICE_CATEGORIES if not counts.get(c)]


def notice_counts(branch, year: int) -> dict[str, int]:
    rows = (
        PublicNotice.objects.filter(branch=branch, posted_on__year=year)
        .order_by()
        .values("category")
        .annotate(n=Count("id"))
    )
    return {r["category"]: r["n"] for r in rows}


def _validate_notice(*, category, title, posted_on, content, has_photos):
    if category not in NoticeCategory.values:
        raise DomainError("请选择公开类别。", field="category")
    if not (title or "").strip():
        raise DomainError("请填写标题。", field="title")
    if posted_on is None or posted_on > _today():
        raise DomainError("公开日期不能晚于今天（张贴后再记录）。", field="posted_on")
    if not (content or "").strip() and not has_photos:
        raise DomainError("请填写公开内容，或上传公开栏照片。", field="content")


def notice_create(
    *, actor, branch: Organization, category: str, title: str, posted_on: datetime.date, content: str = "", photos=()
) -> PublicNotice:
    _require_writable(actor, branch)
    photos = _check_photo_limit(0, photos, PHOTOS_PER_NOTICE)
    _validate_notice(category=category, title=title, posted_on=posted_on, content=content, has_photos=bool(photos))
    with transaction.atomic():
        notice = PublicNotice(
            branch=branch,
            category=category,
            title=title.strip(),
            posted_on=posted_on,
            content=(content or "").strip(),
            created_by=actor,
        )
        _clean(notice, exclude=["branch"])
        notice._history_user = actor
        notice.save()
        _attach(actor=actor, branch=branch, owner=notice, photos=photos)
    return notice


def notice_update(
    *,
    actor,
    notice: PublicNotice,
    category: str,
    title: str,
    posted_on: datetime.date,
    content: str = "",
    photos=(),
    remove_photos=(),
) -> PublicNotice:
    branch = notice.branch
    _require_writable(actor, branch)
    with transaction.atomic():
        n = PublicNotice.objects.select_for_update().get(pk=notice.pk)
        keep = _kept(n, remove_photos)
        photos = _check_photo_limit(keep, photos, PHOTOS_PER_NOTICE)
        _validate_notice(
            category=category, title=title, posted_on=posted_on, content=content, has_photos=bool(keep or photos)
        )
        n.category, n.title, n.posted_on = category, title.strip(), posted_on
        n.content = (content or "").strip()
        _clean(n, exclude=["branch"])
        n._history_user = actor
        n.save()
        _delete_photos(n, remove_photos, actor)
        _attach(actor=actor, branch=branch, owner=n, photos=photos)
    return n


def notice_delete(*, actor, notice: PublicNotice) -> None:
    _require_writable(actor, notice.branch)
    with transaction.atomic():
        n = PublicNotice.objects.select_for_update().get(pk=notice.pk)
        _delete_photos(n, _photo_ids(n), actor)
        n._history_user = actor
        n.delete()
