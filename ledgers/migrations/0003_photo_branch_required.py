from django.db import migrations, models
import django.db.models.deletion


def fill_branch(apps, schema_editor):
    Photo = apps.get_model("ledgers", "Photo")
    Activity = apps.get_model("ledgers", "Activity")
    for activity_id, branch_id in Activity.objects.filter(photos__isnull=False).values_list("id", "branch_id").distinct():
        Photo.objects.filter(activity_id=activity_id).update(branch_id=branch_id)


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0001_initial"),
        ("ledgers", "0002_support_ledgers"),
    ]

    operations = [
        migrations.RunPython(fill_branch, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="photo",
            name="branch",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="branches.organization"
            ),
        ),
    ]
