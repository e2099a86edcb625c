"""Registering an 入党申请人, recording the steps, and 终止培养 (services).

Step 17 puts the person on the roster as a 预备党员 and step 24 makes that roster row a
正式党员, through the roster's own services, so nothing is typed twice.
"""

import datetime

from django.db import transaction

from branches import services as branches
from branches.models import Member, MemberStatus, Organization, OrgKind, Standing
from branches.permissions import Action, require
from branches.signals import announce_members_changed
from ledgers.activities.services import check_attachment
from ledgers.development.rules import active_rules, check_votes, order_breaks_for, rule_breaks_for, training_breaks
from ledgers.development.steps import (
    HARD_PREREQUISITES,
    STAGE_ORDER,
    STEP,
    STOP_CODE,
    TRANSITIONS,
    age_on,
    fmt_day,
    full_clean,
    min_age,
)
from ledgers.models import Applicant, DevStage, DevStep
from wujin_branch import images
from wujin_branch.errors import DomainError, StaleEditError
from wujin_branch.services import today

MATERIAL_DOCS = {".pdf", ".doc", ".docx"}
MATERIAL_IMAGES = {".jpg", ".jpeg", ".png", ".webp"}


def _material_ext(upload):
    name = getattr(upload, "name", "") or ""
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def prepare_material(upload):
    """(name, content) ready to store: PDF/Word as uploaded (checked), photos re-encoded without metadata."""
    if upload is None:
        return None
    ext = _material_ext(upload)
    if ext in MATERIAL_DOCS:
        check_attachment(upload)
        return ext.lstrip("."), upload
    if ext in MATERIAL_IMAGES:
        processed = images.check_and_process(upload)
        return "jpg", processed.display
    raise DomainError(f"材料“{upload.name}”格式不支持（仅支持 PDF、Word 或 JPG/PNG/WebP 照片）。", field="material")


APPLICANT_FIELDS = ["name", "gender", "birth_date", "education", "occupation", "id_number", "phone", "ethnicity"]


def _check_person(a: Applicant, *, exclude_pk=None):
    a.name = (a.name or "").strip()
    if not a.name:
        raise DomainError("请填写姓名。", field="name")
    a.id_number = (a.id_number or "").strip().upper()
    if not branches.validate_id_number(a.id_number):
        raise DomainError("身份证号格式不正确（应为18位，最后一位校验码须正确）。", field="id_number")
    if a.id_number[6:14] != f"{a.birth_date:%Y%m%d}":
        raise DomainError("身份证号中的出生日期与填写的出生日期不一致。", field="birth_date")
    if Member.objects.filter(id_number=a.id_number).exists():
        raise DomainError("该身份证号已登记在党员名册中，不能再作为入党申请人登记。", field="id_number")
    others = Applicant.objects.filter(id_number=a.id_number).exclude(stage=DevStage.STOPPED)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise DomainError("该身份证号已有正在培养的入党申请人档案（可能在其他支部）。", field="id_number")
    a.phone = a.phone or ""
    a.ethnicity = a.ethnicity or "汉族"


def applicant_create(
    *, actor, branch: Organization, applied_on: datetime.date, note: str = "", material=None, **data
) -> Applicant:
    """Register an 入党申请人 with step 1 (递交入党申请书) on ``applied_on``."""
    require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能在正常的党支部登记入党申请人。")
    a = Applicant(branch=branch, **{k: v for k, v in data.items() if k in APPLICANT_FIELDS})
    if applied_on > today():
        raise DomainError("递交申请书日期不能晚于今天。", field="applied_on")
    if a.birth_date is None or applied_on <= a.birth_date:
        raise DomainError("请核对出生日期和递交申请书日期。", field="birth_date")
    age = age_on(a.birth_date, applied_on)
    if age < min_age():
        raise DomainError(
            f"递交入党申请书时应年满{min_age()}周岁（按出生日期计算当时为 {age} 周岁），不能登记。", field="birth_date"
        )
    _check_person(a)
    stored = prepare_material(material)
    with transaction.atomic():
        full_clean(a)
        a._history_user = actor
        a.save()
        step = DevStep(applicant=a, code=1, done_on=applied_on, note=note or "", recorded_by=actor)
        attach_material(step, stored)
        step._history_user = actor
        step.save()
        announce_members_changed(a.branch_id, days=[applied_on])
    return a


