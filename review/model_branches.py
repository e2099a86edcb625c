"""示范支部: nominations by the committees, commendation by the district (services and reads).

Who: a reviewer (or district staff) nominates a branch under their committee; only district
staff commend or decline. Each write locks the row, checks the state again and bumps the
version, so a second click or a stale page is refused rather than applied twice.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from branches.models import OrgKind
from branches.permissions import Action, can, is_district, require, require_district
from branches.selectors import branches_visible_to
from review.model_branch_models import ModelBranchNomination, NominationStatus
from wujin_branch.errors import DomainError, StaleEditError

N = NominationStatus


def nominations_visible_to(user, *, status=""):
    qs = ModelBranchNomination.objects.filter(branch__in=branches_visible_to(user)).select_related(
        "branch", "nominated_by", "decided_by"
    )
    if status in N.values:
        qs = qs.filter(status=status)
    return qs


def commended_branch_ids(branch_ids) -> dict[int, ModelBranchNomination]:
    """The latest commendation of each of these branches (for badges on other pages)."""
    out = {}
    for n in ModelBranchNomination.objects.filter(branch_id__in=branch_ids, status=N.COMMENDED).order_by(
        "branch_id", "-year"
    ):
        out.setdefault(n.branch_id, n)
    return out


def _clean_text(value, label, *, required=True, limit=4000):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过{limit}个字。")
    return value


@transaction.atomic
def model_branch_nominate(*, actor, branch, year: int, reason: str, evidence: str = "") -> ModelBranchNomination:
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能推荐正常的党支部。")
    require(actor, Action.APPROVE, branch)
    this_year = timezone.localdate().year
    if not (2016 <= year <= this_year):
        raise DomainError(f"年度应在2016年至{this_year}年之间。")
    n = ModelBranchNomination(
        branch=branch, year=year, reason=_clean_text(reason, "推荐理由"), nominated_by=actor,
        evidence=_clean_text(evidence, "主要事迹", required=False),
    )  # fmt: skip
    n._history_user = actor
    n.full_clean(exclude=["branch", "nominated_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            n.save()
    except IntegrityError as e:
        raise DomainError(f"{branch.name}{year}年度已被推荐过，请勿重复推荐。") from e
    return n


def _locked(nomination, version):
    n = ModelBranchNomination.objects.select_for_update().get(pk=nomination.pk)
    if version is not None and n.version != version:
        raise StaleEditError("这条推荐刚被其他人处理过，请刷新页面后再看。")
    if n.status != N.NOMINATED:
        raise DomainError(f"这条推荐已审定（{n.get_status_display()}），不能再次审定。")
    return n


@transaction.atomic
def model_branch_commend(*, actor, nomination, commended_on: datetime.date, document_number: str,
                         note: str = "", version: int | None = None) -> ModelBranchNomination:  # fmt: skip
    require_district(actor)
    n = _locked(nomination, version)
    if commended_on is None or commended_on > timezone.localdate():
        raise DomainError("请填写表彰日期（不能晚于今天）。")
    n.status, n.commended_on = N.COMMENDED, commended_on
    n.document_number = _clean_text(document_number, "表彰文件文号", limit=60)
    n.decision_note = _clean_text(note, "审定意见", required=False)
    return _decide(n, actor)


@transaction.atomic
def model_branch_decline(*, actor, nomination, note: str, version: int | None = None) -> ModelBranchNomination:
    require_district(actor)
    n = _locked(nomination, version)
    n.status, n.decision_note = N.DECLINED, _clean_text(note, "未予表彰的原因")
    return _decide(n, actor)


def _decide(n, actor):
    n.decided_by, n.decided_at, n.version = actor, timezone.now(), n.version + 1
    n._history_user = actor
    n.full_clean(exclude=["branch", "nominated_by", "decided_by"], validate_constraints=False)
    n.save()
    return n


def may_nominate(user, branch) -> bool:
    return can(user, Action.APPROVE, branch)


def may_decide(user) -> bool:
    return is_district(user)
