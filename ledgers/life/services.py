"""Writes for 组织生活会 filing (报送备案) and the upper 班子会 (seed §二(三)2).

After its 组织生活会 the branch files the minutes package with its committee: the minutes
and the 书记's 班子 / personal 对照检查 (on the ``Activity``) and each present member's 发言
(``LifeSpeech``). The committee (a reviewer above the branch, or the district) marks it
已备案 or returns it with a reason; the branch sees the reason on its record, completes it and
files again (a new ``MinutesFiling`` row, so the path stays visible). Only an accepted filing
sets ``Activity.minutes_filed`` / ``minutes_filed_on``. The record's state is its latest
filing row: a material edit after 备案 (``reopen_after_edit``, called by ``activity_update``)
adds a 待重新报送 row, clears the 备案 and tells the committee. Each step locks the record, re-checks
the state and the actor's role after the lock, writes the row with its history and tells the
other side.
"""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from branches.models import Member, Organization, Role
from branches.notify import ancestor_paths, notify_branch_users, users_with
from branches.permissions import Action, can, require
from ledgers.books.pdfs import schedule_life_ledger
from ledgers.life.selectors import UPPER_KINDS, package_gaps, present_members
from ledgers.models import Activity, ActivityType, FilingStatus, LifeSpeech, MinutesFiling, TeamMeeting
from wujin_branch.errors import DomainError
from wujin_branch.notices import send

REASON_MAX = 500
NOTE_MAX = 300


def _locked_life(activity) -> Activity:
    a = Activity.all_objects.select_for_update().select_related("branch").get(pk=activity.pk)
    if a.type != ActivityType.LIFE:
        raise DomainError("只有组织生活会的会议记录需要报上级党组织备案。")
    if a.voided:
        raise DomainError("本记录已作废，不能报送或备案。")
    return a


def latest_status(a) -> str | None:
    """The status of the record's latest filing row (None: never filed)."""
    return a.filings.order_by("-filed_at", "-id").values_list("status", flat=True).first()


def life_speeches_save(*, actor, activity: Activity, speeches: dict) -> int:
    """Replace the record's 发言 list with ``{member_id: gist}`` (an empty gist removes the
    row); only members present at the meeting may be listed. Returns the number kept."""
    require(actor, Action.EDIT, activity.branch)
    with transaction.atomic():
        a = _locked_life(activity)
        if latest_status(a) in (FilingStatus.FILED, FilingStatus.ACCEPTED):
            raise DomainError("会议记录已报送上级党组织，发言记录不能再修改。")
        return _save_speeches(a, speeches, actor)


def _save_speeches(a, speeches, actor) -> int:
    allowed = {m.pk: m for m in present_members(a)}
    wanted, refused = {}, []
    for mid, gist in speeches.items():
        gist = (gist or "").strip()
        if not gist:
            continue
        if mid not in allowed:
            refused.append(mid)
            continue
        wanted[mid] = gist
    if refused:
        names = "、".join(Member.objects.filter(pk__in=refused).order_by("name_pinyin").values_list("name", flat=True))
        raise DomainError(f"发言人须是出席本次会议的党员：{names or '所选人员'}未登记为出席，请先在记录中修改出勤。")
    existing = {s.member_id: s for s in LifeSpeech.objects.filter(activity=a)}
    for mid, s in existing.items():
        if mid not in wanted:
            s._history_user = actor
            s.delete()
        elif s.gist != wanted[mid]:
            s.gist = wanted[mid]
            s.full_clean()
            s._history_user = actor
            s.save()
    new = [LifeSpeech(activity=a, member=allowed[mid], gist=g) for mid, g in wanted.items() if mid not in existing]
    for s in new:
        s.full_clean(exclude=["activity", "member"])
    if new:
        bulk_create_with_history(new, LifeSpeech, default_user=actor)
    return len(wanted)


def minutes_file(*, actor, activity: Activity, speeches: dict, note: str = "") -> MinutesFiling:
    """报送: save the 发言 list and file the package with the committee. Refused while a
    filing waits or after 备案, and when the package is incomplete (the gaps are named)."""
    require(actor, Action.EDIT, activity.branch)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"报送说明不能超过 {NOTE_MAX} 字。", field="note")
    with transaction.atomic():
        a = _locked_life(activity)
        if a.returned:
            raise DomainError("本记录已被退回补充，请先修改记录再报送。")
        status = latest_status(a)
        if status == FilingStatus.ACCEPTED:
            raise DomainError("本次组织生活会的会议记录已备案，无需再报送。")
        if status == FilingStatus.FILED:
            raise DomainError("会议记录已报送，正在等待上级党组织备案。")
        n = _save_speeches(a, speeches, actor)
        gaps = package_gaps(level=a.life_level, team_check=a.team_check, personal_check=a.personal_check,
                            speech_count=n, present_count=a.present_count)  # fmt: skip
        if gaps:
            raise DomainError(f"报送前请补齐：{'、'.join(gaps)}。")
        f = MinutesFiling(activity=a, note=note, speech_count=n, filed_by=actor)
        f.full_clean()
        f._history_user = actor
        f.save()
        url = reverse("minutes_filing", args=[a.pk])
        title = f"{a.branch.name}报送组织生活会会议记录（{a.held_on:%Y年%m月%d日}），请备案"
        send(_committee_users(a.branch), title[:200], note, url)
    return f


def _committee_users(branch):
    return users_with([Role.REVIEWER], Q(organization__path__in=ancestor_paths(branch.path)[:-1]))