def applicant_update(*, actor, applicant: Applicant, version, **data) -> Applicant:
    """Correct personal data while the person is not yet on the roster (afterwards: the roster)."""
    require(actor, Action.EDIT, applicant.branch)
    with transaction.atomic():
        a = Applicant.objects.select_for_update(of=("self",)).select_related("branch").get(pk=applicant.pk)
        if version is not None and int(version) != a.version:
            raise StaleEditError()
        if a.member_id:
            raise DomainError("已列入党员名册，请在党员名册中修改个人信息。")
        for k, v in data.items():
            if k in APPLICANT_FIELDS:
                setattr(a, k, v)
        applied_on = a.steps.filter(code=1).values_list("done_on", flat=True).first()
        if applied_on and age_on(a.birth_date, applied_on) < min_age():
            raise DomainError(f"递交入党申请书时应年满{min_age()}周岁，请核对出生日期。", field="birth_date")
        _check_person(a, exclude_pk=a.pk)
        full_clean(a)
        a.version += 1
        a._history_user = actor
        a.save()
        announce_members_changed(a.branch_id)
    return a


def attach_material(step, stored):
    if stored:
        ext, content = stored
        step.material.save(f"{step.code:02d}.{ext}", content, save=False)


def step_record(
    *,
    actor,
    applicant: Applicant,
    code: int,
    done_on: datetime.date,
    people: str = "",
    note: str = "",
    votes: dict | None = None,
    training_days: int | None = None,
    training_hours: int | None = None,
    material=None,
    exception_reason: str = "",
) -> DevStep:
    """Record one of the 25 steps. Rule or order breaks need ``exception_reason`` and are kept on the step."""
    require(actor, Action.EDIT, applicant.branch)
    if code not in STEP:
        raise DomainError("步骤无效。")
    definition = STEP[code]
    people = (people or "").strip()
    note = (note or "").strip()
    exception_reason = (exception_reason or "").strip()
    if done_on > today():
        raise DomainError("日期不能晚于今天（完成后再记录）。", field="done_on")
    if definition.people_required and not people:
        raise DomainError(f"请填写{definition.people_label}。", field="people")
    values = check_votes(code, votes or {})
    extra_breaks = []
    if code == 11:
        if training_days is None and training_hours is None:
            raise DomainError("请填写集中培训的天数或学时。", field="training_days")
        extra_breaks = training_breaks(training_days, training_hours)
        note = f"集中培训 {training_days or 0} 天、{training_hours or 0} 学时。" + (f"\n{note}" if note else "")
    stored = prepare_material(material)

    with transaction.atomic():
        a = Applicant.objects.select_for_update(of=("self",)).select_related("branch", "member").get(pk=applicant.pk)
        if not a.branch.is_active:
            raise DomainError("该支部已撤销或撤并，不能再记录。")
        if a.stage == DevStage.STOPPED:
            raise DomainError("已终止培养，不能再记录发展步骤。")
        dates = dict(a.steps.values_list("code", "done_on"))
        if code in dates:
            raise DomainError(f"第{code}步“{definition.name}”已经记录过（{fmt_day(dates[code])}）。")
        need = HARD_PREREQUISITES.get(code)
        if need and need not in dates:
            raise DomainError(f"须先记录第{need}步“{STEP[need].name}”，才能记录第{code}步“{definition.name}”。")
        if 1 in dates and done_on < dates[1]:
            raise DomainError(f"日期不能早于递交入党申请书的日期（{fmt_day(dates[1])}）。", field="done_on")
        breaks = order_breaks_for(code, done_on, dates) + rule_breaks_for(code, done_on, dates, active_rules())
        breaks += extra_breaks
        if breaks and not exception_reason:
            listed = "；".join(f"{i}. {b}" for i, b in enumerate(breaks, 1))
            raise DomainError(
                f"本步骤不符合以下规定：{listed}。如确属特殊情况，请填写例外原因后再保存（将向审核人员标红显示）。",
                field="exception_reason",
            )
        step = DevStep(
            applicant=a,
            code=code,
            done_on=done_on,
            people=people,
            note=note,
            rule_breaks="\n".join(breaks),
            exception_reason=exception_reason[:300],
            recorded_by=actor,
            **values,
        )
        full_clean_step(step)
        attach_material(step, stored)
        step._history_user = actor
        step.save()
        _apply_transition(actor, a, code, done_on)
        announce_members_changed(a.branch_id, days=[done_on])
    return step


