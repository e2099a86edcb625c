"""党小组 ordering key: the number in the name (第三党小组 → 3), stored on the row.

The backfill also fills the historical rows from their own names, so the history does not
show a change nobody made."""

from django.db import migrations, models

from branches.derived import group_number


def backfill(apps, schema_editor):
    for name in ("PartyGroup", "HistoricalPartyGroup"):
        model = apps.get_model("branches", name)
        rows = list(model.objects.only("pk", "name"))
        for row in rows:
            row.number = group_number(row.name)
        model.objects.bulk_update([r for r in rows if r.number is not None], ["number"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="partygroup",
            options={
                "ordering": [models.OrderBy(models.F("number"), nulls_last=True), "name", "id"],
                "verbose_name": "党小组",
                "verbose_name_plural": "党小组",
            },
        ),
        migrations.AddField(
            model_name="historicalpartygroup",
            name="number",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="partygroup",
            name="number",
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name="序号"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
