"""Demo 组织生活会 filing, the upper 班子会 and one 不合格党员处置.

Every 党委 / 党总支 above a demo branch holds its 班子会议 a week before the first of its
branches' 组织生活会 each half-year (a few are skipped). Most branches file each meeting's
package (发言 of every member present) and the committee accepts it days later; in the
reviewer's 湖塘镇党委 one branch's latest package waits for 备案 and another's was returned
with a reason; the demo branch's latest one was returned once and filed again, so it waits in
the demo reviewer's list; in one branch of that committee an accepted record was corrected
afterwards (会议记录 amended), so its 备案 lapsed and it waits to be filed again. One member
graded 不合格 has a 限期改正 follow-up, still open. The 民主生活会 of the district cadres gets
two photos.
All through the services, with the branch's staff and the committee's reviewer as actors;
"now" timestamps are moved back to when things happened.
"""

from branches.demo import REVIEWER_COMMITTEE
from branches.flow_models import LifeMeeting
from ledgers.activities import services as activity_services
from ledgers.appraisal import disposals
from ledgers.demo.common import days
from ledgers.demo.people import World, aware, upload_of
from ledgers.life import meetings
from ledgers.life import services as life
from ledgers.life.selectors import present_members, upper_of
from ledgers.models import Activity, ActivityType, DisposalKind, FilingStatus, Grade, MinutesFiling, TeamMeeting
from wujin_branch.errors import DomainError

GISTS = [
    "对照党员标准，查找出理论学习不够系统、联系群众不够经常的问题，表示今后{fix}。",
    "开展自我批评，认为自己在发挥先锋模范作用方面还有差距，{fix}；对支部工作提出意见建议{n}条。",
    "对照检查了参加组织生活、按期交纳党费等方面情况，批评了{peer}同志学习笔记不够认真，{fix}。",
    "结合岗位工作谈了体会，查摆了工作作风不够扎实的问题，{fix}。",
]
FIXES = ["加强学习、以身作则", "主动亮身份、做表率", "按时参加组织生活", "多为群众办实事"]
RETURN_REASONS = [
    "部分党员发言记录只有一句话，请补充对照检查和批评与自我批评的具体内容后重新报送。",
    "书记代表班子的对照检查未列出整改措施，请补充后重新报送。",
]


def _speeches(rng, a):
    people = list(present_members(a))
    names = [m.name for m in people] or ["党员"]
    return {m.pk: rng.choice(GISTS).format(fix=rng.choice(FIXES), n=rng.randint(1, 4), peer=rng.choice(names))
            for m in people}  # fmt: skip


def _backdate(filing, filed, decided=None):
    MinutesFiling.objects.filter(pk=filing.pk).update(filed_at=aware(filed, 15), decided_at=aware(decided, 10)
                                                      if decided else None)  # fmt: skip
    if decided and filing.status == FilingStatus.ACCEPTED:
        Activity.all_objects.filter(pk=filing.activity_id).update(minutes_filed_on=decided)


