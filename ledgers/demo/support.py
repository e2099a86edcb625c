"""Demo data for the member and support ledgers of the small demo district.

``seed_support(actor=…, rng=…, today=…)`` runs after the organizations, members and a year of
activity records exist (``manage.py seed_demo``, small scale only), inside the same
transaction. For every active branch with members it writes last year and this year of:

- 发展党员: applicants at every stage through ``development.applicant_create`` /
  ``step_record`` (so the time rules apply: a few steps break one and carry the exception
  reason), one person approved as 预备党员 this year (a roster row appears) and one made
  正式党员 this year; the yearly 发展党员计划 with structure targets, approved upstairs;
- 党费: the yearly bases (``dues_bases_save``, one reduction with the branch's decision and
  the upper approval), every month through ``dues_month_save``, a few members in arrears,
  one with six or more consecutive unpaid months (the flag) and reminders;
- 民主评议党员 of last year linked to its meeting record, tallies, grades and publication
  (one member 不合格, with a 限期改正 follow-up); 组织生活会 packages filed with the committee
  (accepted, one waiting, one returned) and the upper 党委/党总支's 班子会议 before them;
- the five annual plans, personal study plans, the 联系服务群众 system with last year's
  year-end review, and problems passed upwards (some answered by the committee);
- 党建工作经费 with income and expenses and small receipt photos; one branch has no
  special fund (the one-vote veto), one has an "other" expense;
- 阵地 and its checklist (a few items missing, photos for the present ones), 党务公开
  postings, member records (training, rewards, visits to pre-1949 and hardship members)
  and screenings at district and committee level.

Writes go through the services, with the branch's own staff as the actor (the demo
secretary's branch: the demo 党务工作者; elsewhere a non-login staff user per branch,
``<code>-sec``, made here) and the committee's reviewer for committee decisions, so the
history shows who did what. For speed, the other branches' member records, 阵地 checklist items
(with photos) and funding entries (with receipts) are built alike and written in bulk with their
history rows (``branch_life``); the demo branch's still go through the services. Dates that the
services set to "now" are moved back to when
the thing happened. The demo secretary's branch (东街村党支部) is complete and healthy, with
one or two things to fix. All randomness comes from ``rng``: the same seed on the same day
gives the same data.
"""

import time

from branches.models import (
    Member,
    Standing,
)
from ledgers.demo.branch_life import seed_funding, seed_member_records, seed_notices, seed_rooms, seed_screenings
from ledgers.demo.development import DevSeeder
from ledgers.demo.dues import DuesSeeder
from ledgers.demo.life_filing import seed_life_filings
from ledgers.demo.member_life import seed_appraisals, seed_plans_and_study, seed_service
from ledgers.demo.people import World, demo_staff

# ---------------------------------------------------------------- entry point


def seed_support(*, actor, rng, today, log=None) -> dict:
    """Member and support ledgers for the seeded small demo (see the module docstring).

    Call inside the seeding transaction, after the organizations, members and activity
    records; returns counts by kind. ``log`` receives a line per phase with its time.
    """
    log = log or (lambda msg: None)
    staff = demo_staff()
    w = World(actor=actor, rng=rng, today=today, staff=staff)

    def refresh_roster():  # 预备党员 approved by the development steps joined the roster
        for b in w.branches:
            b.members = list(Member.objects.filter(branch=b.org, standing=Standing.ACTIVE).order_by("id"))

    phases = [
        ("发展党员", DevSeeder(w).run),
        ("", refresh_roster),
        ("党费", DuesSeeder(w).run),
        ("民主评议党员", lambda: seed_appraisals(w)),
        ("年度计划、个人学习计划", lambda: seed_plans_and_study(w)),
        ("联系服务群众", lambda: seed_service(w)),
        ("党建工作经费", lambda: seed_funding(w)),
        ("活动阵地", lambda: seed_rooms(w)),
        ("党务公开", lambda: seed_notices(w)),
        ("党员信息记录", lambda: seed_member_records(w)),
        ("排查清理", lambda: seed_screenings(w)),
        ("组织生活会报送备案、班子会议、不合格党员处置", lambda: seed_life_filings(w)),
    ]
    for label, run in phases:
        t = time.perf_counter()
        run()
        if label:
            log(f"  {label}：{time.perf_counter() - t:.2f} 秒")
    return dict(w.counts, no_fund_branch=w.no_fund.org.name if w.no_fund else "")


