"""The trigger function that gives a branch a new version token when its data changes
(``wujin_branch.branch_versions``); each app's tables get their triggers in its own migration."""

from django.db import migrations

from wujin_branch import branch_versions


class Migration(migrations.Migration):
    dependencies = [("kernel", "0004_data_version")]

    operations = [migrations.RunPython(branch_versions.install_function, branch_versions.drop_function)]