def full_clean_step(step):
    from django.core.exceptions import ValidationError

    try:
        step.full_clean(
            exclude=["material", "applicant", "recorded_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as e:
        raise DomainError("；".join(m for errs in e.message_dict.values() for m in errs)) from e


def _apply_transition(actor, a: Applicant, code, done_on):
    new_stage = TRANSITIONS.get(code)
    if code == 17:
        if a.member_id:
            raise DomainError("该同志已在党员名册中。")
        a.member = branches.member_create(
            actor=actor,
            branch=a.branch,
            name=a.name,
            gender=a.gender,
            ethnicity=a.ethnicity,
            birth_date=a.birth_date,
            education=a.education,
            occupation=a.occupation,
            id_number=a.id_number,
            phone=a.phone,
            joined_on=done_on,
            status=MemberStatus.PROBATIONARY,
            full_member_on=None,
            dues_from=done_on.replace(day=1),  # on the platform already (as an applicant): owes from admission
        )
    elif code == 24:
        m = a.member
        if m is None:
            raise DomainError("尚未接收为预备党员（第17步），不能审批转正。")
        if m.standing != Standing.ACTIVE or m.branch_id != a.branch_id:
            raise DomainError("该预备党员已不在本支部名册中，转正应由其现所在党组织办理。")
        if m.status != MemberStatus.PROBATIONARY:
            raise DomainError("名册中该同志已是正式党员。")
        branches.member_update(actor=actor, member=m, version=None, status=MemberStatus.FULL, full_member_on=done_on)
    if new_stage and STAGE_ORDER.index(new_stage) > STAGE_ORDER.index(a.stage):
        a.stage = new_stage
    a.version += 1
    a._history_user = actor
    a.save()


def applicant_stop(*, actor, applicant: Applicant, stopped_on: datetime.date, reason: str) -> DevStep:
    """终止培养, with the date and the reason (kept on the timeline as step ``STOP_CODE``)."""
    require(actor, Action.EDIT, applicant.branch)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写终止培养的原因。", field="reason")
    if stopped_on > today():
        raise DomainError("日期不能晚于今天。", field="stopped_on")
    with transaction.atomic():
        a = Applicant.objects.select_for_update().get(pk=applicant.pk)
        if a.stage == DevStage.STOPPED:
            raise DomainError("已经终止培养。")
        if a.stage not in (DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE):
            raise DomainError(
                "已接收为预备党员，不能“终止培养”；取消预备党员资格须经支部大会讨论并报上级党委批准，请在党员名册中办理。"
            )
        applied = a.steps.filter(code=1).values_list("done_on", flat=True).first()
        if applied and stopped_on < applied:
            raise DomainError("日期不能早于递交入党申请书的日期。", field="stopped_on")
        step = DevStep(applicant=a, code=STOP_CODE, done_on=stopped_on, note=reason, recorded_by=actor)
        step._history_user = actor
        step.save()
        a.stage = DevStage.STOPPED
        a.version += 1
        a._history_user = actor
        a.save()
        announce_members_changed(a.branch_id, days=[stopped_on])
    return step
