"""党费: the dated rate table, the yearly base verification, monthly payments, reminders.

Money is integer 分 everywhere.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from branches.models import Member, User


class DuesGroup(models.TextChoices):
    EMPLOYED = "employed", "在职党员（按税后工资）"
    RETIRED = "retired", "离退休党员（按离退休费）"
    FARMER = "farmer", "农民党员"
    LOW_INCOME = "low_income", "学生、下岗失业、依靠抚恤救济或低保的党员"


class DuesRateRule(models.Model):
    """One bracket of the rate table in force from ``effective_from`` (data, not code).

    A bracket matches a monthly base in (lower_exclusive, upper_inclusive]. Either a
    rate in per-ten-thousand (万分之, so 0.5 % = 50) or a fixed amount range applies.
    """

    effective_from = models.DateField("施行日期")
    group = models.CharField("类别", max_length=16, choices=DuesGroup.choices)
    lower_exclusive_fen = models.PositiveBigIntegerField("基数下限（不含，分）", null=True, blank=True)
    upper_inclusive_fen = models.PositiveBigIntegerField("基数上限（含，分）", null=True, blank=True)
    rate_bp = models.PositiveIntegerField("比例（万分之）", null=True, blank=True)
    fixed_min_fen = models.PositiveIntegerField("固定额下限（分/月）", null=True, blank=True)
    fixed_max_fen = models.PositiveIntegerField("固定额上限（分/月）", null=True, blank=True)
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "党费交纳标准"
        verbose_name_plural = "党费交纳标准"
        ordering = ["-effective_from", "group", "lower_exclusive_fen"]

    def __str__(self):
        return f"{self.get_group_display()} {self.note}"


class DuesBase(models.Model):
    """党费基数一年一核定: one row per member and year."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues_bases")
    year = models.PositiveSmallIntegerField("年度")
    group = models.CharField("类别", max_length=16, choices=DuesGroup.choices)
    declared_base_fen = models.PositiveBigIntegerField("月工资/离退休费基数（分）", default=0)
    computed_monthly_fen = models.PositiveIntegerField("按标准应交（分/月）")
    rule = models.ForeignKey(DuesRateRule, on_delete=models.PROTECT, related_name="+")
    rule_text = models.CharField("计算依据", max_length=120)
    monthly_fen = models.PositiveIntegerField("核定月交纳额（分）")
    reduced = models.BooleanField("减免", default=False)
    reduction_reason = models.CharField("减免原因", max_length=200, blank=True)
    branch_decision = models.CharField("支部决定（会议/日期）", max_length=200, blank=True)
    upper_approval = models.CharField("上级党委批准（文号/日期）", max_length=200, blank=True)
    verified_on = models.DateField("核定日期")
    verified_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费基数核定"
        verbose_name_plural = "党费基数核定"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="one_dues_base_per_year")]

    def __str__(self):
        return f"{self.member} {self.year}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金"
    WECHAT = "wechat", "微信"
    ALIPAY = "alipay", "支付宝"
    BANK = "bank", "银行转账"
    PAYROLL = "payroll", "工资代扣"
    OTHER = "other", "其他"


class DuesPayment(models.Model):
    """The dues of one member for one month; a back payment writes one row per month covered."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues_payments")
    month = models.DateField("所属月份")  # always the 1st of the month
    amount_fen = models.PositiveIntegerField("金额（分）")
    paid_on = models.DateField("交纳日期")
    method = models.CharField("方式", max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    paid_by = models.CharField("代交人", max_length=50, blank=True)
    recorded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "党费交纳"
        verbose_name_plural = "党费交纳"
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="one_payment_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="payment_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["month", "member"])]

    def __str__(self):
        return f"{self.member} {self.month:%Y-%m}"


class DuesReminder(models.Model):
    """A reminder given to a member who has not paid (提醒告知), kept in the ledger."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="dues_reminders")
    reminded_on = models.DateField("提醒日期")
    months_unpaid = models.PositiveSmallIntegerField("欠交月数")
    way = models.CharField("提醒方式", max_length=20, default="当面")
    note = models.CharField("备注", max_length=200, blank=True)
    by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "党费提醒"
        verbose_name_plural = "党费提醒"
        ordering = ["-reminded_on", "-id"]

    def __str__(self):
        return f"{self.member} {self.reminded_on}"
