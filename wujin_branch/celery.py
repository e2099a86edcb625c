import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wujin_branch.settings")

app = Celery("wujin_branch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
