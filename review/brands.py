"""党建工作品牌: the branch describes, the committee recommends or returns, the district
recognises or declines (services and reads).

Who: the branch's secretary or Party-affairs worker describes and, after a return, revises;
a committee reviewer (or district staff) of the branch recommends or returns with a reason;
only district staff recognise or decline. Each step locks the row, checks state, role and
version again, and writes a ``BrandEvent``. What is shown publicly once recognised (the texts
and the photos the branch chose) is refused when it carries a member's name or an ID number.
"""

import datetime
import re

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from branches.models import Member
from branches.permissions import Action, can, is_district, require, require_district, require_writable
from branches.selectors import branches_visible_to, get_for_user
from ledgers.activities.photos import attach_photos, check_photo_limit, delete_photos, kept_photos
from ledgers.models import Photo
from review.brand_models import BrandEvent, BrandStatus, PartyBrand
from wujin_branch.errors import DomainError, StaleEditError

S = BrandStatus
PHOTOS_PER_BRAND = 6
STEP_LABELS = {
    "review.brand.submitted": "支部报送",
    "review.brand.resubmitted": "修改后重新报送",
    "review.brand.recommended": "党(工)委推荐",
    "review.brand.returned": "党(工)委退回修改",
    "review.brand.recognised": "区委组织部认定",
    "review.brand.declined": "区委组织部未予认定",
    "review.brand.withdrawn": "区委组织部撤销认定",
}
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
TEXTS = (("name", "品牌名称", 60), ("idea", "品牌理念", 2000), ("measures", "主要做法", 4000),
         ("results", "工作成效", 4000))  # fmt: skip


# ---------------------------------------------------------------- reads


def brands_visible_to(user, *, status=""):
    qs = PartyBrand.objects.filter(branch__in=branches_visible_to(user)).select_related("branch")
    if status in S.values:
        qs = qs.filter(status=status)
    return qs


def get_brand_for_user(user, pk, action=Action.VIEW):
    return get_for_user(PartyBrand.objects.select_related("branch", "submitted_by"), pk, user, action,
                        missing="未找到该党建品牌")  # fmt: skip


def brand_photos(brand):
    return Photo.objects.filter(owner_type=ContentType.objects.get_for_model(PartyBrand), owner_id=brand.pk)


ENDED = (S.DECLINED, S.WITHDRAWN)


def live_brand_of(branch):
    return PartyBrand.objects.filter(branch=branch).exclude(status__in=ENDED).first()


def may_describe(user, branch) -> bool:
    return branch.is_active and can(user, Action.EDIT, branch)


def may_recommend(user, brand) -> bool:
    return brand.status == S.SUBMITTED and can(user, Action.APPROVE, brand.branch)


def may_recognise(user, brand) -> bool:
    return brand.status == S.RECOMMENDED and is_district(user)


def may_withdraw(user, brand) -> bool:
    return brand.status == S.RECOGNISED and is_district(user)


def may_revise(user, brand) -> bool:
    return brand.status == S.RETURNED and may_describe(user, brand.branch)


# ---------------------------------------------------------------- checks


def public_text_problem(branch, texts: dict) -> str:
    """Why texts that will be shown to the public are refused ("" when they may be): an
    identity number, or the name of a member of the branch (two characters or more)."""
    names = {n for n in Member.objects.filter(branch=branch).values_list("name", flat=True) if len(n) >= 2}
    for label, text in texts.items():
        if ID_NUMBER.search(text):
            return f"{label}中有身份证号码，公开展示的内容不能包含党员个人信息。"
        for name in sorted(names, key=len, reverse=True):
            if name in text:
                return (f"{label}中出现了党员姓名“{name}”，公开展示的内容请勿写入党员姓名，"
                        "可写“支部书记”“党员志愿者”等。")
    return ""


def _texts(branch, **values) -> dict:
    out = {}
    for field, label, limit in TEXTS:
        v = (values.get(field) or "").strip()
        if not v:
            raise DomainError(f"请填写{label}。", field=field)
        if len(v) > limit:
            raise DomainError(f"{label}不能超过{limit}个字。", field=field)
        out[field] = v
    problem = public_text_problem(branch, {label: out[f] for f, label, _ in TEXTS})
    if problem:
        raise DomainError(problem)
    return out


def _note(value, label, *, required, limit=2000):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", field="note")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过{limit}个字。", field="note")
    return value


def _event(brand, code, from_status, actor, comment=""):
    BrandEvent.objects.create(brand=brand, code=code, from_status=from_status, to_status=brand.status, actor=actor,
                              comment=comment)  # fmt: skip


def _save(brand, actor):
    brand._history_user = actor
    brand.full_clean(exclude=["branch", "submitted_by", "recommended_by", "decided_by"], validate_constraints=False)
    brand.save()


# ---------------------------------------------------------------- the branch


@transaction.atomic
def brand_submit(*, actor, branch, name: str, idea: str, measures: str, results: str, photos=()) -> PartyBrand:
    require_writable(actor, branch)
    texts = _texts(branch, name=name, idea=idea, measures=measures, results=results)
    photos = check_photo_limit(0, photos, PHOTOS_PER_BRAND)
    brand = PartyBrand(branch=branch, submitted_by=actor, **texts)
    try:
        with transaction.atomic():
            _save(brand, actor)
    except IntegrityError as e:
        raise DomainError(f"{branch.name}已有报送中或已认定的党建品牌，请勿重复报送。") from e
    attach_photos(actor=actor, branch=branch, owner=brand, photos=photos)
    _event(brand, "review.brand.submitted", "", actor)
    return brand


