"""发展党员: the 25 steps, every write (services) and every page read (selectors).

A person's path is a row per step (``DevStep``); the stage on ``Applicant`` follows from
the steps that move it (3 → 入党积极分子, 7 → 发展对象, 17 → 预备党员, 24 → 正式党员).
Time rules between steps are data (``DevRule``). A step that breaks a rule, or comes out
of order, is recorded only with an exception reason; the breaks are stored on the step
and shown in red to the branch and to reviewers. Step 17 puts the person on the roster as
a 预备党员 and step 24 makes that roster row a 正式党员, through the roster's own services,
so nothing is typed twice.

终止培养 is stored as a step row with code 0 (``STOP_CODE``): it has a date, a reason,
who recorded it and history, like every other event on the timeline.
"""

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear
from django.http import Http404
from django.utils import timezone

from branches import services as roster
from branches.errors import DomainError, StaleEditError
from branches.models import Education, Member, MemberStatus, Occupation, Organization, OrgKind, Standing
from branches.permissions import Action, can

from . import images
from .models import ActivistExamination, Applicant, DevelopmentPlan, DevRule, DevStage, DevStep
from .services import check_attachment

# ---------------------------------------------------------------- the 25 steps


@dataclass(frozen=True)
class Step:
    code: int
    name: str
    stage: int  # 1..5, see STAGES
    people_label: str = ""  # what the "people" field means at this step; empty: not asked
    people_required: bool = False
    vote: str = ""  # "" | "optional" | "required"
    hint: str = ""


STAGES = {
    1: "申请入党",
    2: "入党积极分子的确定和培养教育",
    3: "发展对象的确定和考察",
    4: "预备党员的接收",
    5: "预备党员的教育考察和转正",
}

STEPS = [
    Step(1, "递交入党申请书", 1, hint="年满十八岁，向工作、学习所在单位党组织提出。"),
    Step(2, "党组织派人谈话", 1, "谈话人", hint="收到入党申请书后一个月内派人谈话。"),
    Step(3, "推荐和确定入党积极分子", 2, "推荐方式（党员推荐、群团组织推优）", vote="optional",
         hint="支部委员会（不设支委会的支部大会）研究决定；如经党员推荐投票，请填写票数。"),
    Step(4, "报上级党委备案", 2),
    Step(5, "指定培养联系人", 2, "培养联系人（一至二名正式党员）", people_required=True),
    Step(6, "培养教育考察", 2, hint="每半年进行一次考察。"),
    Step(7, "确定发展对象", 3, hint="经过一年以上培养教育和考察，听取党小组、培养联系人、党员和群众意见。"),
    Step(8, "报上级党委备案", 3),
    Step(9, "确定入党介绍人", 3, "入党介绍人（两名正式党员）", people_required=True),
    Step(10, "进行政治审查", 3, "政审人员", hint="政治审查结论在一年内有效。"),
    Step(11, "开展集中培训", 3, "培训单位/班次", hint="集中培训时间一般不少于三天（或不少于24个学时）。"),
    Step(12, "支部委员会审查", 4),
    Step(13, "上级党委预审", 4),
    Step(14, "填写入党志愿书", 4),
    Step(15, "支部大会讨论", 4, vote="required",
         hint="赞成人数超过应到会有表决权的正式党员的半数，才能通过接收预备党员的决议。"),
    Step(16, "上级党委派人谈话", 4, "谈话人"),
    Step(17, "上级党委审批", 4,
         hint="一般应在支部大会讨论后三个月内审批，最长不超过六个月。审批后即列入党员名册（预备党员）。"),
    Step(18, "再上级党委组织部门备案", 4),
    Step(19, "编入党支部和党小组", 5),
    Step(20, "入党宣誓", 5),
    Step(21, "继续教育考察", 5),
    Step(22, "提出转正申请", 5, hint="预备期满前由本人提出书面转正申请。"),
    Step(23, "支部大会讨论转正", 5, vote="required",
         hint="预备期一年，期满后及时讨论；赞成人数须超过应到会有表决权的正式党员的半数。"),
    Step(24, "上级党委审批转正", 5, hint="一般应在三个月内审批。审批后名册中转为正式党员。"),
    Step(25, "材料归档", 5),
]  # fmt: skip
STEP = {s.code: s for s in STEPS}
STAGE_STEPS = {k: [s.code for s in STEPS if s.stage == k] for k in STAGES}
LAST_CODE = STEPS[-1].code

