"""发展党员: correcting (更正) or withdrawing (撤回) a recorded step.

Secretaries mistype dates, 介绍人 and vote numbers. A branch user with edit rights may
correct any recorded step, or withdraw the one recorded last; both need a reason (理由).
Every correction or withdrawal is a ``DevCorrection`` row with the values before and after
(shown as 更正记录 on the person's page), besides the field history of the step itself.

Time rules: a step's breaks are computed when it is recorded, against the steps recorded
before it, and stored on it. A correction re-runs the same checks in the same order for the
corrected step and for every step recorded after it (they were checked against its old
date); a break that appears needs an exception reason, as when recording, and is shown in
red. A withdrawal only removes the step recorded last, so no stored break refers to it.

Roster: correcting step 17 or 24 moves the roster's 入党日期 / 转正日期 with it; withdrawing
17 takes the roster row away again and withdrawing 24 makes it a 预备党员 again, but only
while nothing on the roster depends on it (transfers, dues, attendance, committee seats ...).

Frozen records: what a submitted self-assessment judges is locked (``ledgers.activities.services.is_frozen``,
the rule for activity records, asked with the step's branch and date): the assessment scores
the development steps dated in its window.
"""

import datetime
import re
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Exists, OuterRef

from branches import services as branches
from branches.models import CommitteeSeat, Member, MemberStatus, Standing
from branches.permissions import Action, require
from ledgers.activities.services import is_frozen
from ledgers.development.recording import attach_material, full_clean_step, prepare_material
from ledgers.development.rules import active_rules, check_votes, order_breaks_for, rule_breaks_for, training_breaks
from ledgers.development.steps import (
    STAGE_ORDER,
    STEP,
    STOP_CODE,
    TRANSITIONS,
    age_on,
    fmt_day,
    min_age,
)
from ledgers.models import Applicant, CorrectionKind, DevCorrection, DevStage, DevStep
from wujin_branch.errors import DomainError, StaleEditError
from wujin_branch.services import today

KEEP = object()  # a keyword left at KEEP keeps the step's current value

VOTE_LABELS = {
    "vote_expected": "应到",
    "vote_present": "实到",
    "ballots_issued": "发出票数",
    "ballots_returned": "收回票数",
    "votes_for": "赞成票",
}
TRAINING_NOTE = re.compile(r"^集中培训 (\d+) 天、(\d+) 学时。\n?")
TRAINING_BREAK = "集中培训时间"


def step_label(code: int) -> str:
    if code == STOP_CODE:
        return "终止培养"
    return f"第{code}步“{STEP[code].name}”" if code in STEP else f"第{code}步"


def split_training_note(note: str):
    """(days, hours, the rest of the note) of a step-11 note written by ``step_record``."""
    m = TRAINING_NOTE.match(note or "")
    if not m:
        return None, None, note or ""
    return int(m.group(1)), int(m.group(2)), note[m.end() :]


def training_note(days, hours, rest: str) -> str:
    return f"集中培训 {days or 0} 天、{hours or 0} 学时。" + (f"\n{rest}" if rest else "")


def step_is_frozen(branch_id: int, day: datetime.date) -> bool:
    return is_frozen(SimpleNamespace(branch_id=branch_id, held_on=day))


def _check_not_frozen(a: Applicant, *days):
    for day in sorted(set(days)):
        if step_is_frozen(a.branch_id, day):
            raise DomainError(
                f"{fmt_day(day)} 所在考核期的自评已报送，本支部该期间的发展党员记录已锁定，不能更正或撤回。"
                "如确需更正，请联系上级党委退回自评后再办理。"
            )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写理由。", field="reason")
    if len(reason) > 300:
        raise DomainError("理由不能超过300字。", field="reason")
    return reason


