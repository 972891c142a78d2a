"""Racing requests: however many submit or start at once, one assessment is submitted or
started, never two.

PostgreSQL only. SQLite lets one writer at a time hold the whole database, so these races
cannot happen there and the tests would prove nothing. Each test commits for real
(transaction=True) so that the threads, each on its own connection, see the same rows.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from assessments import questionnaire
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import SelfAssessment
from assessments.questionnaire import Answer
from tests import factories

THREADS = 8

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: SQLite serialises writers, so concurrent submits and starts "
        "cannot race there. Run with DATABASE_URL=postgres://... to exercise them.",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def published_version(transactional_db, framework_yaml):
    """The shipped framework, committed so that every thread's connection sees it (the
    module-wide import of tests/assessments/conftest.py stays in an uncommitted transaction)."""
    return import_framework(parse_yaml(framework_yaml), publish=True)


def run_at_once(work, count=THREADS):
    """Call `work()` from `count` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target():
        try:
            connection.ensure_connection()  # connect first, so the calls themselves overlap
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


def test_simultaneous_submits_submit_exactly_once(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)

    def submit():
        own = SelfAssessment.objects.get(pk=assessment.pk)
        return questionnaire.submit(own, shares_sensitive=False)

    results, errors = run_at_once(submit)
    assert errors == []
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    assert list(SelfAssessment.objects.filter(therapist=therapist).values_list("status")) == [
        (SelfAssessment.Status.SUBMITTED,)
    ]


def test_simultaneous_starts_open_exactly_one_assessment(therapist, published_version):
    def start():
        return questionnaire.start_or_resume(therapist, published_version).pk

    results, errors = run_at_once(start)
    assert errors == []
    assert len(results) == THREADS
    assert len(set(results)) == 1
    assert (
        SelfAssessment.objects.filter(
            therapist=therapist, status=SelfAssessment.Status.IN_PROGRESS
        ).count()
        == 1
    )


def test_simultaneous_reassessment_starts_open_exactly_one_cycle(therapist, published_version):
    factories.filled_assessment(therapist, published_version)

    def start():
        return questionnaire.start_or_resume(therapist, published_version).cycle

    results, errors = run_at_once(start)
    assert errors == []
    assert results == [1] * THREADS
    assert sorted(
        SelfAssessment.objects.filter(therapist=therapist).values_list("cycle", flat=True)
    ) == [0, 1]


def wait_for_a_blocked_backend(timeout=10.0) -> None:
    """Wait until another connection to the test database is waiting for a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction, PostgreSQL keeps showing its first snapshot of the activity.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("the submitting thread never waited for the saving transaction")


def test_statement_cleared_while_submitting_is_not_submitted_unanswered(
    therapist, published_version
):
    """A stale tab saves section 1 without C1's rating while another tab submits. The save
    holds the assessment's row lock; the submit must check for unanswered statements after
    it gets the lock, or it locks an assessment with C1 unanswered."""
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    section = questionnaire.rated_sections(published_version).first()
    without_c1 = {item.pk: Answer(3) for item in section.items.exclude(key="C1")}
    outcome = []

    def submit():
        try:
            own = SelfAssessment.objects.get(pk=assessment.pk)
            outcome.append(questionnaire.submit(own, shares_sensitive=False))
        except questionnaire.IncompleteAssessment as error:
            outcome.append(error)
        finally:
            connection.close()

    submitter = threading.Thread(target=submit)
    with transaction.atomic():
        questionnaire.save_section(assessment, section, without_c1, resume_at=0)
        submitter.start()
        wait_for_a_blocked_backend()
    submitter.join(timeout=30)

    assessment.refresh_from_db()
    assert questionnaire.unanswered_items(assessment)[0].key == "C1"
    assert assessment.status == SelfAssessment.Status.IN_PROGRESS