STOP_CODE = 0  # 终止培养, a timeline event kept in DevStep

# Recording one of these steps moves the person to that stage.
TRANSITIONS = {3: DevStage.ACTIVIST, 7: DevStage.CANDIDATE, 17: DevStage.PROBATIONARY, 24: DevStage.FULL}
STAGE_ORDER = [DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE, DevStage.PROBATIONARY, DevStage.FULL]
IN_PROGRESS = [DevStage.APPLICANT, DevStage.ACTIVIST, DevStage.CANDIDATE, DevStage.PROBATIONARY]

# A decision cannot be recorded without the step it decides on (no exception reason helps).
HARD_PREREQUISITES = {17: 15, 23: 17, 24: 23}

VOTE_FIELDS = ["vote_expected", "vote_present", "ballots_issued", "ballots_returned", "votes_for"]
MATERIAL_DOCS = {".pdf", ".doc", ".docx"}
MATERIAL_IMAGES = {".jpg", ".jpeg", ".png", ".webp"}
COLLEGE_OR_ABOVE = [Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE]
FRONTLINE = [Occupation.WORKER, Occupation.FARMER]
YOUNG_AGE = 35


def min_age():
    return getattr(settings, "DEV_MIN_AGE", 18)


def training_minimum():
    """(days, class hours): 集中培训 of either is enough (regulation; configurable)."""
    return getattr(settings, "DEV_TRAINING_MIN_DAYS", 3), getattr(settings, "DEV_TRAINING_MIN_HOURS", 24)


def examination_months() -> int:
    """党支部每半年对入党积极分子进行一次考察 (regulation; configurable)."""
    return getattr(settings, "DEV_EXAMINATION_MONTHS", 6)


def months_after(day: datetime.date, n: int) -> datetime.date:
    """The same day ``n`` calendar months later, or the month's last day when it has no such day."""
    y, m = divmod(day.year * 12 + day.month - 1 + n, 12)
    return datetime.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _today():
    return timezone.localdate()


def _require(actor, action, branch):
    if actor is None or not can(actor, action, branch):
        raise DomainError("您没有权限执行此操作。")


def _fmt(day):
    return f"{day:%Y-%m-%d}"


# ---------------------------------------------------------------- access


def get_applicant_for_user(user, pk, action=Action.VIEW) -> Applicant:
    a = Applicant.objects.select_related("branch", "member").filter(pk=pk).first()
    if a is None or not can(user, action, a.branch):
        raise Http404("未找到该发展对象档案")
    return a


def get_step_for_user(user, pk, action=Action.VIEW) -> DevStep:
    s = DevStep.objects.select_related("applicant__branch").filter(pk=pk).first()
    if s is None or not can(user, action, s.applicant.branch):
        raise Http404("未找到该材料")
    return s


# ---------------------------------------------------------------- rules


def active_rules() -> list[DevRule]:
    return list(DevRule.objects.filter(active=True).order_by("from_step", "to_step", "id"))


