"""Annual branch plans (工作计划, 党课计划, 教育计划 …) and personal study plans (seed §二(二)2)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from branches.models import Member, Standing
from branches.permissions import Action, require, require_active_branch
from ledgers.activities.services import check_attachment
from ledgers.models import Plan, PlanKind, StudyPlan
from wujin_branch.errors import DomainError
from wujin_branch.services import check_year

# ================================================================ plans

PLAN_FILE_EXTENSIONS = (".pdf", ".doc", ".docx")


def check_plan_file(upload):
    """PDF or Word only, then the shared checks (size, signature matching the extension)."""
    name = getattr(upload, "name", "") or "文件"
    if not name.lower().endswith(PLAN_FILE_EXTENSIONS):
        raise DomainError(f"文件“{name}”格式不支持（仅支持 PDF、Word）。", field="file")
    try:
        return check_attachment(upload)
    except DomainError as e:
        raise DomainError(e.message, field="file") from e


@transaction.atomic
def plan_save(*, actor, branch, year: int, kind: str, text: str, upload=None, remove_file: bool = False) -> Plan:
    """The branch's plan of one kind for a year: created the first time, changed after
    (one per kind and year). Text and/or an uploaded PDF/Word file."""
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)
    check_year(year, allow_next=True)
    if kind not in PlanKind.values:
        raise DomainError("计划类别无效。")
    text = (text or "").strip()
    if upload is not None:
        check_plan_file(upload)
    plan = Plan.objects.select_for_update().filter(branch=branch, year=year, kind=kind).first()
    if plan is None:
        plan = Plan(branch=branch, year=year, kind=kind, created_by=actor)
    keeps_file = bool(plan.file) and not remove_file
    if not text and upload is None and not keeps_file:
        raise DomainError("请填写计划内容或上传计划文件。", field="text")
    plan.text = text
    if upload is not None:
        plan.file.save(upload.name, upload, save=False)
    elif remove_file:
        plan.file = ""  # the stored file is kept: the history still points at it
    plan._history_user = actor
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as e:
        raise DomainError("该计划刚被他人录入，请刷新页面后再修改。") from e
    return plan


@dataclass
class PlanSlot:
    kind: str
    label: str
    plan: Plan | None


def plans_checklist(branch, year) -> list[PlanSlot]:
    """One slot per plan kind, filled or not (one query)."""
    plans = {p.kind: p for p in Plan.objects.filter(branch=branch, year=year).select_related("created_by")}
    return [PlanSlot(k.value, k.label, plans.get(k.value)) for k in PlanKind]


# ---------------------------------------------------------------- personal study plans


@transaction.atomic
def study_plans_save(*, actor, branch, year: int, rows: dict, files: dict | None = None) -> dict:
    """The yes/no grid in one go: ``rows`` maps member id → (has_plan, keeps_notes);
    ``files`` member id → an uploaded plan (PDF/Word; an upload counts as having a plan).
    Members not on the branch's roster are refused; a member with nothing ticked and no
    saved row gets no row. Returns counts of created and updated rows."""
    require(actor, Action.EDIT, branch)
    require_active_branch(branch)
    check_year(year, allow_next=True)
    files = {k: v for k, v in (files or {}).items() if v is not None}
    members = {
        m.pk: m for m in Member.objects.filter(branch=branch, standing=Standing.ACTIVE, pk__in=set(rows) | set(files))
    }
    if set(rows) - set(members) or set(files) - set(members):
        raise DomainError("表中有不在本支部名册上的党员，请刷新页面后重新填写。")
    for member_id, upload in files.items():
        try:
            check_plan_file(upload)
        except DomainError as e:
            raise DomainError(f"{members[member_id].name}：{e.message}") from e
    saved = StudyPlan.objects.select_for_update().filter(member_id__in=list(members), year=year)
    existing = {s.member_id: s for s in saved}
    to_create, to_update = [], []
    for member_id in set(rows) | set(files):
        has_plan, keeps_notes = rows.get(member_id, (False, False))
        upload = files.get(member_id)
        has_plan = bool(has_plan) or upload is not None
        keeps_notes = bool(keeps_notes)
        sp = existing.get(member_id)
        if sp is None:
            if not (has_plan or keeps_notes):
                continue
            sp = StudyPlan(member_id=member_id, year=year, has_plan=has_plan, keeps_notes=keeps_notes)
            to_create.append(sp)
        elif (sp.has_plan, sp.keeps_notes) != (has_plan, keeps_notes) or upload is not None:
            sp.has_plan, sp.keeps_notes = has_plan, keeps_notes
            to_update.append(sp)
        if upload is not None:
            sp.file.save(upload.name, upload, save=False)
    if to_create:
        bulk_create_with_history(to_create, StudyPlan, default_user=actor)
    if to_update:
        bulk_update_with_history(to_update, StudyPlan, ["has_plan", "keeps_notes", "file"], default_user=actor)
    return {"created": len(to_create), "updated": len(to_update)}


def study_plan_grid(branch, year) -> list[tuple[Member, StudyPlan | None]]:
    """Active members with their plan of the year (two queries)."""
    members = (
        Member.objects.filter(branch=branch, standing=Standing.ACTIVE)
        .order_by("name_pinyin", "id")
        .prefetch_related(Prefetch("study_plans", queryset=StudyPlan.objects.filter(year=year), to_attr="of_year"))
    )
    return [(m, m.of_year[0] if m.of_year else None) for m in members]


def study_plan_counts(branch, year) -> dict:
    """Active members, with a plan, keeping notes (one query)."""
    return Member.objects.filter(branch=branch, standing=Standing.ACTIVE).aggregate(
        total=Count("id", distinct=True),
        with_plan=Count("id", filter=Q(study_plans__year=year, study_plans__has_plan=True), distinct=True),
        with_notes=Count("id", filter=Q(study_plans__year=year, study_plans__keeps_notes=True), distinct=True),
    )
