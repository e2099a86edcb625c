"""Branch version triggers on what a record's page shows besides the record itself: its
attachments, returns for completion, void and restore steps and minutes filings
(``wujin_branch.branch_versions``), so the page's cached part follows every change to them.
Attendance still has none: every change to it is written with the record's counts (one
service, ``activities.services``), and a member's name is the member's own trigger's."""

from django.db import migrations

from wujin_branch import branch_versions

SPEC = {
    "ledgers_attachment": ("activity_id", "ledgers_activity"),
    "ledgers_recordreturn": ("activity_id", "ledgers_activity"),
    "ledgers_recordvoid": ("activity_id", "ledgers_activity"),
    "ledgers_minutesfiling": ("activity_id", "ledgers_activity"),
}
create, drop = branch_versions.triggers(SPEC)


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0015_activity_returned_index")]

    operations = [migrations.RunPython(create, drop)]