def rule_breaks_for(code: int, done_on: datetime.date, dates: dict[int, datetime.date], rules) -> list[str]:
    """The time rules that recording ``code`` on ``done_on`` breaks, given the other steps' dates."""
    out = []
    for r in rules:
        if r.to_step == code and r.from_step in dates:
            start, end = dates[r.from_step], done_on
        elif r.from_step == code and r.to_step in dates:
            start, end = done_on, dates[r.to_step]
        else:
            continue
        days = (end - start).days
        span = f"第{r.from_step}步 {_fmt(start)} 至第{r.to_step}步 {_fmt(end)}"
        if days < 0:
            out.append(f"{r.description}（{span}，第{r.to_step}步早于第{r.from_step}步）")
        elif r.min_days is not None and days < r.min_days:
            out.append(f"{r.description}（{span}，仅 {days} 天，应不少于 {r.min_days} 天）")
        elif r.max_days is not None and days > r.max_days:
            out.append(f"{r.description}（{span}，已 {days} 天，应不超过 {r.max_days} 天）")
    return out


def order_breaks_for(code: int, done_on: datetime.date, dates: dict[int, datetime.date]) -> list[str]:
    """Steps of an earlier stage not yet done, or dated after this one; later stages dated before it."""
    stage = STEP[code].stage
    out = []
    missing = [c for k in range(1, stage) for c in STAGE_STEPS[k] if c not in dates]
    if missing:
        names = "、".join(f"第{c}步“{STEP[c].name}”" for c in missing)
        out.append(f"顺序：前一阶段的{names}尚未完成，即进行第{code}步")
    for c, d in sorted(dates.items()):
        if c == code or c == STOP_CODE:
            continue
        if STEP[c].stage < stage and d > done_on:
            out.append(f"顺序：第{code}步日期 {_fmt(done_on)} 早于前一阶段第{c}步“{STEP[c].name}”的日期 {_fmt(d)}")
        elif STEP[c].stage > stage and d < done_on:
            out.append(f"顺序：第{code}步日期 {_fmt(done_on)} 晚于后一阶段第{c}步“{STEP[c].name}”的日期 {_fmt(d)}")
    return out


def training_breaks(days, hours) -> list[str]:
    min_days, min_hours = training_minimum()
    if (days or 0) >= min_days or (hours or 0) >= min_hours:
        return []
    return [f"集中培训时间一般不少于{min_days}天或{min_hours}个学时（本次 {days or 0} 天、{hours or 0} 学时）"]


def check_votes(code: int, votes: dict) -> dict:
    """Validate the vote numbers of a step; return the values to store (all None if there is no vote)."""
    kind = STEP[code].vote
    values = {k: votes.get(k) for k in VOTE_FIELDS}
    given = [v for v in values.values() if v is not None]
    if not kind:
        return {k: None for k in VOTE_FIELDS}
    if not given and kind == "optional":
        return values
    if len(given) != len(VOTE_FIELDS):
        raise DomainError("请完整填写应到、实到、发出票数、收回票数和赞成票。", field="vote_expected")
    if any(v < 0 for v in given):
        raise DomainError("票数不能为负数。", field="vote_expected")
    e, p, i, r, y = (values[k] for k in VOTE_FIELDS)
    if e == 0:
        raise DomainError("应到人数不能为 0。", field="vote_expected")
    if p > e:
        raise DomainError(f"实到人数（{p}）不能多于应到人数（{e}）。", field="vote_present")
    if i > p:
        raise DomainError(f"发出票数（{i}）不能多于实到人数（{p}）。", field="ballots_issued")
    if r > i:
        raise DomainError(f"收回票数（{r}）不能多于发出票数（{i}）。", field="ballots_returned")
    if y > r:
        raise DomainError(f"赞成票（{y}）不能多于收回票数（{r}）。", field="votes_for")
    if kind == "required" and y * 2 <= e:
        raise DomainError(
            f"赞成票 {y} 张，未超过应到会有表决权的正式党员（{e} 人）的半数，决议未通过，不能记录为通过。",
            field="votes_for",
        )
    return values


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


# ---------------------------------------------------------------- applicants

APPLICANT_FIELDS = ["name", "gender", "birth_date", "education", "occupation", "id_number", "phone", "ethnicity"]


