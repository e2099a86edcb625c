"""The review demo's results put to use: two 以奖代补 rewards, the demo reviewer's committee's
述职 pack for last year rated by the district, and the rectification's branch marked 软弱涣散
(not dissolved: the branch stays in the demo)."""

from datetime import timedelta

from branches.demo.common import REVIEWER_COMMITTEE
from branches.models import Organization, OrgKind
from review.demo.flow import Clock, at_time
from review.models import Rectification, RectificationStatus

WEAK_REASON = ("整改推进缓慢：党建工作专项经费至今未落实，经三次督促仍未按期完成整改任务，"
               "支委会多月未召开，认定为软弱涣散党组织，限期整改，逾期仍不配合的予以撤并。")  # fmt: skip

RATING = "规范化建设推进有力，示范支部培育成效明显；个别支部专项经费未落实，整改督促需加强。"


def put_results_to_use(*, actor, rng, today, period, demo_assessment, log=print) -> dict:
    from review.duty_reports import duty_report_generate, duty_report_rate
    from review.rectification_outcome import rectification_mark_weak
    from review.rewards import reward_record
    from wujin_branch.fonts import PdfFontMissing

    counts = {"rewards": 0, "duty_reports": 0, "weak": 0}
    committee = Organization.objects.filter(kind=OrgKind.COMMITTEE, name=REVIEWER_COMMITTEE).first()
    decided = today - timedelta(days=5)
    if committee is not None:
        reward_record(actor=actor, organization=committee, stage=period.stage, amount_fen=2_000_000,
                      document_number=f"武组发〔{today.year}〕41号", decided_on=decided,
                      reason=f"{period.year}年度规范化建设推进有力，合格率位居全区前列。")  # fmt: skip
        counts["rewards"] += 1
    if demo_assessment is not None and demo_assessment.status == "confirmed":
        reward_record(actor=actor, organization=demo_assessment.branch, stage=period.stage, amount_fen=500_000,
                      document_number=f"武组发〔{today.year}〕41号", decided_on=decided,
                      reason="组织生活规范、台账图文齐全，工作开展卓有成效。")  # fmt: skip
        counts["rewards"] += 1
    if committee is not None:
        try:
            report = duty_report_generate(actor=actor, committee=committee, year=period.year)
        except PdfFontMissing as e:  # the demo without the PDF font: no pack, no rating
            log(f"  述职材料未生成：{e}")
        else:
            duty_report_rate(actor=actor, report=report, grade="fairly_good", rated_on=today, comment=RATING)
            counts["duty_reports"] = 1
    r = Rectification.objects.filter(assessment__period=period, status=RectificationStatus.OPEN).order_by("pk").first()
    if r is not None:
        marked = today - timedelta(days=7)
        with Clock(at_time(marked, rng)):
            rectification_mark_weak(actor=actor, rectification=r, reason=WEAK_REASON, marked_on=marked)
        counts["weak"] = 1
    return counts