def _team_meetings(w: World, meetings):
    """The upper 班子会 before the first branch meeting of each half-year, per upper organization."""
    firsts = {}
    for b, a in meetings:
        upper = upper_of(b.org)
        if upper is None or b.reviewer is None:
            continue
        key = (upper.pk, a.held_on.year, (a.held_on.month - 1) // 6)
        if key not in firsts or a.held_on < firsts[key][2]:
            firsts[key] = (upper, b.reviewer, a.held_on)
    for (_, year, half), (upper, reviewer, first) in sorted(firsts.items(), key=lambda kv: kv[0]):
        if upper.name != REVIEWER_COMMITTEE and w.rng.random() < 0.15:
            continue  # a committee that forgot: its branches lose the 流程 part of item 19
        m = life.team_meeting_create(
            actor=reviewer, organization=upper, held_on=first - days(7), place=f"{upper.name}会议室",
            host=f"{upper.name}书记", attendees="班子成员全体",
            content=f"{year}年{'上' if half == 0 else '下'}半年班子会议：班子成员逐一开展批评和自我批评，"
                    "每人查摆问题三至五条，明确整改措施，并对所属支部组织生活会提出要求。",
        )  # fmt: skip
        TeamMeeting.objects.filter(pk=m.pk).update(created_at=aware(first - days(6)))
        w.counts["team_meetings"] += 1


def seed_life_filings(w: World):
    rng = w.rng
    meetings = []
    for b in w.branches:
        rows = Activity.objects.filter(branch=b.org, type=ActivityType.LIFE).order_by("held_on", "id")
        meetings += [(b, a) for a in rows]
    _team_meetings(w, meetings)
    hutang = [b for b in w.branches if b.committee is not None and b.committee.name == REVIEWER_COMMITTEE
              and not b.demo]  # fmt: skip
    pending_branch = hutang[0] if hutang else None
    returned_branch = hutang[1] if len(hutang) > 1 else None
    latest = {}
    for b, a in meetings:
        latest[b.org.pk] = a.pk
    for b, a in meetings:
        if b.reviewer is None or (not b.demo and rng.random() < 0.1):
            continue  # not filed
        filed = min(w.today, a.held_on + days(rng.randint(2, 10)))
        try:
            f = life.minutes_file(actor=b.user, activity=a, speeches=_speeches(rng, a))
        except DomainError:
            continue  # e.g. a record returned for completion, or without its 对照检查
        w.counts["minutes_filings"] += 1
        is_latest = latest[b.org.pk] == a.pk
        if is_latest and b is pending_branch:
            _backdate(f, filed)
            continue
        decided = min(w.today, filed + days(rng.randint(1, 7)))
        if is_latest and (b is returned_branch or b.demo):
            f = life.minutes_return(actor=b.reviewer, activity=a, reason=rng.choice(RETURN_REASONS))
            _backdate(f, filed, decided)
            if b.demo:  # completed and filed again: waits in the demo reviewer's list
                f = life.minutes_file(actor=b.user, activity=a, speeches=_speeches(rng, a), note="已按退回意见补充。")
                _backdate(f, min(w.today, decided + days(1)))
            continue
        f = life.minutes_accept(actor=b.reviewer, activity=a)
        _backdate(f, filed, decided)
    _edited_after_filing(w, hutang)
    _disposal(w)
    _life_meeting_photos(w)


def _edited_after_filing(w: World, branches):
    """A branch of the reviewer's committee amends an accepted record's minutes afterwards: the
    备案 lapses (待重新报送)."""
    by_org = {b.org.pk: b for b in branches}
    accepted = MinutesFiling.objects.filter(status=FilingStatus.ACCEPTED, activity__branch_id__in=list(by_org))
    f = accepted.select_related("activity").order_by("activity__held_on", "id").first()
    if f is None:
        return
    a, b = f.activity, by_org[f.activity.branch_id]
    attendance = {r.member_id: (r.status, r.leave_reason) for r in a.attendance.all()}
    content = a.content + "\n会后补充：整改措施已逐条明确责任人和完成时限。"
    try:
        activity_services.activity_update(actor=b.user, activity=a, version=a.version, attendance=attendance,
                                          data={"content": content})  # fmt: skip
    except DomainError:
        return  # e.g. locked by a submitted self-assessment
    w.counts["filings_reopened"] += 1


def _life_meeting_photos(w: World):
    for m in LifeMeeting.objects.select_related("organization", "actor").order_by("id")[:3]:
        if m.actor is None:
            continue
        photos = [upload_of(w.rng, f"民主生活会{i}.jpg", day=m.held_on) for i in (1, 2)]
        meetings.life_meeting_photos_add(actor=m.actor, meeting=m, photos=photos)
        w.counts["life_meeting_photos"] += len(photos)


def _disposal(w: World):
    """The first member graded 不合格 gets a 限期改正, still open."""
    for b in w.branches:
        result = b.org.appraisals.filter(results__grade=Grade.UNQUALIFIED).values_list("results__pk", flat=True).first()
        if result is None:
            continue
        r = disposals.get_result_for_user(b.user, result)
        decided = min(w.today, r.appraisal.held_on + days(20))
        meeting = Activity.objects.filter(branch=b.org, type=ActivityType.CONGRESS, held_on__gte=r.appraisal.held_on,
                                          held_on__lte=decided).order_by("held_on").first()  # fmt: skip
        disposals.disposal_create(
            actor=b.user, result=r, kind=DisposalKind.CORRECTION, decided_on=meeting.held_on if meeting else decided,
            meeting=meeting, deadline=(meeting.held_on if meeting else decided) + days(180),
            decision=f"经支部党员大会讨论，{r.member.name}同志在民主评议中被评定为不合格，责令限期半年改正，"
                     "由支部书记谈心谈话，支委一人结对帮助，期满后由支部党员大会评议是否改正。",
        )  # fmt: skip
        w.counts["disposals"] += 1
        return