def _check_person(a: Applicant, *, exclude_pk=None):
    a.name = (a.name or "").strip()
    if not a.name:
        raise DomainError("请填写姓名。", field="name")
    a.id_number = (a.id_number or "").strip().upper()
    if not roster.validate_id_number(a.id_number):
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


def _full_clean(obj):
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean()
    except ValidationError as e:
        msgs = []
        for name, errs in e.message_dict.items():
            try:
                label = obj._meta.get_field(name).verbose_name
            except Exception:
                label = name
            msgs.append(f"{label}：{'；'.join(errs)}" if name != "__all__" else "；".join(errs))
        raise DomainError("；".join(msgs)) from e


def applicant_create(
    *, actor, branch: Organization, applied_on: datetime.date, note: str = "", material=None, **data
) -> Applicant:
    """Register an 入党申请人 with step 1 (递交入党申请书) on ``applied_on``."""
    _require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能在正常的党支部登记入党申请人。")
    a = Applicant(branch=branch, **{k: v for k, v in data.items() if k in APPLICANT_FIELDS})
    if applied_on > _today():
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
        _full_clean(a)
        a._history_user = actor
        a.save()
        step = DevStep(applicant=a, code=1, done_on=applied_on, note=note or "", recorded_by=actor)
        _attach(step, stored)
        step._history_user = actor
        step.save()
    return a


def applicant_update(*, actor, applicant: Applicant, version, **data) -> Applicant:
    """Correct personal data while the person is not yet on the roster (afterwards: the roster)."""
    _require(actor, Action.EDIT, applicant.branch)
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
        _full_clean(a)
        a.version += 1
        a._history_user = actor
        a.save()
    return a


def _attach(step, stored):
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
    _require(actor, Action.EDIT, applicant.branch)
    if code not in STEP:
        raise DomainError("步骤无效。")
    definition = STEP[code]
    people = (people or "").strip()
    note = (note or "").strip()
    exception_reason = (exception_reason or "").strip()
    if done_on > _today():
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
            raise DomainError(f"第{code}步“{definition.name}”已经记录过（{_fmt(dates[code])}）。")
        need = HARD_PREREQUISITES.get(code)
        if need and need not in dates:
            raise DomainError(f"须先记录第{need}步“{STEP[need].name}”，才能记录第{code}步“{definition.name}”。")
        if 1 in dates and done_on < dates[1]:
            raise DomainError(f"日期不能早于递交入党申请书的日期（{_fmt(dates[1])}）。", field="done_on")
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
        _full_clean_step(step)
        _attach(step, stored)
        step._history_user = actor
        step.save()
        _apply_transition(actor, a, code, done_on)
    return step


def _full_clean_step(step):
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
        a.member = roster.member_create(
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
        )
    elif code == 24:
        m = a.member
        if m is None:
            raise DomainError("尚未接收为预备党员（第17步），不能审批转正。")
        if m.standing != Standing.ACTIVE or m.branch_id != a.branch_id:
            raise DomainError("该预备党员已不在本支部名册中，转正应由其现所在党组织办理。")
        if m.status != MemberStatus.PROBATIONARY:
            raise DomainError("名册中该同志已是正式党员。")
        roster.member_update(actor=actor, member=m, version=None, status=MemberStatus.FULL, full_member_on=done_on)
    if new_stage and STAGE_ORDER.index(new_stage) > STAGE_ORDER.index(a.stage):
        a.stage = new_stage
    a.version += 1
    a._history_user = actor
    a.save()


def applicant_stop(*, actor, applicant: Applicant, stopped_on: datetime.date, reason: str) -> DevStep:
    """终止培养, with the date and the reason (kept on the timeline as step ``STOP_CODE``)."""
    _require(actor, Action.EDIT, applicant.branch)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写终止培养的原因。", field="reason")
    if stopped_on > _today():
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
    return step


# ---------------------------------------------------------------- 积极分子考察 (every half year)


EXAMINATION_STEP = 6  # 第6步“培养教育考察”: its date counts as an examination too


