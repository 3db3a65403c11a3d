"""The Celery app, used when REDIS_URL is set: `celery -A yanxun worker`.

Without Redis nothing imports a broker: yanxun.core.tasks runs the same work in a thread."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yanxun.settings")

app = Celery("yanxun")
# CELERY_BROKER_URL (= REDIS_URL) and any other CELERY_* setting come from Django's settings.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(task_ignore_result=True, worker_hijack_root_logger=False,
                broker_connection_retry_on_startup=True)
app.autodiscover_tasks(["yanxun.core"])
