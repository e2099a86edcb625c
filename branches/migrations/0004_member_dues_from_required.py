from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0003_member_dues_from"),
        ("ledgers", "0008_member_dues_from"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalmember",
            name="dues_from",
            field=models.DateField(verbose_name="党费起算月"),
        ),
        migrations.AlterField(
            model_name="member",
            name="dues_from",
            field=models.DateField(verbose_name="党费起算月"),
        ),
    ]
