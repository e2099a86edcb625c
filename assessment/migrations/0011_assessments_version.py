"""An assessment written anywhere also changes the ``assessments`` key that its services bump
(``wujin_branch.versions``), so a dashboard cached by it cannot miss a write made past them."""

import importlib

from django.db import migrations

from wujin_branch import branch_versions, versions

BEFORE = importlib.import_module("assessment.migrations.0010_branch_touch_triggers").SPEC
SPEC = {
    "assessment_assessment": BEFORE["assessment_assessment"] + ("=" + versions.ASSESSMENTS, ""),
    "assessment_period": BEFORE["assessment_period"] + ("=" + versions.ASSESSMENTS, ""),
}
create, _ = branch_versions.triggers(SPEC)
back, _ = branch_versions.triggers(BEFORE)  # the triggers of 0010


class Migration(migrations.Migration):
    dependencies = [("assessment", "0010_branch_touch_triggers")]

    operations = [migrations.RunPython(create, back)]