def _locked(applicant_id: int, step_pk: int, version, *, lock=True, after_read=None):
    """The applicant and the step, both locked; a step gone or changed since the form was opened is stale.

    ``lock`` and ``after_read`` exist for the concurrency test's control only.
    """
    applicants = Applicant.objects.select_related("branch", "member")
    steps = DevStep.objects.filter(pk=step_pk, applicant_id=applicant_id)
    if lock:
        applicants, steps = applicants.select_for_update(of=("self",)), steps.select_for_update()
    a = applicants.get(pk=applicant_id)
    s = steps.first()
    if after_read:
        after_read()
    if s is None:
        raise StaleEditError("该步骤记录已被他人撤回，您的操作未保存。请刷新页面查看最新内容。")
    if version is not None and int(version) != s.version:
        raise StaleEditError()
    if not a.branch.is_active:
        raise DomainError("该支部已撤销或撤并，不能再更正或撤回。")
    return a, s


# ---------------------------------------------------------------- what a reviewer reads


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime.date):
        return fmt_day(v)
    return str(v)


def _labels(code: int) -> dict:
    if code == STOP_CODE:
        return {"done_on": "终止日期", "note": "终止培养原因"}
    step = STEP[code]
    out = {"done_on": "日期"}
    if step.people_label:
        out["people"] = step.people_label
    out["note"] = "情况说明"
    if step.vote:
        out.update(VOTE_LABELS)
    out.update({"exception_reason": "例外原因", "rule_breaks": "违反时限规则", "material": "材料"})
    return out


def _snapshot(s: DevStep) -> dict:
    values = {k: _text(getattr(s, k)) for k in ["done_on", "people", "note", "exception_reason", "rule_breaks"]}
    values.update({k: _text(getattr(s, k)) for k in VOTE_LABELS})
    values["material"] = s.material.name.rsplit("/", 1)[-1] if s.material else ""
    return values


def _diff(code: int, old: dict, new: dict, prefix: str = "") -> list[dict]:
    return [
        {"field": prefix + label, "old": old[k], "new": new[k]}
        for k, label in _labels(code).items()
        if old[k] != new[k]
    ]


# ---------------------------------------------------------------- rules re-run


def _training_breaks_of(row: DevStep) -> list[str]:
    if row.code != 11:
        return []
    days, hours, _ = split_training_note(row.note)
    if days is None:  # not written by step_record: keep what was found then
        return [b for b in row.rule_breaks.splitlines() if b.startswith(TRAINING_BREAK)]
    return training_breaks(days, hours)


def recheck_from(rows: list[DevStep], first: DevStep) -> dict[int, list[str]]:
    """The breaks of ``first`` and of every step recorded after it, checked as ``step_record`` does:
    each against the steps recorded before it (in id order), with today's rules."""
    rules = active_rules()
    seen: dict[int, datetime.date] = {}
    out = {}
    for r in sorted(rows, key=lambda r: r.pk):
        if r.code == STOP_CODE:
            continue
        if r.pk >= first.pk:
            out[r.pk] = (
                order_breaks_for(r.code, r.done_on, seen)
                + rule_breaks_for(r.code, r.done_on, seen, rules)
                + _training_breaks_of(r)
            )
        seen[r.code] = r.done_on
    return out


def _check_dates(a: Applicant, s: DevStep, rows: list[DevStep]):
    dates = {r.code: r.done_on for r in rows}
    if s.done_on > today():
        raise DomainError("日期不能晚于今天。", field="done_on")
    if s.code == 1:
        if s.done_on <= a.birth_date or age_on(a.birth_date, s.done_on) < min_age():
            raise DomainError(f"递交入党申请书时应年满{min_age()}周岁，请核对日期。", field="done_on")
        later = [(d, c) for c, d in dates.items() if c != 1 and d < s.done_on]
        if later:
            d, c = min(later)
            raise DomainError(f"递交入党申请书日期不能晚于{step_label(c)}的日期（{fmt_day(d)}）。", field="done_on")
    elif 1 in dates and s.done_on < dates[1]:
        raise DomainError(f"日期不能早于递交入党申请书的日期（{fmt_day(dates[1])}）。", field="done_on")
    exams = a.examinations.values_list("examined_on", flat=True).order_by("examined_on")
    if s.code == 3 and exams.filter(examined_on__lt=s.done_on).exists():
        raise DomainError(
            f"已有早于该日期的入党积极分子考察记录（{fmt_day(exams.first())}），"
            "确定为入党积极分子的日期不能晚于考察日期。",
            field="done_on",
        )
    if s.code == 7 and exams.filter(examined_on__gt=s.done_on).exists():
        raise DomainError(
            f"已有晚于该日期的入党积极分子考察记录（{fmt_day(exams.last())}），确定为发展对象的日期不能早于考察日期。",
            field="done_on",
        )


