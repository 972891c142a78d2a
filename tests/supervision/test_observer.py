"""Observer ratings (supervision.observer): what a supervisor may rate, recording a rating (once
per form, even when sent from many threads at once; refused for a former supervisor, a future
date, an NHS number, nothing rated), and the comparison with the supervisee's own ratings:
matching by key across versions, the latest values, who sees whose ratings, the flagged gaps
both ways and a constant query count."""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from assessments.models import FrameworkVersion, SectionKind
from supervision import observer
from supervision.models import ObserverItemRating, ObserverRating
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
VALID_NHS_NUMBER = "943 476 5919"


def publish(version: FrameworkVersion) -> FrameworkVersion:
    """Mark a factory-built version published (its content is written first)."""
    FrameworkVersion.objects.filter(pk=version.pk).update(
        status=FrameworkVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def build_version(framework, keys=("B1", "B2", "B3"), *, sensitive=("S1",), others=("CR1",)):
    """A published version: one behaviour section holding `keys` and the private `sensitive`
    statements, and a collaboration section (rated by therapists, not observed) holding
    `others`."""
    version = factories.FrameworkVersionFactory(framework=framework)
    behaviours = factories.FrameworkSectionFactory(
        version=version, key="structure", title="Session structure", order=1
    )
    for order, key in enumerate(keys):
        factories.FrameworkItemFactory(
            section=behaviours, key=key, order=order, target_text=f"I do {key}"
        )
    for key in sensitive:
        factories.FrameworkItemFactory(
            section=behaviours, key=key, order=50, target_text=f"Private {key}", is_sensitive=True
        )
    collaboration = factories.FrameworkSectionFactory(
        version=version, key="collaboration", kind=SectionKind.COLLABORATION, order=0
    )
    for key in others:
        factories.FrameworkItemFactory(section=collaboration, key=key)
    return publish(version)


@pytest.fixture
def framework(service):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    return framework


@pytest.fixture
def version(framework):
    return build_version(framework)


def item(version, key):
    return version.items.get(key=key)


def rate(supervisor, supervisee, version, values, *, rated_on=None, note="", token=None):
    """Record a rating through the service, `values` by item key."""
    rating, _created = observer.record_observer_rating(
        supervisor,
        supervisee,
        rated_on=rated_on or TODAY(),
        values={item(version, key).pk: value for key, value in values.items()},
        note=note,
        token=token or uuid.uuid4(),
    )
    return rating


def row_for(comparison, key):
    return next(row for row in comparison.rows if row.item.key == key)


# What is rated


def test_supervisor_rates_the_behaviour_statements_but_not_private_or_other_kinds(
    therapist, version
):
    assert [i.key for i in observer.observable_items(therapist)] == ["B1", "B2", "B3"]


def test_nothing_to_rate_before_a_version_is_published(therapist, framework):
    factories.FrameworkItemFactory(section__version__framework=framework)
    assert list(observer.observable_items(therapist)) == []


# Recording


def test_supervisor_records_values_and_not_observed(therapist, supervisor, version):
    rating = rate(supervisor, therapist, version, {"B1": 4, "B2": None}, note="Watched a tape.")
    stored = dict(rating.items.values_list("item__key", "value"))
    assert stored == {"B1": 4, "B2": None}
    assert (rating.version, rating.note) == (version, "Watched a tape.")


def test_the_same_form_sent_twice_is_one_rating(therapist, supervisor, version):
    token = uuid.uuid4()
    values = {item(version, "B1").pk: 4}
    first = observer.record_observer_rating(
        supervisor, therapist, rated_on=TODAY(), values=values, note="", token=token
    )
    second = observer.record_observer_rating(
        supervisor, therapist, rated_on=TODAY(), values=values, note="", token=token
    )
    assert (first[1], second[1], first[0].pk) == (True, False, second[0].pk)
    assert ObserverRating.objects.count() == 1
    assert ObserverItemRating.objects.count() == 1


def test_two_forms_make_two_ratings(therapist, supervisor, version):
    rate(supervisor, therapist, version, {"B1": 4})
    rate(supervisor, therapist, version, {"B1": 5})
    assert ObserverRating.objects.count() == 2


def test_the_rating_and_its_values_keep_a_history_naming_the_supervisor(
    therapist, supervisor, version
):
    rating = rate(supervisor, therapist, version, {"B1": 4})
    assert rating.history.get().history_user == supervisor
    assert ObserverItemRating.history.get().history_user == supervisor


def test_former_supervisor_cannot_record_a_rating(therapist, team, version):
    former = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=former,
        supervisee=therapist,
        starts_on=TODAY() - datetime.timedelta(days=90),
        ends_on=TODAY() - datetime.timedelta(days=1),
    )
    with pytest.raises(observer.NotAllowed):
        rate(former, therapist, version, {"B1": 4})
    assert not ObserverRating.objects.exists()


