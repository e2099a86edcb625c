"""Shorthands for the review demo: a clock to back-date each step, score sheets, and the
flow of a branch through the real review services."""

import datetime
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from assessment.models import Assessment, ItemScore, Period, Veto
from assessment.services import period_create, period_open_run, self_scores_save
from ledgers.models import Photo
from review import services
from review.models import (
    Declaration,
    Inspection,
    Objection,
    Publication,
    Rectification,
    RectificationTask,
    ReviewEvent,
    ScoreAdjustment,
)
from wujin_branch.models import Job, Notice

D = datetime.date
days = datetime.timedelta
HALF = Decimal("0.5")

# Items whose last-year records were kept on paper (the platform's records start in December;
# the 民主评议 held in last year's window, of the year before, is on paper too).
PAPER_RULES = {"freq_congress", "freq_committee", "freq_group", "freq_lecture", "freq_life", "freq_appraisal",
               "freq_theme_day", "service_system", "service_ledger", "online_education", "life_ledger",
               "appraisal"}  # fmt: skip
# Where branches and reviewers take points off: judgement items, not facts such as the fund.
SOFT_RULES = {"", "life_ledger", "service_ledger", "member_ledger", "room_facilities", "study_plans",
              "online_education", "service_system", "freq_group", "freq_committee", "activist_plan",
              "development_procedure", "party_groups"}  # fmt: skip
PAPER_REMARK = "1—11月记录为纸质台账（平台12月启用），已报党(工)委核查"
# What each side says when it takes points off an item: (branch, committee, district).
REMARKS = {
    "": ("理想信念教育结合业务培训还不够", "教育内容结合实际不够紧密", "学习内容较单一"),
    "life_ledger": ("个别记录照片不全，自扣", "抽查会议记录，个别记录签到不全", "个别记录要素不全"),
    "service_ledger": ("服务台账个别月份成效记录不具体", "服务群众成效材料不够充分", "成效记录较简单"),
    "member_ledger": ("党员信息个别项目未及时更新", "党员信息台账个别项目未更新", "台账抽查发现个别信息未更新"),
    "room_facilities": ("阵地资料更新不够及时", "实地查看阵地，资料摆放不够规范", "实地考察：阵地资料未分类摆放"),
    "study_plans": ("个别党员学习笔记记录较少", "学习笔记抽查，部分党员记录较少", "学习笔记抽查记录较少"),
    "online_education": ("线上学习形式较少", "线上教育形式较单一", "线上教育形式较单一"),
    "service_system": ("服务制度年终考核不够具体", "年终考核内容较简单", "年终考核缺少群众评价"),
    "freq_group": ("个别党小组会到会人数不足", "个别党小组会记录内容简单", "个别党小组会记录不规范"),
    "freq_committee": ("个别支委会议题记录简单", "个别支委会记录缺少决定事项", "个别支委会记录不规范"),
    "activist_plan": ("培养联系人谈话记录不全", "培养考察记录不够完整", "培养考察记录不完整"),
    "development_procedure": ("个别材料归档不及时", "发展材料个别页缺少签字", "发展材料个别页缺少签字"),
    "party_groups": ("个别党员尚未编入党小组", "党小组划分需调整", "党小组划分需调整"),
}
RETURN_ITEMS = {
    "freq_group": "党小组会记录缺少3月、7月的签到表照片，请补充上传后重新自评。",
    "study_plans": "个人学习计划未上传，自评满分依据不足。",
    "service_system": "年终考核内容过于简单，请补充服务成效。",
}

# ---------------------------------------------------------------- time


class Clock:
    """Everything written inside the block happened at ``when``: review events, notices,
    declarations, publications, inspections and the history rows of the review models."""

    STAMPED = [(ReviewEvent, "at"), (Notice, "created_at"), (Declaration, "submitted_at"),
               (Publication, "published_at"), (Rectification, "started_at"), (Inspection, "created_at"),
               (ScoreAdjustment, "at"), (Photo, "uploaded_at")]  # fmt: skip
    HISTORY = [Assessment, ItemScore, Veto, Objection, Rectification, RectificationTask, Inspection, Photo]

    def __init__(self, when: datetime.datetime):
        self.when = min(when, timezone.now())

    def _tops(self):
        """The highest id of every stamped table and history table, in one query."""
        tables = [m for m, _ in self.STAMPED] + [m.history.model for m in self.HISTORY]
        qn = connection.ops.quote_name
        cols = [f"(SELECT MAX({qn(m._meta.pk.column)}) FROM {qn(m._meta.db_table)})" for m in tables]
        with connection.cursor() as c:
            c.execute("SELECT " + ", ".join(cols))
            return [n or 0 for n in c.fetchone()]

    def __enter__(self):
        self.before = self._tops()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        after = self._tops()
        n = len(self.STAMPED)
        for (model, name), b, a in zip(self.STAMPED, self.before[:n], after[:n], strict=True):
            if a > b:  # only the tables written inside the block
                model.objects.filter(pk__gt=b).update(**{name: self.when})
        for model, b, a in zip(self.HISTORY, self.before[n:], after[n:], strict=True):
            if a > b:
                model.history.model.objects.filter(history_id__gt=b).update(history_date=self.when)
        return False


def at_time(day: D, rng, lo=9, hi=17) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(lo, hi), rng.randint(0, 59))))


# ---------------------------------------------------------------- scores


