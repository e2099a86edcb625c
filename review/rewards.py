"""以奖代补 (seed 备注2): "区委将按阶段对党支部规范化建设工作推进情况较好的党(工)委、工作开展卓有
成效的党支部以以奖代补的方式进行表彰奖励".

District staff record each reward (organization, stage, amount in 分, the decision's 文号 and
date, the reason); a committee sees its own and its branches', a branch its own. The list's
totals per stage come from one grouped query, the rows from one more, whatever their number.
"""

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from assessment.models import Stage
from branches.models import Organization, OrgKind, OrgStatus
from branches.permissions import require_district, scope_q
from review.result_models import ResultEvent, RewardSubsidy, fen_to_yuan
from wujin_branch import xlsx
from wujin_branch.errors import DomainError

REWARDABLE_KINDS = (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH)
MAX_FEN = 100_000_000_00  # 一亿元: anything above is a typing slip


def yuan_to_fen(value) -> int:
    """What a person types as 元 ("2000", "2,000.5", "1500.00") to integer 分; refuses more
    than two decimals, zero and negative amounts."""
    text = str(value or "").replace(",", "").replace("，", "").replace("元", "").strip()
    try:
        d = Decimal(text)
    except InvalidOperation as e:
        raise DomainError("请按元填写金额，如 2000 或 1500.50。", field="amount") from e
    if not d.is_finite() or d <= 0:
        raise DomainError("奖补金额应大于0元。", field="amount")
    fen = d * 100
    if fen != fen.to_integral_value():
        raise DomainError("金额最多精确到分（小数点后两位）。", field="amount")
    if fen > MAX_FEN:
        raise DomainError("金额过大，请核对。", field="amount")
    return int(fen)


def rewards_visible_to(user, *, stage=None):
    """Rewards of organizations the user may see: district staff all, a committee its own and
    its branches', a branch its own."""
    qs = RewardSubsidy.objects.filter(scope_q(user, prefix="organization__")).select_related(
        "organization", "recorded_by"
    )
    if stage in Stage.values:
        qs = qs.filter(stage=stage)
    return qs


@dataclass
class StageTotal:
    stage: int
    label: str
    count: int
    amount_fen: int

    @property
    def amount_yuan(self) -> str:
        return fen_to_yuan(self.amount_fen)


def totals_per_stage(qs) -> list[StageTotal]:
    """Count and sum of ``qs`` per stage (every stage listed, zeros included), one query."""
    found = {
        row["stage"]: row
        for row in qs.order_by().values("stage").annotate(n=Count("id"), fen=Sum("amount_fen"))
    }
    return [
        StageTotal(s.value, s.label.split("：")[0], found.get(s.value, {}).get("n", 0),
                   found.get(s.value, {}).get("fen") or 0)
        for s in Stage
    ]  # fmt: skip


@transaction.atomic
def reward_record(*, actor, organization: Organization, stage: int, amount_fen: int, document_number: str,
                  decided_on: datetime.date, reason: str) -> RewardSubsidy:  # fmt: skip
    require_district(actor, "只有区委组织部工作人员可以登记以奖代补。")
    if organization.kind not in REWARDABLE_KINDS or organization.status != OrgStatus.ACTIVE:
        raise DomainError("以奖代补的对象应为正常的党(工)委、党总支或党支部。", field="organization")
    if decided_on is None or decided_on > timezone.localdate():
        raise DomainError("请填写决定日期（不能晚于今天）。", field="decided_on")
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_FEN:
        raise DomainError("奖补金额应大于0元。", field="amount")
    document_number = (document_number or "").strip()
    reason = (reason or "").strip()
    if not document_number:
        raise DomainError("请填写决定文号。", field="document_number")
    if not reason:
        raise DomainError("请填写表彰事由。", field="reason")
    r = RewardSubsidy(organization=organization, stage=stage, amount_fen=amount_fen, reason=reason[:4000],
                      document_number=document_number[:60], decided_on=decided_on, recorded_by=actor)  # fmt: skip
    r._history_user = actor
    r.full_clean(exclude=["organization", "recorded_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            r.save()
    except IntegrityError as e:
        raise DomainError(f"{organization.name}在该阶段已按{document_number}登记过奖补，请勿重复登记。") from e
    ResultEvent.objects.create(
        code="results.reward.recorded", organization=organization, reward=r, actor=actor, comment=reason[:500],
        details={"stage": stage, "amount_fen": amount_fen, "document_number": r.document_number,
                 "decided_on": decided_on.isoformat()},
    )  # fmt: skip
    return r


# ---------------------------------------------------------------- Excel

XLSX_COLUMNS = [("阶段", 14), ("受表彰组织", 30), ("类别", 12), ("奖补金额（元）", 14), ("决定文号", 24),
                ("决定日期", 12), ("表彰事由", 50)]  # fmt: skip


def rewards_workbook(user, *, stage=None) -> bytes:
    """The rewards the user may see, one row each, then the totals per stage; amounts as numbers
    in 元 with two decimals (the sums stay exact: they are added up in 分)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    qs = rewards_visible_to(user, stage=stage)
    wb = Workbook(write_only=True)
    wb.properties.creator = "武进区党支部规范化建设平台"
    wb.properties.title = "以奖代补"
    ws = wb.create_sheet("以奖代补")
    for i, (_, width) in enumerate(XLSX_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    bold = Font(bold=True)

    def header(names):
        cells = []
        for name in names:
            c = WriteOnlyCell(ws, value=name)
            c.font = bold
            cells.append(c)
        return cells

    def money(fen):
        c = WriteOnlyCell(ws, value=Decimal(fen) / 100)
        c.number_format = "#,##0.00"
        return c

    ws.append(header([n for n, _ in XLSX_COLUMNS]))
    stages = dict(Stage.choices)
    for r in qs.order_by("stage", "-decided_on", "id").iterator(chunk_size=2000):
        row = xlsx.row(ws, (stages[r.stage].split("：")[0], r.organization.name, r.organization.type_label(), None,
                            r.document_number, r.decided_on, r.reason))  # fmt: skip
        row[3] = money(r.amount_fen)
        ws.append(row)
    ws.append([])
    ws.append(header(["阶段", "笔数", "合计（元）"]))
    for t in totals_per_stage(qs):
        ws.append([t.label, t.count, money(t.amount_fen)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
