"""Branch version triggers on the records and photos (``wujin_branch.branch_versions``).
Attendance has none: what a branch page shows of it (quorum, counts) is kept on the record."""

from django.db import migrations

from wujin_branch import branch_versions

SPEC = {
    "ledgers_activity": ("branch_id", ""),
    "ledgers_photo": ("branch_id", ""),
    "ledgers_integrityflag": ("activity_id", "ledgers_activity"),  # 异常 counts on the record list
}
create, drop = branch_versions.triggers(SPEC)


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0013_followups"), ("kernel", "0005_branch_touch_function")]

    operations = [migrations.RunPython(create, drop)]
