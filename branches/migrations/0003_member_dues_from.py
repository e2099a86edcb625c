"""党费起算月 on the member, empty for now: ``ledgers.0008_member_dues_from`` fills it from the
dues already recorded, then ``0004`` makes it required."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0002_partygroup_number"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmember",
            name="dues_from",
            field=models.DateField(null=True, verbose_name="党费起算月"),
        ),
        migrations.AddField(
            model_name="member",
            name="dues_from",
            field=models.DateField(null=True, verbose_name="党费起算月"),
        ),
    ]