# ---------------------------------------------------------------- roster


def _roster_member(a: Applicant) -> Member:
    m = Member.objects.select_for_update().filter(pk=a.member_id).first() if a.member_id else None
    if m is None:
        raise DomainError("党员名册中没有该同志的档案，无法同步。")
    if m.standing != Standing.ACTIVE or m.branch_id != a.branch_id:
        raise DomainError("该同志已不在本支部党员名册中（已转出或转接），请由其现所在党组织在党员名册中办理。")
    return m


def _sync_roster_date(actor, a: Applicant, code: int, old: datetime.date, new: datetime.date):
    if code not in (17, 24) or old == new:
        return
    m = _roster_member(a)
    if code == 17:
        if m.joined_on != old:
            raise DomainError(
                f"党员名册中的入党日期（{fmt_day(m.joined_on)}）与第17步日期（{fmt_day(old)}）不一致，"
                "名册已另行修改，请先在党员名册中核对。"
            )
        branches.member_update(actor=actor, member=m, version=None, joined_on=new)
    else:
        if m.status != MemberStatus.FULL or m.full_member_on != old:
            raise DomainError(
                f"党员名册中的转正日期（{fmt_day(m.full_member_on) if m.full_member_on else '未填'}）"
                f"与第24步日期（{fmt_day(old)}）不一致，名册已另行修改，请先在党员名册中核对。"
            )
        branches.member_update(actor=actor, member=m, version=None, full_member_on=new)


def member_dependents(m: Member) -> list[str]:
    """What on the roster refers to ``m`` besides the development file (one query)."""
    relations = [
        f
        for f in Member._meta.get_fields(include_hidden=True)
        if f.auto_created
        and not f.concrete
        and f.related_model is not Applicant
        and not hasattr(f.related_model, "instance_type")  # simple-history tables
    ]
    checks = {
        f"r{i}": Exists(f.related_model._base_manager.filter(**{f.field.name: OuterRef("pk")}))
        for i, f in enumerate(relations)
    }
    row = Member.objects.filter(pk=m.pk).annotate(**checks).values(*checks).get()
    return [str(f.related_model._meta.verbose_name) for i, f in enumerate(relations) if row[f"r{i}"]]


def _revert_admission(actor, a: Applicant, s: DevStep, reason: str):
    """Withdrawing step 17: the roster row it made goes again, if nothing depends on it."""
    m = _roster_member(a)
    if m.status != MemberStatus.PROBATIONARY:
        raise DomainError("党员名册中该同志已是正式党员，不能撤回接收预备党员的审批。")
    if m.joined_on != s.done_on:
        raise DomainError(
            f"党员名册中的入党日期（{fmt_day(m.joined_on)}）已另行修改，与第17步日期不一致，不能自动撤回，"
            "请先在党员名册中核对。"
        )
    used = member_dependents(m)
    if used:
        raise DomainError(
            f"党员名册中该同志已有{'、'.join(used)}等记录，撤回审批会使这些记录失去依据，不能撤回。"
            "如确属审批有误，请先处理这些记录；取消预备党员资格须经支部大会讨论并报上级党委批准。"
        )
    a.member = None
    a._history_user = actor
    a.save(update_fields=["member"])
    m._history_user = actor
    m._change_reason = f"撤回发展党员第17步：{reason}"[:100]
    m.delete()


