"""Install the dues rate table in force since 2008-04-01 and the development time rules.

Both are data: a later regulation adds rows with a later ``effective_from`` (dues) or
edits/deactivates rules (development) without a code change.
"""

import datetime

from django.db import migrations

YUAN = 100
RATES = [
    # group, lower (exclusive, yuan), upper (inclusive, yuan), rate in 万分之, fixed min, fixed max (分), note
    ("employed", None, 3000, 50, None, None, "月工资3000元以下（含）交0.5%"),
    ("employed", 3000, 5000, 100, None, None, "3000元以上至5000元（含）交1%"),
    ("employed", 5000, 10000, 150, None, None, "5000元以上至10000元（含）交1.5%"),
    ("employed", 10000, None, 200, None, None, "10000元以上交2%"),
    ("retired", None, 5000, 50, None, None, "离退休费5000元以下（含）交0.5%"),
    ("retired", 5000, None, 100, None, None, "5000元以上交1%"),
    ("farmer", None, None, None, 20, 100, "农民党员每月交0.2元至1元"),
    ("low_income", None, None, None, 20, 20, "学生、下岗失业、依靠抚恤救济或低保的党员每月交0.2元"),
]

DEV_RULES = [
    ("talk_within_month", "收到入党申请书后一个月内派人谈话", 1, 2, None, 31),
    ("activist_one_year", "入党积极分子经过一年以上培养教育和考察，方可列为发展对象", 3, 7, 365, None),
    ("review_valid_one_year", "政治审查结论在一年内有效（至支部大会讨论时）", 10, 15, None, 365),
    ("approval_normal_3_months", "上级党委一般应在支部大会讨论后三个月内审批", 15, 17, None, 92),
    ("approval_max_6_months", "因特殊情况审批可适当延长，但不得超过六个月", 15, 17, None, 183),
    ("probation_one_year", "预备期一年，期满方可讨论转正", 17, 23, 365, None),
    ("full_approval_3_months", "转正讨论后上级党委一般应在三个月内审批", 23, 24, None, 92),
]


def install(apps, schema_editor):
    Rule = apps.get_model("ledgers", "DuesRateRule")
    start = datetime.date(2008, 4, 1)
    for group, lower, upper, rate, fmin, fmax, note in RATES:
        Rule.objects.create(
            effective_from=start,
            group=group,
            lower_exclusive_fen=lower * YUAN if lower is not None else None,
            upper_inclusive_fen=upper * YUAN if upper is not None else None,
            rate_bp=rate,
            fixed_min_fen=fmin,
            fixed_max_fen=fmax,
            note=note,
        )
    DevRule = apps.get_model("ledgers", "DevRule")
    for code, description, a, b, min_days, max_days in DEV_RULES:
        DevRule.objects.create(
            code=code, description=description, from_step=a, to_step=b, min_days=min_days, max_days=max_days
        )


def remove(apps, schema_editor):
    apps.get_model("ledgers", "DuesRateRule").objects.filter(effective_from=datetime.date(2008, 4, 1)).delete()
    apps.get_model("ledgers", "DevRule").objects.filter(code__in=[r[0] for r in DEV_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0003_photo_branch_required")]

    operations = [migrations.RunPython(install, remove)]