def examination_record(
    *, actor, applicant: Applicant, examined_on: datetime.date, examined_by: str, content: str
) -> ActivistExamination:
    """Record one half-yearly examination of an 入党积极分子 (between steps 3 and 7)."""
    _require(actor, Action.EDIT, applicant.branch)
    examined_by = (examined_by or "").strip()
    content = (content or "").strip()
    if not examined_by:
        raise DomainError("请填写考察人。", field="examined_by")
    if not content:
        raise DomainError("请填写考察情况。", field="content")
    if examined_on > _today():
        raise DomainError("考察日期不能晚于今天（考察后再记录）。", field="examined_on")
    with transaction.atomic():
        a = Applicant.objects.select_for_update(of=("self",)).select_related("branch").get(pk=applicant.pk)
        if not a.branch.is_active:
            raise DomainError("该支部已撤销或撤并，不能再记录。")
        if a.stage == DevStage.STOPPED:
            raise DomainError("已终止培养，不能再记录考察。")
        dates = dict(a.steps.filter(code__in=[3, 7]).values_list("code", "done_on"))
        if 3 not in dates:
            raise DomainError("尚未确定为入党积极分子（第3步），不能记录积极分子考察。")
        if examined_on < dates[3]:
            raise DomainError(f"考察日期不能早于确定为入党积极分子的日期（{_fmt(dates[3])}）。", field="examined_on")
        if 7 in dates and examined_on > dates[7]:
            raise DomainError(
                f"考察日期不能晚于确定为发展对象的日期（{_fmt(dates[7])}），此后的考察请记入发展对象阶段的步骤。",
                field="examined_on",
            )
        if a.examinations.filter(examined_on=examined_on).exists():
            raise DomainError(f"{_fmt(examined_on)} 已有一条考察记录。", field="examined_on")
        exam = ActivistExamination(
            applicant=a, examined_on=examined_on, examined_by=examined_by, content=content, recorded_by=actor
        )
        _full_clean(exam)
        exam._history_user = actor
        exam.save()
    return exam


def examination_due_on(activist_on: datetime.date, examined: list) -> datetime.date:
    """When the next examination is due: 6 months after the last one, or after becoming an activist."""
    return months_after(max(examined, default=activist_on), examination_months())


@dataclass
class ExaminationDue:
    applicant: Applicant
    activist_on: datetime.date
    last_examined_on: datetime.date | None
    due_on: datetime.date
    on: datetime.date

    @property
    def overdue(self) -> bool:
        return self.on > self.due_on

    @property
    def overdue_days(self) -> int:
        return max(0, (self.on - self.due_on).days)


def _examination_row(applicant, activist_on, examined, on) -> ExaminationDue:
    examined = [d for d in examined if d and d >= activist_on]
    return ExaminationDue(
        applicant=applicant,
        activist_on=activist_on,
        last_examined_on=max(examined, default=None),
        due_on=examination_due_on(activist_on, examined),
        on=on,
    )


def examination_status(branch, *, on: datetime.date | None = None) -> list[ExaminationDue]:
    """Every 入党积极分子 of the branch with the day the next examination is due, soonest first (one query).

    The clock starts on step 3 (确定为入党积极分子) and restarts with each examination
    (an ``ActivistExamination`` or step 6). Due on the same day 6 months later; overdue after it.
    """
    on = on or _today()
    steps = DevStep.objects.filter(applicant=OuterRef("pk")).order_by()
    last_exam = ActivistExamination.objects.filter(applicant=OuterRef("pk")).order_by("-examined_on")
    people = (
        Applicant.objects.filter(branch=branch, stage=DevStage.ACTIVIST)
        .annotate(
            activist_on=Subquery(steps.filter(code=3).values("done_on")[:1]),
            step6_on=Subquery(steps.filter(code=EXAMINATION_STEP).values("done_on")[:1]),
            last_exam_on=Subquery(last_exam.values("examined_on")[:1]),
        )
        .only("id", "name", "stage", "branch_id")
        .order_by("id")
    )
    rows = []
    for a in people:
        if a.activist_on is None:
            continue
        rows.append(_examination_row(a, a.activist_on, [a.step6_on, a.last_exam_on], on))
    rows.sort(key=lambda r: (r.due_on, r.applicant.pk))
    return rows


