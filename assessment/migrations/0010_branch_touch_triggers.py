"""Branch version triggers on assessments, and one key for every period
(``wujin_branch.branch_versions``)."""

from django.db import migrations

from wujin_branch import branch_versions

SPEC = {
    "assessment_assessment": ("branch_id", ""),
    "assessment_period": ("=" + branch_versions.PERIODS, ""),
}
create, drop = branch_versions.triggers(SPEC)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0009_stage_deadlines"), ("kernel", "0005_branch_touch_function")]

    operations = [migrations.RunPython(create, drop)]
