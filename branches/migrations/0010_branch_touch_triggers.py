"""Branch version triggers on the organization tables (``wujin_branch.branch_versions``)."""

from django.db import migrations

from wujin_branch import branch_versions

SPEC = {
    "branches_organization": ("id", ""),
    # a member's branch, and the branches it flows into (they list the member by name)
    "branches_member": ("branch_id", "", "id", "branches_memberflow:member_id:in_branch_id"),
    "branches_partygroup": ("branch_id", ""),
    "branches_committeeterm": ("branch_id", ""),
    "branches_committeeseat": ("term_id", "branches_committeeterm"),
    "branches_termintervention": ("term_id", "branches_committeeterm"),
    "branches_memberflow": ("member_id", "branches_member", "in_branch_id", ""),
    "branches_orgchange": ("organization_id", ""),
}
create, drop = branch_versions.triggers(SPEC)


class Migration(migrations.Migration):
    dependencies = [("branches", "0009_account_event_keeps_user"), ("kernel", "0005_branch_touch_function")]

    operations = [migrations.RunPython(create, drop)]