def overdue_examination_count(branch, *, on: datetime.date | None = None) -> int:
    """入党积极分子 of the branch whose half-yearly examination is overdue (for the branch home; one query)."""
    return sum(1 for r in examination_status(branch, on=on) if r.overdue)


# ---------------------------------------------------------------- plan


PLAN_FIELDS = ["planned_count", "target_young_pct", "target_college_pct", "target_frontline_pct", "text"]


def plan_save(*, actor, branch: Organization, year: int, **data) -> DevelopmentPlan:
    """Create or change the branch's plan for a year; a change after approval needs approval again."""
    _require(actor, Action.EDIT, branch)
    if branch.kind != OrgKind.BRANCH or not branch.is_active:
        raise DomainError("只能为正常的党支部制定发展计划。")
    for k in ("target_young_pct", "target_college_pct", "target_frontline_pct"):
        v = data.get(k)
        if v is not None and not 0 <= v <= 100:
            raise DomainError("占比目标应在 0 到 100 之间。", field=k)
    with transaction.atomic():
        plan = DevelopmentPlan.objects.select_for_update().filter(branch=branch, year=year).first()
        plan = plan or DevelopmentPlan(branch=branch, year=year)
        changed = False
        for k in PLAN_FIELDS:
            if k in data:
                v = data[k] if data[k] is not None or k != "text" else ""
                changed |= getattr(plan, k) != v
                setattr(plan, k, v)
        if changed and plan.approved_by_upper:
            plan.approved_by_upper = False
        _full_clean(plan)
        plan._history_user = actor
        plan.save()
    return plan


def plan_approve(*, actor, plan: DevelopmentPlan, approved: bool = True) -> DevelopmentPlan:
    """计划申报审批: the upper committee approves (or withdraws approval of) a branch's plan."""
    _require(actor, Action.APPROVE, plan.branch)
    with transaction.atomic():
        p = DevelopmentPlan.objects.select_for_update().get(pk=plan.pk)
        p.approved_by_upper = approved
        p._history_user = actor
        p.save()
    return p


# ---------------------------------------------------------------- selectors


@dataclass
class Due:
    text: str
    day: datetime.date
    level: str  # danger | warning | info | ok
    rule: DevRule | None = None


DUE_TEXTS = {
    # rule code → what the pipeline says while the target step is pending; {date} is the computed day
    "talk_within_month": "应于 {date} 前派人谈话",
    "activist_one_year": "培养满一年 {date}，可确定为发展对象",
    "review_valid_one_year": "政审结论有效至 {date}，支部大会应在此前讨论",
    "approval_normal_3_months": "上级党委一般应于 {date} 前审批",
    "approval_max_6_months": "上级党委审批最迟不超过 {date}",
    "probation_one_year": "预备期满 {date}，可讨论转正",
    "full_approval_3_months": "转正一般应于 {date} 前审批",
}


def dues_for(dates: dict[int, datetime.date], rules, *, on: datetime.date) -> list[Due]:
    """Dates that matter next: rules whose start step is done and whose target step is not."""
    out = []
    for r in rules:
        if r.from_step not in dates or r.to_step in dates:
            continue
        start = dates[r.from_step]
        target = STEP.get(r.to_step)
        name = target.name if target else f"第{r.to_step}步"
        if r.max_days is not None:
            day = start + datetime.timedelta(days=r.max_days)
            text = DUE_TEXTS.get(r.code, "第{to}步“{name}”应于 {date} 前完成")
            if day < on:
                level, text = "danger", text + f"（已逾期 {(on - day).days} 天）"
            elif (day - on).days <= 30:
                level, text = "warning", text + f"（还剩 {(day - on).days} 天）"
            else:
                level = "info"
        elif r.min_days is not None:
            day = start + datetime.timedelta(days=r.min_days)
            text = DUE_TEXTS.get(r.code, "{date} 起可进行第{to}步“{name}”")
            level = "ok" if day <= on else "info"
        else:
            continue
        out.append(Due(text.format(date=_fmt(day), to=r.to_step, name=name), day, level, r))
    rank = {"danger": 0, "warning": 1, "info": 2, "ok": 3}
    out.sort(key=lambda d: (rank[d.level], d.day))
    return out