def _revert_full(actor, a: Applicant, s: DevStep):
    """Withdrawing step 24: the roster row is a 预备党员 again, if nothing depends on the full status."""
    m = _roster_member(a)
    if m.status != MemberStatus.FULL or m.full_member_on != s.done_on:
        raise DomainError("党员名册中该同志的转正情况已另行修改，与第24步不一致，不能自动撤回，请先在党员名册中核对。")
    if CommitteeSeat.objects.filter(holder=m).exists():
        raise DomainError("该同志转正后已在支委会任职（须为正式党员），不能撤回转正审批。")
    branches.member_update(actor=actor, member=m, version=None, status=MemberStatus.PROBATIONARY, full_member_on=None)


# ---------------------------------------------------------------- services


def step_correct(
    *,
    actor,
    step: DevStep,
    version,
    reason: str,
    done_on=KEEP,
    people=KEEP,
    note=KEEP,
    votes=KEEP,
    training_days=KEEP,
    training_hours=KEEP,
    exception_reason=KEEP,
    material=None,
    _lock_row=True,
    _after_read=None,
) -> DevStep:
    """Correct the date and the details of a recorded step (or of 终止培养), with a reason.

    The time rules run again; a break needs an exception reason. Steps 17 and 24 move the
    roster's dates with them.
    """
    require(actor, Action.EDIT, step.applicant.branch)
    reason = _reason(reason)
    stored = prepare_material(material)
    with transaction.atomic():
        a, s = _locked(step.applicant_id, step.pk, version, lock=_lock_row, after_read=_after_read)
        old = _snapshot(s)
        old_day = s.done_on
        if done_on is not KEEP:
            s.done_on = done_on
        if s.code == STOP_CODE:
            if note is not KEEP:
                s.note = (note or "").strip()
            if not s.note:
                raise DomainError("请填写终止培养的原因。", field="note")
        else:
            _apply_fields(s, people, note, votes, training_days, training_hours, exception_reason)
        _check_not_frozen(a, old_day, s.done_on)
        rows = [s if r.pk == s.pk else r for r in a.steps.order_by("id")]
        _check_dates(a, s, rows)
        changes = []
        others = []
        if s.code != STOP_CODE:
            others, changes = _apply_breaks(s, rows)
        if stored:
            attach_material(s, stored)
        changes = _diff(s.code, old, _snapshot(s)) + changes
        if not changes:
            raise DomainError("没有修改任何内容。")
        full_clean_step(s)
        _sync_roster_date(actor, a, s.code, old_day, s.done_on)
        for r in [s, *others]:
            r.version += 1
            r._history_user = actor
            r._change_reason = f"更正：{reason}"[:100]
            r.save()
        DevCorrection.objects.create(
            applicant=a, code=s.code, kind=CorrectionKind.CORRECT, reason=reason, changes=changes, actor=actor
        )
        a.version += 1
        a._history_user = actor
        a.save()
    return s


def _apply_fields(s: DevStep, people, note, votes, training_days, training_hours, exception_reason):
    definition = STEP[s.code]
    if people is not KEEP and definition.people_label:
        s.people = (people or "").strip()
    if definition.people_required and not s.people:
        raise DomainError(f"请填写{definition.people_label}。", field="people")
    if s.code == 11:
        days, hours, rest = split_training_note(s.note)
        days = days if training_days is KEEP else training_days
        hours = hours if training_hours is KEEP else training_hours
        if days is None and hours is None:
            raise DomainError("请填写集中培训的天数或学时。", field="training_days")
        s.note = training_note(days, hours, rest if note is KEEP else (note or "").strip())
    elif note is not KEEP:
        s.note = (note or "").strip()
    if votes is not KEEP:
        for k, v in check_votes(s.code, votes or {}).items():
            setattr(s, k, v)
    if exception_reason is not KEEP:
        s.exception_reason = (exception_reason or "").strip()[:300]


