"""The Opportunity barriers a lead sees: counts across the service's therapists' latest
submitted self-assessments, suppressed through the one helper (k = 5 here)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from service_actions import queries, services
from tests import factories

from .conftest import K

REPORTS, FINE = 1, 4  # a rating that reports the barrier (≤ 2) and one that does not


def counts(service) -> dict[str, tuple[int, int | None]]:
    return {b.key: (b.respondents, b.reported) for b in queries.reported_barriers(service)}


def test_statement_reported_by_k_therapists_is_listed_with_its_count(service, rate):
    rate(K, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    assert counts(service) == {"O3": (10, K)}


def test_rating_of_two_reports_the_barrier_and_three_does_not(service, rate):
    rate(K, {"O3": 2})
    rate(K, {"O3": 3})
    assert counts(service) == {"O3": (10, K)}


def test_statement_reported_by_fewer_than_k_is_not_listed_at_all(service, rate):
    rate(K - 1, {"O3": REPORTS})
    rate(K + 3, {"O3": FINE})
    assert counts(service) == {}


def test_count_is_withheld_when_fewer_than_k_therapists_do_not_report_it(service, rate):
    rate(8, {"O3": REPORTS})
    rate(K - 1, {"O3": FINE})
    assert counts(service) == {"O3": (12, None)}


def test_count_is_shown_once_k_therapists_do_not_report_it(service, rate):
    rate(8, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    assert counts(service) == {"O3": (13, 8)}


def test_nothing_is_listed_when_fewer_than_k_rated_the_statement(service, rate):
    rate(K - 1, {"O3": REPORTS})
    assert counts(service) == {}


def test_not_applicable_counts_neither_as_rating_nor_as_report(service, rate):
    rate(K, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    rate(3, {"O3": None})
    assert counts(service) == {"O3": (10, K)}


def test_only_opportunity_statements_are_listed(service, rate):
    rate(10, {"C1": REPORTS, "M1": REPORTS, "S1": REPORTS, "O3": FINE})
    assert counts(service) == {}


def test_an_earlier_cycle_is_not_counted_only_the_latest(service, rate, published_version):
    rate(K, {"O3": REPORTS})
    improved = rate(K, {"O3": REPORTS})
    for therapist in improved:
        factories.submitted_assessment(therapist, published_version, {"O3": FINE}, cycle=1)
    assert counts(service) == {"O3": (10, K)}


def test_a_former_member_is_not_counted(service, rate):
    rate(K, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    (leaver,) = rate(1, {"O3": REPORTS})
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(user=leaver).update(
        starts_on=yesterday - datetime.timedelta(days=300), ends_on=yesterday
    )
    assert counts(service) == {"O3": (10, K)}


def test_another_services_therapists_are_not_counted(service, other_service, rate):
    rate(K, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    rate(3, {"O3": REPORTS}, team=factories.TeamFactory(service=other_service))
    assert counts(service) == {"O3": (10, K)}


def test_most_reported_first_with_withheld_counts_first(service, rate):
    rate(K, {"O3": REPORTS, "O7": REPORTS, "O6": REPORTS})
    rate(2, {"O3": REPORTS, "O7": REPORTS, "O6": FINE})
    rate(K, {"O3": FINE, "O7": REPORTS, "O6": FINE})
    assert [b.key for b in queries.reported_barriers(service)] == ["O7", "O3", "O6"]
    assert counts(service)["O7"] == (12, None)


def test_a_barrier_shows_the_action_planned_for_it(service, rate, lead):
    rate(K, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    o3 = queries.statement_choices(service).get(key="O3")
    action, _ = services.add_action(
        service,
        by=lead,
        token=uuid.uuid4(),
        items=[o3],
        title="Protected CPD time",
        status="planned",
    )
    (barrier,) = queries.reported_barriers(service)
    assert barrier.planned == action


def test_a_dropped_action_does_not_count_as_planned(service, rate, lead):
    rate(K, {"O3": REPORTS})
    rate(K, {"O3": FINE})
    o3 = queries.statement_choices(service).get(key="O3")
    action, _ = services.add_action(
        service,
        by=lead,
        token=uuid.uuid4(),
        items=[o3],
        title="Protected CPD time",
        status="planned",
    )
    services.drop(action, by=lead)
    (barrier,) = queries.reported_barriers(service)
    assert barrier.planned is None


def test_a_service_without_a_framework_lists_nothing(db, team):
    service = team.service
    service.framework = None
    service.save()
    assert queries.reported_barriers(service) == []


def queries_for(service) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert queries.reported_barriers(service)
    return len(captured)


@pytest.mark.parametrize("reporting", [3, 12])
def test_reported_barriers_take_three_queries_however_many_therapists(
    service, rate, settings, reporting
):
    settings.SMALL_GROUP_MIN = 3
    rate(reporting, {"O3": REPORTS, "O6": REPORTS, "O7": REPORTS})
    rate(K, {"O3": FINE, "O6": FINE, "O7": FINE})
    assert queries_for(service) == 3  # the counts, the statements' text, the planned actions
