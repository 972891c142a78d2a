"""Reliability figures refreshed by a real Celery worker through Redis, as in production: the
task crosses the broker, runs in the worker's thread against the test database, and stores the
figures the test then reads. Redis must be running (127.0.0.1:6379); without it these fail."""

from __future__ import annotations

import os
import time

import pytest
import redis
from celery.worker import state

from assessments import tasks  # registered now: a task module first imported in a test is lost
from assessments.models import DomainReliability
from tests import factories
from tests.assessments.test_reliability import (
    KEYS,
    add_baselines,
    build_version,
    consistent_rows,
)

pytest_plugins = ("celery.contrib.pytest",)

REDIS_URL = "redis://127.0.0.1:6379/13"
TASK = "assessments.tasks.refresh_reliability"


@pytest.fixture(scope="session")
def celery_config():
    broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    broker.ping()
    # A queue per test process (each pytest-xdist worker, each concurrent run), so no worker
    # runs a task against another process's test database.
    process = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    queue = f"test-reliability-{process}"
    yield {"broker_url": REDIS_URL, "result_backend": REDIS_URL, "task_default_queue": queue}
    # The queue and kombu's bindings for it: named after this process, nobody will reuse them.
    broker.delete(queue, *broker.scan_iter(f"_kombu.*{queue}"))


@pytest.fixture
def worker(celery_app, celery_worker):
    """A worker thread on this process's queue; tasks queued in the test (by `.delay` or after a
    commit) go through Redis to it. The app is current only for this test."""
    celery_app.set_current()
    return celery_worker


@pytest.fixture
def version(db):
    return build_version(
        factories.FrameworkFactory(), {"capability": ("A1", "A2", "A3"), "style": ("B1", "B2")}
    )


@pytest.fixture
def team(db):
    return factories.TeamFactory()


def respondents_by_domain(framework) -> dict[str, int]:
    return dict(
        DomainReliability.objects.filter(framework=framework).values_list(
            "domain_key", "respondents"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_worker_stores_the_figures_of_ten_baselines(worker, version, team):
    add_baselines(version, team, consistent_rows(10, keys=KEYS[:5]))
    assert tasks.refresh_reliability.delay(version.framework_id).get(timeout=30) is True
    assert respondents_by_domain(version.framework) == {"capability": 10, "C": 10, "style": 10}


@pytest.mark.django_db(transaction=True)
def test_submitting_the_tenth_baseline_has_the_worker_store_figures(worker, version, team):
    add_baselines(version, team, consistent_rows(9, keys=KEYS[:5]))
    runs = state.total_count[TASK]
    factories.filled_assessment(
        factories.therapist(team=team), version, values={"A1": 2, "A3": 4, "B1": 4}
    )
    deadline = time.monotonic() + 30
    while not respondents_by_domain(version.framework) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert respondents_by_domain(version.framework) == {"capability": 10, "C": 10, "style": 10}
    assert state.total_count[TASK] == runs + 1
