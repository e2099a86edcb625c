# 受理编号 for objections: added nullable, filled one by one (unique random codes; history rows
# take their objection's), then made required and unique.

from django.db import migrations, models

import review.models


def fill(apps, schema_editor):
    Objection = apps.get_model("review", "Objection")
    Historical = apps.get_model("review", "HistoricalObjection")
    used = set()
    for o in Objection.objects.filter(reference__isnull=True).only("pk"):
        ref = review.models.new_objection_reference()
        while ref in used:
            ref = review.models.new_objection_reference()
        used.add(ref)
        Objection.objects.filter(pk=o.pk).update(reference=ref)
        Historical.objects.filter(id=o.pk).update(reference=ref)
    Historical.objects.filter(reference__isnull=True).update(reference="")  # rows of deleted objections


class Migration(migrations.Migration):
    dependencies = [("review", "0003_notice_to_kernel")]

    operations = [
        migrations.AddField(
            model_name="objection",
            name="reference",
            field=models.CharField(editable=False, max_length=10, null=True, verbose_name="受理编号"),
        ),
        migrations.AddField(
            model_name="historicalobjection",
            name="reference",
            field=models.CharField(editable=False, max_length=10, null=True, verbose_name="受理编号"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="objection",
            name="reference",
            field=models.CharField(default=review.models.new_objection_reference, editable=False, max_length=10,
                                   unique=True, verbose_name="受理编号"),
        ),
        migrations.AlterField(
            model_name="historicalobjection",
            name="reference",
            field=models.CharField(db_index=True, default=review.models.new_objection_reference, editable=False,
                                   max_length=10, verbose_name="受理编号"),
        ),
    ]