def test_rating_dated_in_the_future_is_refused(therapist, supervisor, version):
    with pytest.raises(ValidationError) as error:
        rate(supervisor, therapist, version, {"B1": 4}, rated_on=TODAY() + datetime.timedelta(1))
    assert "rated_on" in error.value.error_dict


def test_note_with_an_nhs_number_is_refused(therapist, supervisor, version):
    with pytest.raises(ValidationError) as error:
        rate(supervisor, therapist, version, {"B1": 4}, note=f"Client {VALID_NHS_NUMBER}")
    assert "note" in error.value.error_dict
    assert not ObserverRating.objects.exists()


def test_only_not_observed_is_refused(therapist, supervisor, version):
    with pytest.raises(ValidationError):
        rate(supervisor, therapist, version, {"B1": None, "B2": None})


def test_a_private_statement_cannot_be_rated(therapist, supervisor, version):
    with pytest.raises(ValidationError):
        rate(supervisor, therapist, version, {"S1": 3})
    assert not ObserverRating.objects.exists()


def test_a_value_off_the_scale_is_refused(therapist, supervisor, version):
    with pytest.raises(ValidationError):
        rate(supervisor, therapist, version, {"B1": 6})


# The comparison


def test_comparison_sets_self_beside_observer_with_the_gap(therapist, supervisor, version):
    factories.submitted_assessment(therapist, version, {"B1": 5, "B2": 2, "B3": None})
    rate(supervisor, therapist, version, {"B1": 2, "B2": 4, "B3": 3})
    comparison = observer.compare(therapist, supervisor)
    gaps = {row.item.key: (row.self_value, row.observer_value, row.gap) for row in comparison.rows}
    assert gaps == {"B1": (5, 2, 3), "B2": (2, 4, -2), "B3": (None, 3, None)}


def test_gaps_of_two_points_or_more_are_flagged_both_ways(therapist, supervisor, version):
    factories.submitted_assessment(therapist, version, {"B1": 5, "B2": 2, "B3": 4})
    rate(supervisor, therapist, version, {"B1": 2, "B2": 4, "B3": 3})
    comparison = observer.compare(therapist, supervisor)
    assert row_for(comparison, "B1").direction is observer.Direction.OVER
    assert row_for(comparison, "B2").direction is observer.Direction.UNDER
    assert row_for(comparison, "B3").direction is None


def test_largest_gaps_come_first(therapist, supervisor, version):
    factories.submitted_assessment(therapist, version, {"B1": 3, "B2": 1, "B3": 5})
    rate(supervisor, therapist, version, {"B1": 5, "B2": 5, "B3": 2})
    comparison = observer.compare(therapist, supervisor)
    assert [row.item.key for row in comparison.largest_gaps] == ["B2", "B3", "B1"]


def test_comparison_uses_the_latest_submitted_self_assessment(therapist, supervisor, version):
    earlier = timezone.now() - datetime.timedelta(days=100)
    factories.submitted_assessment(therapist, version, {"B1": 1}, submitted_at=earlier)
    factories.submitted_assessment(therapist, version, {"B1": 4}, cycle=1)
    assert row_for(observer.compare(therapist, supervisor), "B1").self_value == 4


def test_self_assessment_in_progress_is_not_compared(therapist, supervisor, version):
    factories.SelfAssessmentFactory(therapist=therapist, version=version)
    assert observer.compare(therapist, supervisor).assessment is None


def test_latest_observed_value_wins_and_not_observed_keeps_the_earlier_value(
    therapist, supervisor, version
):
    rate(
        supervisor, therapist, version, {"B1": 2, "B2": 2}, rated_on=TODAY() - datetime.timedelta(9)
    )
    rate(supervisor, therapist, version, {"B1": 4, "B2": None})
    comparison = observer.compare(therapist, supervisor)
    assert (row_for(comparison, "B1").observer_value, row_for(comparison, "B2").observer_value) == (
        4,
        2,
    )


def test_only_not_observed_reads_not_observed(therapist, supervisor, version):
    rate(supervisor, therapist, version, {"B1": 4, "B2": None})
    assert row_for(observer.compare(therapist, supervisor), "B2").observer_label == "Not observed"