def next_code(dates) -> int | None:
    return next((s.code for s in STEPS if s.code not in dates), None)


@dataclass
class PipelineRow:
    applicant: Applicant
    applied_on: datetime.date | None
    done: int
    next_step: Step | None
    dues: list
    n_breaks: int

    @property
    def due(self):
        return self.dues[0] if self.dues else None


def _steps_prefetch():
    return Prefetch(
        "steps", queryset=DevStep.objects.only("id", "applicant_id", "code", "done_on", "rule_breaks").order_by("code")
    )


def stage_counts(branch) -> dict:
    return Applicant.objects.filter(branch=branch).aggregate(
        **{s.value: Count("id", filter=Q(stage=s.value)) for s in DevStage}
    )


def pipeline(branch, *, stage: str | None = None, on: datetime.date | None = None) -> dict:
    """The branch's development pipeline in four queries: counts, people, their steps, the rules.

    Without ``stage``: everyone in progress, grouped by stage. With it: that stage only
    (also 正式党员 and 终止培养).
    """
    on = on or _today()
    stages = [stage] if stage in DevStage.values else IN_PROGRESS
    people = list(
        Applicant.objects.filter(branch=branch, stage__in=stages).prefetch_related(_steps_prefetch()).order_by("id")
    )
    rules = active_rules()
    grouped = defaultdict(list)
    for a in people:
        steps = list(a.steps.all())
        dates = {s.code: s.done_on for s in steps}
        finished = a.stage == DevStage.STOPPED or (a.stage == DevStage.FULL and LAST_CODE in dates)
        nxt = None if finished else next_code(dates)
        grouped[a.stage].append(
            PipelineRow(
                applicant=a,
                applied_on=dates.get(1),
                done=sum(1 for c in dates if c != STOP_CODE),
                next_step=STEP.get(nxt) if nxt else None,
                dues=[] if finished else dues_for(dates, rules, on=on),
                n_breaks=sum(1 for s in steps if s.rule_breaks),
            )
        )
    for rows in grouped.values():
        rows.sort(key=lambda r: (r.applied_on or datetime.date.max, r.applicant.pk))
    return {
        "counts": stage_counts(branch),
        "groups": [(DevStage(s), grouped.get(s, [])) for s in stages],
    }


@dataclass
class TimelineItem:
    step: Step
    row: DevStep | None

    @property
    def breaks(self):
        return self.row.rule_breaks.splitlines() if self.row and self.row.rule_breaks else []


def applicant_page(applicant: Applicant, *, on: datetime.date | None = None) -> dict:
    """The 25-step timeline of one person, grouped by stage, with what is due next and the
    activist examinations (three queries)."""
    on = on or _today()
    rows = list(applicant.steps.select_related("recorded_by").order_by("code"))
    by_code = {r.code: r for r in rows}
    dates = {r.code: r.done_on for r in rows}
    stopped = by_code.get(STOP_CODE)
    rules = active_rules()
    timeline = [(k, STAGES[k], [TimelineItem(STEP[c], by_code.get(c)) for c in STAGE_STEPS[k]]) for k in STAGES]
    finished = applicant.stage == DevStage.STOPPED or LAST_CODE in dates
    nxt = None if finished else next_code(dates)
    exams = list(applicant.examinations.select_related("recorded_by"))
    exam_due = None
    if applicant.stage == DevStage.ACTIVIST and 3 in dates:
        exam_due = _examination_row(applicant, dates[3], [e.examined_on for e in exams] + [dates.get(6)], on)
    return {
        "timeline": timeline,
        "stopped": stopped,
        "next_step": STEP.get(nxt) if nxt else None,
        "dues": [] if finished else dues_for(dates, rules, on=on),
        "n_breaks": sum(1 for r in rows if r.rule_breaks),
        "applied_on": dates.get(1),
        "rules": rules,
        "latest_step_id": max((r.pk for r in rows), default=None),
        "examinations": exams,
        "exam_due": exam_due,
        "can_examine": 3 in dates and applicant.stage != DevStage.STOPPED,
    }


