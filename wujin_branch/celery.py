import os

from celery import Celery

from wujin_branch.logs import connect_celery_signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wujin_branch.settings")

app = Celery("wujin_branch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Task logs carry the task id; worker and beat keep the project's log format (wujin_branch.logs).
connect_celery_signals()