class DemoSheet:
    """One assessment's items, for building score columns."""

    def __init__(self, a: Assessment, sections):
        self.a = a
        self.sections = sections
        self.scores = {
            s.item_id: s
            for s in ItemScore.objects.filter(assessment=a)
            .select_related("item")
            .order_by("item__section__order", "item__order")
        }

    def total(self, rows) -> Decimal:
        out = Decimal("0")
        for s in self.sections:
            raw = sum((Decimal(rows[i.pk][0]) for i in s.items.all() if i.pk in rows), Decimal("0"))
            out += min(raw, s.max_points)
        return out

    def self_rows(self, rng, *, paper: bool, target: Decimal, partial=None) -> dict:
        rows = {}
        for item_id, s in self.scores.items():
            points = s.item.points
            value, remark = (s.suggested, "") if s.suggested is not None else (points, "")
            if paper and s.item.rule in PAPER_RULES and value < points:
                value, remark = points, PAPER_REMARK
            rows[item_id] = (value, remark)
        rows = self._cut(rows, rng, target, 0)
        if partial is not None:
            keep = sorted(rows)[: int(len(rows) * partial)]
            rows = {k: rows[k] for k in keep}
        return {k: (str(v), r) for k, (v, r) in rows.items()}

    def follow(self, rows, rng, *, target: Decimal, who: int) -> dict:
        """Another column close to ``rows`` (self → committee → district), cut down to ``target``."""
        base = {k: (Decimal(v), "") for k, (v, _) in rows.items()}
        return {k: (str(v), r) for k, (v, r) in self._cut(base, rng, target, who).items()}

    def _cut(self, rows, rng, target, who):
        guard = 200
        keys = sorted(k for k in rows if self.scores[k].item.rule in SOFT_RULES) or sorted(rows)
        while self.total({k: (v, r) for k, (v, r) in rows.items()}) > target and guard:
            guard -= 1
            k = rng.choice(keys)
            v, r = rows[k]
            if v < 1:
                continue
            step = HALF if v < 2 or rng.random() < 0.6 else Decimal("1")
            rows[k] = (v - step, r or REMARKS.get(self.scores[k].item.rule, REMARKS[""])[who])
        return rows


# ---------------------------------------------------------------- the flow


class Flow:
    def __init__(self, *, actor, rng, today, staff, period, sections):
        self.actor, self.rng, self.today, self.staff = actor, rng, today, staff
        self.period = period
        self.sections = sections
        self.y1 = period.year + 1

    def jan(self, lo, hi):
        return D(self.y1, 1, self.rng.randint(lo, hi))

    def reviewer(self, a):
        committee = self.staff.committee_of.get(a.branch_id)
        return self.staff.reviewer.get(committee.pk) if committee else None

    def submit(self, a, sheet, day, *, target, paper=True):
        rows = sheet.self_rows(self.rng, paper=paper, target=target)
        user = self.staff.submitter[a.branch_id]
        with Clock(at_time(day - days(self.rng.randint(1, 4)), self.rng)):
            a = self_scores_save(actor=user, assessment=a, version=a.version, rows=rows)
        when = at_time(day, self.rng)
        with Clock(when):
            a = services.submit(actor=user, assessment=a)
        Assessment.objects.filter(pk=a.pk).update(submitted_at=when)
        return a, rows

    def committee_scores(self, a, sheet, rows, day, *, target):
        crow = sheet.follow(rows, self.rng, target=target, who=1)
        with Clock(at_time(day, self.rng)):
            a = services.committee_scores_save(actor=self.reviewer(a), assessment=a, version=a.version, rows=crow)
        return a, crow

    def recommend(self, a, day, *, comment="组织健全、制度落实、台账规范，同意推荐。"):
        with Clock(at_time(day, self.rng, 15, 18)):
            return services.committee_decide(actor=self.reviewer(a), assessment=a, recommend=True, comment=comment)

    def district_scores(self, a, sheet, rows, day, *, target):
        drow = sheet.follow(rows, self.rng, target=target, who=2)
        with Clock(at_time(day, self.rng)):
            return services.district_scores_save(actor=self.actor, assessment=a, version=a.version, rows=drow)

    def accept(self, a, day):
        with Clock(at_time(day, self.rng, 14, 17)):
            return services.accept(actor=self.actor, assessment=a, comment="资料齐全，验收通过。")


def score_target(rng, lo, hi):
    return Decimal(rng.randint(int(lo * 2), int(hi * 2))) / 2


def open_period(actor, period, when):
    job = Job.objects.create(kind="period_open", params={"period_id": period.pk}, created_by=actor)
    period_open_run(job_id=job.pk)
    Period.objects.filter(pk=period.pk).update(created_at=when)
    Job.objects.filter(pk=job.pk).update(created_at=when, finished_at=when + days(minutes=2))
    return Assessment.objects.filter(period=period).select_related("branch").order_by("branch__path")


def create_period(actor, rubric, year, name, deadlines):
    return period_create(
        actor=actor, name=name, year=year, stage=2, window_start=D(year, 1, 1), window_end=D(year, 12, 31),
        self_deadline=deadlines[0], committee_deadline=deadlines[1], district_deadline=deadlines[2],
        pass_line=Decimal("85"), notice_days=5, rubric=rubric,
    )  # fmt: skip


def publication_start(today):
    """A start so that the 5-working-day notice ended two to five days ago."""
    start = today - days(8)
    while not (today - days(5) <= services.add_working_days(start, 5) <= today - days(2)):
        start -= days(1)
    return start


