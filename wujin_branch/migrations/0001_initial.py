# Notice (from review) and Job (from assessment) move into the kernel app. Their tables stay
# where they are (db_table), so both sides only change Django's state: nothing is copied.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import wujin_branch.storage


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("review", "0002_notice_key"),
        ("assessment", "0002_rubric_2016"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notice",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200)),
                        ("body", models.TextField(blank=True)),
                        ("url", models.CharField(blank=True, max_length=300)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("key", models.CharField(blank=True, default="", max_length=120)),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notices", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "通知",
                        "verbose_name_plural": "通知",
                        "db_table": "review_notice",
                        "ordering": ["-created_at"],
                        "indexes": [models.Index(fields=["user", "read_at"], name="review_noti_user_id_fe05d0_idx")],
                        "constraints": [models.UniqueConstraint(condition=models.Q(("key", ""), _negated=True), fields=("user", "key"), name="uniq_notice_key")],
                    },
                ),
                migrations.CreateModel(
                    name="Job",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=40)),
                        ("status", models.CharField(choices=[("queued", "排队中"), ("running", "进行中"), ("done", "已完成"), ("failed", "失败")], default="queued", max_length=10)),
                        ("total", models.PositiveIntegerField(default=0)),
                        ("done", models.PositiveIntegerField(default=0)),
                        ("message", models.CharField(blank=True, max_length=300)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("result", models.FileField(blank=True, storage=wujin_branch.storage.private, upload_to="jobs/%Y/%m/")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "后台任务",
                        "verbose_name_plural": "后台任务",
                        "db_table": "assessment_job",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