def test_ratings_are_matched_by_key_across_versions(therapist, supervisor, framework, version):
    factories.submitted_assessment(therapist, version, {"B1": 5})
    rate(supervisor, therapist, version, {"B1": 2})
    newer = build_version(framework, keys=("B1", "B4"))
    comparison = observer.compare(therapist, supervisor)
    b1 = row_for(comparison, "B1")
    assert (comparison.version, b1.item.version, b1.self_value, b1.observer_value) == (
        newer,
        newer,
        5,
        2,
    )
    assert [row.item.key for row in comparison.rows] == ["B1", "B4"]


def test_private_statements_never_appear_in_the_comparison(therapist, supervisor, version):
    factories.submitted_assessment(therapist, version, {"B1": 4, "S1": 1}, shares_sensitive=True)
    rate(supervisor, therapist, version, {"B1": 4})
    keys = [row.item.key for row in observer.compare(therapist, therapist).rows]
    assert "S1" not in keys


def test_supervisor_sees_ratings_of_another_current_supervisor(
    therapist, supervisor, team, version
):
    colleague = factories.supervisor(team=team)
    factories.SupervisionFactory(supervisor=colleague, supervisee=therapist)
    rate(colleague, therapist, version, {"B1": 2})
    row = row_for(observer.compare(therapist, supervisor), "B1")
    assert (row.observer_value, row.rating.supervisor) == (2, colleague)


def test_supervisor_does_not_see_a_former_supervisors_ratings(therapist, supervisor, team, version):
    former = factories.supervisor(team=team)
    relationship = factories.SupervisionFactory(supervisor=former, supervisee=therapist)
    rate(former, therapist, version, {"B1": 2})
    relationship.ends_on = TODAY() - datetime.timedelta(days=1)
    relationship.starts_on = TODAY() - datetime.timedelta(days=60)
    relationship.save()
    comparison = observer.compare(therapist, supervisor)
    assert not comparison.has_observer_ratings
    assert row_for(comparison, "B1").observer_value is None


def test_therapist_sees_ratings_of_a_former_supervisor(therapist, team, version):
    former = factories.supervisor(team=team)
    relationship = factories.SupervisionFactory(supervisor=former, supervisee=therapist)
    rate(former, therapist, version, {"B1": 2})
    relationship.ends_on = TODAY() - datetime.timedelta(days=1)
    relationship.starts_on = TODAY() - datetime.timedelta(days=60)
    relationship.save()
    assert row_for(observer.compare(therapist, therapist), "B1").observer_value == 2


def test_comparison_reads_in_the_same_number_of_queries_for_few_and_many_statements(
    therapist, supervisor, framework, django_assert_max_num_queries
):
    few = build_version(framework, keys=("B1",))
    factories.submitted_assessment(therapist, few, {"B1": 3})
    rate(supervisor, therapist, few, {"B1": 1})
    with django_assert_max_num_queries(COMPARE_QUERIES):
        assert len(observer.compare(therapist, supervisor).rows) == 1
    many = build_version(framework, keys=[f"B{n}" for n in range(1, 41)])
    factories.submitted_assessment(
        therapist, many, dict.fromkeys(many.items.values_list("key", flat=True), 4), cycle=1
    )
    for day in range(5):
        rate(
            supervisor,
            therapist,
            many,
            {f"B{n}": 2 for n in range(1, 41)},
            rated_on=TODAY() - datetime.timedelta(day),
        )
    with django_assert_max_num_queries(COMPARE_QUERIES):
        comparison = observer.compare(therapist, supervisor)
    assert len(comparison.rows) == 40


# Measured: the supervisee's frameworks, its current version, the latest submitted
# self-assessment, the statements with both values, the ratings they come from.
COMPARE_QUERIES = 5


# Racing submits, on both databases: threads on their own connections, committing for real.


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_at_once_from_many_threads_is_one_rating(therapist, supervisor, version):
    token = uuid.uuid4()
    values = {item(version, "B1").pk: 4}
    barrier = threading.Barrier(THREADS)
    created, errors = [], []

    def send() -> None:
        try:
            connection.ensure_connection()  # connect first, so the calls themselves overlap
            barrier.wait(timeout=10)
            _rating, was_created = observer.record_observer_rating(
                supervisor, therapist, rated_on=TODAY(), values=values, note="", token=token
            )
            created.append(was_created)
        except Exception as error:  # any error a thread meets fails the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(created) == [False] * (THREADS - 1) + [True]
    assert ObserverRating.objects.count() == 1


THREADS = 6