def _apply_breaks(s: DevStep, rows: list[DevStep]):
    """Re-run the rules; refuse new breaks without an exception reason. Returns (other steps changed, changes)."""
    found = recheck_from(rows, s)
    missing, others, changes = [], [], []
    for r in rows:
        if r.pk not in found:
            continue
        new = found[r.pk]
        if r is s:
            if new and not s.exception_reason:
                missing += new
            s.rule_breaks = "\n".join(new)
            continue
        if new == r.rule_breaks.splitlines():
            continue
        before = _snapshot(r)
        if new and not r.exception_reason:
            if s.exception_reason:
                r.exception_reason = s.exception_reason
            else:
                missing += [f"{step_label(r.code)}：{b}" for b in new]
        r.rule_breaks = "\n".join(new)
        others.append(r)
        changes += _diff(r.code, before, _snapshot(r), prefix=f"第{r.code}步")
    if missing:
        listed = "；".join(f"{i}. {b}" for i, b in enumerate(missing, 1))
        raise DomainError(
            f"更正后不符合以下规定：{listed}。如确属特殊情况，请填写例外原因后再保存（将向审核人员标红显示）。",
            field="exception_reason",
        )
    return others, changes


def later_steps(step: DevStep) -> list[DevStep]:
    """Steps of the same person recorded after ``step`` (what blocks withdrawing it)."""
    return list(DevStep.objects.filter(applicant_id=step.applicant_id, pk__gt=step.pk).order_by("pk"))


def step_withdraw(*, actor, step: DevStep, version, reason: str) -> Applicant:
    """Withdraw the step recorded last (a mistaken entry), with a reason; the stage and roster follow."""
    require(actor, Action.EDIT, step.applicant.branch)
    reason = _reason(reason)
    with transaction.atomic():
        a, s = _locked(step.applicant_id, step.pk, version)
        later = later_steps(s)
        if later:
            names = "、".join(step_label(r.code) for r in later)
            raise DomainError(
                f"只能撤回最近录入的一步。{step_label(s.code)}之后还录入了{names}，请先撤回后录入的步骤。"
            )
        if s.code == 1:
            raise DomainError("第1步是登记入党申请人时记录的，不能撤回；日期有误请更正，不再培养请终止培养。")
        _check_not_frozen(a, s.done_on)
        if s.code == 3 and a.examinations.exists():
            raise DomainError("已有入党积极分子考察记录，不能撤回确定入党积极分子这一步。")
        if s.code == 17:
            _revert_admission(actor, a, s, reason)
        elif s.code == 24:
            _revert_full(actor, a, s)
        elif s.code == STOP_CODE:
            again = Applicant.objects.filter(id_number=a.id_number).exclude(stage=DevStage.STOPPED).exclude(pk=a.pk)
            if again.exists() or Member.objects.filter(id_number=a.id_number).exists():
                raise DomainError("该同志终止培养后已重新登记入党申请或已在党员名册中，不能撤回终止培养。")
        old = _snapshot(s)
        changes = [{"field": label, "old": old[k], "new": ""} for k, label in _labels(s.code).items() if old[k]]
        s._history_user = actor
        s._change_reason = f"撤回：{reason}"[:100]
        s.delete()
        a.stage = stage_from(a.steps.values_list("code", flat=True))
        a.version += 1
        a._history_user = actor
        a.save()
        DevCorrection.objects.create(
            applicant=a, code=s.code, kind=CorrectionKind.WITHDRAW, reason=reason, changes=changes, actor=actor
        )
    return a


def stage_from(codes) -> str:
    codes = set(codes)
    if STOP_CODE in codes:
        return DevStage.STOPPED
    stage = DevStage.APPLICANT
    for code, to in TRANSITIONS.items():
        if code in codes and STAGE_ORDER.index(to) > STAGE_ORDER.index(stage):
            stage = to
    return stage


# ---------------------------------------------------------------- page


def corrections_of(applicant: Applicant) -> list[DevCorrection]:
    """更正记录 of one person, newest first, with who did it (one query)."""
    rows = list(applicant.corrections.select_related("actor"))
    for r in rows:
        r.step_label = step_label(r.code)
    return rows