def _open_filing(a) -> MinutesFiling:
    f = MinutesFiling.objects.select_for_update().filter(activity=a, status=FilingStatus.FILED).first()
    if f is None:
        raise DomainError("本记录没有待备案的报送，可能已被他人处理，请刷新页面。")
    return f


def minutes_accept(*, actor, activity: Activity) -> MinutesFiling:
    """已备案: the committee received the package; the record shows the filing date."""
    require(actor, Action.APPROVE, activity.branch)
    with transaction.atomic():
        a = _locked_life(activity)
        f = _open_filing(a)
        f.status, f.decided_by, f.decided_at = FilingStatus.ACCEPTED, actor, timezone.now()
        f._history_user = actor
        f.save()
        a.minutes_filed, a.minutes_filed_on = True, timezone.localdate()
        a.minutes_self_reported, a.minutes_self_reported_on = False, None  # a real 备案 replaces the old claim
        a._history_user = actor
        a.save(update_fields=["minutes_filed", "minutes_filed_on", "minutes_self_reported", "minutes_self_reported_on"])
        schedule_life_ledger(a.branch_id, a.held_on.year)
        url = reverse("activity_detail", args=[a.pk])
        title = f"组织生活会会议记录已备案：{a.held_on:%m月%d日}"
        body = "上级党组织已将本次组织生活会会议记录备案。"
        notify_branch_users(a.branch, title, body, url)
    return f


def minutes_return(*, actor, activity: Activity, reason: str) -> MinutesFiling:
    """退回: the package goes back with a reason; the branch completes it and files again."""
    require(actor, Action.APPROVE, activity.branch)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写退回理由，说明缺少或需要修改什么。", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"退回理由不能超过 {REASON_MAX} 字。", field="reason")
    with transaction.atomic():
        a = _locked_life(activity)
        f = _open_filing(a)
        f.status, f.decided_by, f.decided_at, f.reason = FilingStatus.RETURNED, actor, timezone.now(), reason
        f.full_clean()
        f._history_user = actor
        f.save()
        url = reverse("minutes_filing", args=[a.pk])
        title = f"组织生活会会议记录被上级退回：{a.held_on:%m月%d日}"
        body = f"退回理由：{reason}\n请补齐后重新报送。"
        notify_branch_users(a.branch, title, body, url)
    return f


# Fields of the record the committee's 备案 covers: changing one after 备案 reopens it.
MATERIAL_FIELDS = {
    "held_on": "日期",
    "topic": "主题",
    "content": "会议记录",
    "decisions": "决议事项",
    "life_level": "组织生活会层级",
    "party_group_id": "党小组",
    "team_check": "书记代表班子对照检查",
    "personal_check": "书记个人对照检查",
}


def filed_snapshot(a) -> dict | None:
    """What the 备案 of ``a`` (locked) covers, or None when the record is not 已备案: read
    before an edit and handed to ``reopen_after_edit`` after it."""
    if a.type != ActivityType.LIFE or latest_status(a) != FilingStatus.ACCEPTED:
        return None
    snap = {f: getattr(a, f) for f in MATERIAL_FIELDS}
    snap["attendance"] = dict(a.attendance.values_list("member_id", "status"))
    return snap


def reopen_after_edit(*, actor, activity: Activity, before: dict | None) -> MinutesFiling | None:
    """Inside the edit's transaction, after the change: if the record was 已备案 and a field
    the 备案 covers (minutes, 对照检查, attendance …) changed, the 备案 lapses — a 待重新报送
    row names what changed, the record no longer shows 已备案 and the committee is told. A
    change of place or photos only keeps the 备案."""
    if before is None:
        return None
    a = activity
    changed = [label for f, label in MATERIAL_FIELDS.items() if before[f] != getattr(a, f)]
    if before["attendance"] != dict(a.attendance.values_list("member_id", "status")):
        changed.append("出勤情况")
    if not changed:
        return None
    f = MinutesFiling(activity=a, status=FilingStatus.REOPENED, filed_by=actor,
                      note=f"备案后修改了{'、'.join(changed)}"[:NOTE_MAX],
                      speech_count=a.speeches.filter(member__in=present_members(a)).count())  # fmt: skip
    f.full_clean()
    f._history_user = actor
    f.save()
    a.minutes_filed, a.minutes_filed_on = False, None
    url = reverse("minutes_filing", args=[a.pk])
    title = f"{a.branch.name}在备案后修改了组织生活会记录（{a.held_on:%Y年%m月%d日}），待重新报送"
    send(_committee_users(a.branch), title[:200], f.note, url)
    return f


# ---------------------------------------------------------------- the upper 班子会


def team_meeting_create(*, actor, organization: Organization, held_on, place, host, attendees, content) -> TeamMeeting:
    """The 班子会议 of a 党委 / 党总支 before its branches' 组织生活会, recorded by its reviewers
    (or the district)."""
    if not can(actor, Action.APPROVE, organization):
        raise DomainError("您没有权限执行此操作。")
    if organization.kind not in UPPER_KINDS or not organization.is_active:
        raise DomainError("只有正常的党委、党总支需要记录班子会议。")
    if held_on > timezone.localdate():
        raise DomainError("会议日期不能晚于今天（会议召开后再记录）。", field="held_on")
    with transaction.atomic():
        m = TeamMeeting(organization=organization, held_on=held_on, place=(place or "").strip(),
                        host=(host or "").strip(), attendees=(attendees or "").strip(),
                        content=(content or "").strip(), created_by=actor)  # fmt: skip
        m.full_clean()
        m._history_user = actor
        m.save()
    return m
