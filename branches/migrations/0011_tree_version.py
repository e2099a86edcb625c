"""The tables the organization tree counts (members, organizations, terms, seats, flows) also
change the ``tree`` key (``wujin_branch.branch_versions``): the tree pages are cached by it."""

import importlib

from django.db import migrations

from wujin_branch import branch_versions

BEFORE = importlib.import_module("branches.migrations.0010_branch_touch_triggers").SPEC
COUNTED = ("branches_organization", "branches_member", "branches_committeeterm", "branches_committeeseat",
           "branches_memberflow")  # fmt: skip
SPEC = {t: BEFORE[t] + ("=" + branch_versions.TREE, "") for t in COUNTED}
create, _ = branch_versions.triggers(SPEC)
back, _ = branch_versions.triggers({t: BEFORE[t] for t in COUNTED})  # back: the triggers of 0010


class Migration(migrations.Migration):
    dependencies = [("branches", "0010_branch_touch_triggers")]

    operations = [migrations.RunPython(create, back)]