def _locked(brand, version, status, *, lock=True, after_read=None):
    """The row, locked, in the state this step starts from (``lock=False`` and ``after_read`` exist
    for the concurrency test and its control)."""
    qs = PartyBrand.objects.select_related("branch")
    b = (qs.select_for_update(of=("self",)) if lock else qs).get(pk=brand.pk)
    if after_read:
        after_read()
    if version is not None and b.version != version:
        raise StaleEditError("这个品牌刚被其他人处理过，请刷新页面后再看。")
    if b.status != status:
        raise DomainError(f"这个品牌{b.get_status_display()}，不能进行这一步。")
    return b


@transaction.atomic
def brand_revise(*, actor, brand, name: str, idea: str, measures: str, results: str, photos=(),
                 remove_photos=(), version: int | None = None) -> PartyBrand:  # fmt: skip
    """After a return: the branch changes what it wrote and sends it to the committee again."""
    require_writable(actor, brand.branch)
    b = _locked(brand, version, S.RETURNED)
    for field, value in _texts(b.branch, name=name, idea=idea, measures=measures, results=results).items():
        setattr(b, field, value)
    photos = check_photo_limit(kept_photos(b, remove_photos), photos, PHOTOS_PER_BRAND)
    b.status, b.submitted_at, b.version = S.SUBMITTED, timezone.now(), b.version + 1
    _save(b, actor)
    delete_photos(b, [int(x) for x in remove_photos or ()], actor)
    attach_photos(actor=actor, branch=b.branch, owner=b, photos=photos)
    _event(b, "review.brand.resubmitted", S.RETURNED, actor)
    return b


# ---------------------------------------------------------------- the committee


@transaction.atomic
def brand_recommend(*, actor, brand, note: str = "", version: int | None = None) -> PartyBrand:
    require(actor, Action.APPROVE, brand.branch)
    b = _locked(brand, version, S.SUBMITTED)
    b.status, b.committee_note = S.RECOMMENDED, _note(note, "推荐意见", required=False)
    b.recommended_by, b.recommended_at, b.version = actor, timezone.now(), b.version + 1
    _save(b, actor)
    _event(b, "review.brand.recommended", S.SUBMITTED, actor, b.committee_note)
    return b


@transaction.atomic
def brand_return(*, actor, brand, note: str, version: int | None = None) -> PartyBrand:
    require(actor, Action.APPROVE, brand.branch)
    b = _locked(brand, version, S.SUBMITTED)
    b.status, b.committee_note = S.RETURNED, _note(note, "退回原因", required=True)
    b.version += 1
    _save(b, actor)
    _event(b, "review.brand.returned", S.SUBMITTED, actor, b.committee_note)
    return b


# ---------------------------------------------------------------- the district


@transaction.atomic
def brand_recognise(*, actor, brand, recognised_on: datetime.date, document_number: str, note: str = "",
                    version: int | None = None, _lock_row=True, _after_read=None) -> PartyBrand:  # fmt: skip
    require_district(actor)
    b = _locked(brand, version, S.RECOMMENDED, lock=_lock_row, after_read=_after_read)
    if recognised_on is None or recognised_on > timezone.localdate():
        raise DomainError("请填写认定日期（不能晚于今天）。", field="recognised_on")
    number = (document_number or "").strip()
    if not number or len(number) > 60:
        raise DomainError("请填写认定文件文号（不超过60个字）。", field="document_number")
    b.status, b.recognised_on, b.document_number = S.RECOGNISED, recognised_on, number
    b.decision_note = _note(note, "认定意见", required=False)
    b.decided_by, b.decided_at, b.version = actor, timezone.now(), b.version + 1
    _save(b, actor)
    _event(b, "review.brand.recognised", S.RECOMMENDED, actor, f"{number} {b.decision_note}".strip())
    return b


@transaction.atomic
def brand_decline(*, actor, brand, note: str, version: int | None = None) -> PartyBrand:
    require_district(actor)
    b = _locked(brand, version, S.RECOMMENDED)
    b.status, b.decision_note = S.DECLINED, _note(note, "未予认定的原因", required=True)
    b.decided_by, b.decided_at, b.version = actor, timezone.now(), b.version + 1
    _save(b, actor)
    _event(b, "review.brand.declined", S.RECOMMENDED, actor, b.decision_note)
    return b


@transaction.atomic
def brand_withdraw(*, actor, brand, note: str, version: int | None = None) -> PartyBrand:
    """Take a recognised brand off the showcase (a problem found later); its page and photos are
    no longer public from this moment, and the branch may describe a new one."""
    require_district(actor)
    b = _locked(brand, version, S.RECOGNISED)
    b.status, b.decision_note = S.WITHDRAWN, _note(note, "撤销认定的原因", required=True)
    b.decided_by, b.decided_at, b.version = actor, timezone.now(), b.version + 1
    _save(b, actor)
    _event(b, "review.brand.withdrawn", S.RECOGNISED, actor, b.decision_note)
    return b
