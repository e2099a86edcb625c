"""Branch version triggers on brands and hosted events (``wujin_branch.branch_versions``)."""

from django.db import migrations

from wujin_branch import branch_versions

SPEC = {
    "review_partybrand": ("branch_id", ""),
    "review_exchangeevent": ("host_id", ""),
    "review_exchangeevent_participants": ("exchangeevent_id", "review_exchangeevent:id:host_id"),
}
create, drop = branch_versions.triggers(SPEC)


class Migration(migrations.Migration):
    dependencies = [("review", "0008_brands_showcase"), ("kernel", "0005_branch_touch_function")]

    operations = [migrations.RunPython(create, drop)]
