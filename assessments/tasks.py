"""Background jobs of the assessments app: thin wrappers over services, queued on commit.

With REDIS_URL set, a Celery worker runs them. In the embedded mode (no REDIS_URL) Celery runs
tasks eagerly, in the process that queues them, once the submitting transaction has committed:
the submit request then pays for a reliability recompute itself, but only when the number of
baselines crosses a step (10, 20, 50, …); every other submit just counts baselines.
"""

from __future__ import annotations

from celery import shared_task

from . import reliability
from .models import Framework


@shared_task
def refresh_reliability(framework_id: int) -> bool:
    """Recompute a framework's stored reliability figures if a step has been crossed."""
    framework = Framework.objects.filter(pk=framework_id).first()
    if framework is None:
        return False
    return reliability.refresh_reliability(framework)
