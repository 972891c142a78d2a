"""Racing requests, on both databases: however many submit or start at once, one assessment is
submitted or started, never two; simultaneous requests never end in an error; and concurrent
saves of a section either save or are told their page is out of date, never losing an answer.

Each test commits for real (transaction=True) so that the threads, each on its own connection,
see the same rows. On SQLite the test database is a file (see the settings) and writers take the
lock when their transaction begins, so they queue instead of failing with "database is locked";
any error a thread meets, that one included, fails the test.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client

from assessments import questionnaire
from assessments.models import SelfAssessment
from tests import factories
from tests.conftest import review_url, section_url

THREADS = 8

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(work: Callable[[int], object], count: int = THREADS):
    """Call `work(n)` from `count` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def target(number: int) -> None:
        try:
            connection.ensure_connection()  # connect first, so the calls themselves overlap
            barrier.wait(timeout=10)
            results.append(work(number))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


def signed_in(user) -> Client:
    """A client of its own for one thread (clients are not shared between threads)."""
    client = Client()
    client.force_login(user)
    return client


def test_simultaneous_submits_submit_exactly_once(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)

    def submit(_number):
        own = SelfAssessment.objects.get(pk=assessment.pk)
        return questionnaire.submit(own, shares_sensitive=False)

    results, errors = run_at_once(submit)
    assert errors == []
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    assert list(SelfAssessment.objects.filter(therapist=therapist).values_list("status")) == [
        (SelfAssessment.Status.SUBMITTED,)
    ]


def test_simultaneous_starts_open_exactly_one_assessment(therapist, published_version):
    def start(_number):
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

    def start(_number):
        return questionnaire.start_or_resume(therapist, published_version).cycle

    results, errors = run_at_once(start)
    assert errors == []
    assert results == [1] * THREADS
    assert sorted(
        SelfAssessment.objects.filter(therapist=therapist).values_list("cycle", flat=True)
    ) == [0, 1]


def test_six_simultaneous_submit_clicks_all_end_on_the_profile(therapist, published_version):
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    clients = [signed_in(therapist) for _ in range(6)]

    def click_submit(number):
        return clients[number].post(review_url(assessment)).status_code

    results, errors = run_at_once(click_submit, count=6)
    assert errors == []  # a 500 is raised by the test client, so it would be listed here
    assert results == [302] * 6
    assessment.refresh_from_db()
    assert assessment.is_submitted
    assert SelfAssessment.objects.filter(therapist=therapist).count() == 1


def test_simultaneous_section_saves_each_save_or_are_told_the_page_is_out_of_date(
    therapist, published_version
):
    """Each thread is a tab answering its own statement, all opened at the same revision.
    Told its page is out of date (409), a tab saves again with the revision that page shows,
    as the therapist would; in the end every tab's answer is saved and none overwrote
    another's."""
    assessment = questionnaire.start_or_resume(therapist, published_version)
    items = list(questionnaire.rated_sections(published_version)[0].items.order_by("order"))
    clients = [signed_in(therapist) for _ in range(THREADS)]
    statuses: list[int] = []

    def answer_own_statement(number):
        data = {f"rating_{items[number].key}": str(1 + number % 5), "revision": "0"}
        for _attempt in range(THREADS + 1):
            response = clients[number].post(section_url(assessment), data)
            statuses.append(response.status_code)
            if response.status_code != 409:
                return response.status_code
            page = response.content.decode()
            data["revision"] = re.search(r'name="revision" value="(\d+)"', page).group(1)
        return None

    results, errors = run_at_once(answer_own_statement)
    assert errors == []
    assert set(statuses) <= {302, 409}
    assert results == [302] * THREADS
    saved = dict(assessment.ratings.values_list("item__key", "value"))
    assert saved == {items[n].key: 1 + n % 5 for n in range(THREADS)}


def wait_for_a_blocked_backend(timeout: float = 10.0) -> None:
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


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL's pg_stat_activity to see the submit waiting for the row lock.",
)
def test_statement_cleared_while_submitting_is_not_submitted_unanswered(
    therapist, published_version
):
    """A stale tab clears C1 of section 1 while another tab submits. The save holds the
    assessment's row lock; the submit must check for unanswered statements after it gets the
    lock, or it locks an assessment with C1 unanswered.

    PostgreSQL only: the test must know the submit is waiting on the lock before the save
    commits, else it proves nothing, and only PostgreSQL shows a waiting connection
    (pg_stat_activity). SQLite has no such view, and cannot have this race: a writer there
    takes the whole database's lock when its transaction begins, before the submit's first
    read.
    """
    assessment = factories.filled_assessment(therapist, published_version, submit=False)
    section = questionnaire.rated_sections(published_version).first()
    c1 = section.items.get(key="C1")
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
        questionnaire.save_section(
            assessment,
            section,
            {},
            cleared=[c1.pk],
            revision=assessment.revision,
            resume_at=0,
        )
        submitter.start()
        wait_for_a_blocked_backend()
    submitter.join(timeout=30)

    assessment.refresh_from_db()
    assert questionnaire.unanswered_items(assessment)[0].key == "C1"
    assert assessment.status == SelfAssessment.Status.IN_PROGRESS
