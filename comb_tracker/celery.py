"""The Celery app, configured from Django settings (CELERY_* names, broker from REDIS_URL)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comb_tracker.settings")

app = Celery("comb_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