def full_members_on(branch, day) -> int:
    """有表决权的正式党员 on the branch's roster on ``day`` (a hint for 应到)."""
    return (
        Member.objects.filter(branch=branch, status=MemberStatus.FULL, full_member_on__lte=day)
        .filter(Q(standing=Standing.ACTIVE) | Q(left_on__gt=day))
        .count()
    )


@dataclass
class Structure:
    count: int
    young: int
    college: int
    frontline: int

    def pct(self, n):
        return round(n * 100 / self.count, 1) if self.count else None

    @property
    def young_pct(self):
        return self.pct(self.young)

    @property
    def college_pct(self):
        return self.pct(self.college)

    @property
    def frontline_pct(self):
        return self.pct(self.frontline)


def developed_in_year(branch, year):
    """Step-17 rows (接收为预备党员) of the branch dated in ``year``."""
    return DevStep.objects.filter(applicant__branch=branch, code=17, done_on__year=year)


def actual_structure(branch, year) -> Structure:
    """Who was developed in ``year`` (approved as 预备党员): count and structure, in one aggregate query.

    Under 35 means under 35 on the approval day: the 35th birthday falls after it.
    """
    as_int = IntegerField()
    qs = developed_in_year(branch, year).annotate(
        b35=Cast(ExtractYear("applicant__birth_date"), as_int) + YOUNG_AGE,
        bmd=Cast(ExtractMonth("applicant__birth_date"), as_int) * 100
        + Cast(ExtractDay("applicant__birth_date"), as_int),
        dy=Cast(ExtractYear("done_on"), as_int),
        dmd=Cast(ExtractMonth("done_on"), as_int) * 100 + Cast(ExtractDay("done_on"), as_int),
    )
    young = Q(b35__gt=F("dy")) | Q(b35=F("dy"), bmd__gt=F("dmd"))
    r = qs.aggregate(
        count=Count("id"),
        young=Count("id", filter=young),
        college=Count("id", filter=Q(applicant__education__in=COLLEGE_OR_ABOVE)),
        frontline=Count("id", filter=Q(applicant__occupation__in=FRONTLINE)),
    )
    return Structure(**r)


@dataclass
class Compare:
    label: str
    target: int | None
    actual: float | None

    @property
    def met(self):
        if self.target is None or self.actual is None:
            return None
        return self.actual >= self.target


def plan_page(branch, year) -> dict:
    plan = DevelopmentPlan.objects.filter(branch=branch, year=year).first()
    s = actual_structure(branch, year)
    people = list(
        developed_in_year(branch, year)
        .select_related("applicant")
        .only("id", "done_on", "applicant__id", "applicant__name", "applicant__birth_date",
              "applicant__education", "applicant__occupation")
        .order_by("done_on", "id")
    )  # fmt: skip
    rows = [
        Compare("35岁以下占比", plan.target_young_pct if plan else None, s.young_pct),
        Compare("大专以上学历占比", plan.target_college_pct if plan else None, s.college_pct),
        Compare("一线工人、农民占比", plan.target_frontline_pct if plan else None, s.frontline_pct),
    ]
    return {"plan": plan, "structure": s, "compare": rows, "developed": people}
