"""Stored reliability figures: equal to a full recomputation, computed in flat memory, refreshed
only when the number of baselines crosses a step, queued by submitting a baseline, and read (never
computed) by the profile page."""

from __future__ import annotations

import datetime
import random
import re
import statistics
import sys
import tracemalloc

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from assessments import reliability, scoring, services
from assessments.models import (
    ComBComponent,
    ComBSubComponent,
    DomainReliability,
    Framework,
    FrameworkVersion,
    ItemRating,
    SectionKind,
    SelfAssessment,
)
from comb_tracker.celery import app as celery_app
from tests import factories

# The small framework's rated domains and their statements. "solo" has one statement, so it
# never has an alpha; the outcomes section is not rated, so it is no domain at all.
DOMAINS = {
    "capability": ("A1", "A2", "A3"),
    "C": ("A1", "A2", "A3"),
    "style": ("B1", "B2"),
    "solo": ("S1",),
}
KEYS = ("A1", "A2", "A3", "B1", "B2", "S1")


def build_version(framework: Framework, keys: dict[str, tuple[str, ...]]) -> FrameworkVersion:
    """A published version with a capability barrier section, behaviour sections and an
    outcomes section, holding the given item keys per section key."""
    services.ensure_taxonomy()
    version = factories.FrameworkVersionFactory(framework=framework)
    capability = ComBComponent.objects.get(code="C")
    subcomponent = ComBSubComponent.objects.filter(component=capability).first()
    for section_key, item_keys in keys.items():
        barrier = section_key == "capability"
        section = factories.FrameworkSectionFactory(
            version=version,
            key=section_key,
            kind=SectionKind.BARRIERS if barrier else SectionKind.BEHAVIOURS,
            component=capability if barrier else None,
        )
        for key in item_keys:
            factories.FrameworkItemFactory(
                section=section, key=key, primary_subcomponent=subcomponent if barrier else None
            )
    outcomes = factories.FrameworkSectionFactory(version=version, kind=SectionKind.OUTCOMES)
    factories.FrameworkItemFactory(section=outcomes, key="X1")
    return services.publish(version, allow_meaning_changes=True)


@pytest.fixture
def framework(db) -> Framework:
    return factories.FrameworkFactory()


@pytest.fixture
def version(framework) -> FrameworkVersion:
    return build_version(
        framework, {"capability": ("A1", "A2", "A3"), "style": ("B1", "B2"), "solo": ("S1",)}
    )


@pytest.fixture
def team(db):
    return factories.TeamFactory()


def add_baselines(version, team, rows: list[dict[str, int | None]], cycle: int = 0) -> None:
    """Submitted assessments by new therapists, one per row of ratings by item key (None is
    "not applicable"), written in bulk."""
    first = User.objects.count()
    users = User.objects.bulk_create(
        User(username=f"respondent-{first + number}") for number in range(len(rows))
    )
    assessments = SelfAssessment.objects.bulk_create(
        SelfAssessment(
            therapist=user,
            framework_id=version.framework_id,
            version=version,
            cycle=cycle,
            status=SelfAssessment.Status.SUBMITTED,
            submitted_at=timezone.now(),
            service_id=team.service_id,
            team=team,
        )
        for user in users
    )
    items = dict(version.items.values_list("key", "pk"))
    ItemRating.objects.bulk_create(
        ItemRating(assessment=assessment, item_id=items[key], value=value)
        for assessment, row in zip(assessments, rows, strict=True)
        for key, value in row.items()
    )


def consistent_rows(count: int, keys=KEYS, seed: int = 1) -> list[dict[str, int | None]]:
    """Ratings that hang together (a level per respondent, a little noise per statement), so
    alpha is well above 0."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        level = rng.randint(1, 5)
        rows.append({key: max(1, min(5, level + rng.choice((-1, 0, 0, 1)))) for key in keys})
    return rows


def stored(framework) -> dict[str, tuple[int, float, float]]:
    return {
        row.domain_key: (row.respondents, row.baseline_sd, row.alpha)
        for row in DomainReliability.objects.filter(framework=framework)
    }


def recomputed(rows, domains=DOMAINS) -> tuple[dict[str, tuple[int, float, float]], set[str]]:
    """The figures from scratch, as DOMAIN.md section 9 defines them: complete cases, alpha by
    `scoring.cronbach_alpha`, SD of the domain means by `statistics.stdev`. Also the domains
    whose alpha is within rounding of 0, where storing it or not are both right."""
    expected, borderline = {}, set()
    for domain, keys in domains.items():
        complete = [
            [row[key] for key in keys]
            for row in rows
            if all(row.get(key) is not None for key in keys)
        ]
        if len(complete) < scoring.MIN_RESPONDENTS_FOR_RELIABILITY:
            continue
        alpha = scoring.cronbach_alpha(complete)
        if alpha is not None and abs(alpha) < 1e-9:
            borderline.add(domain)
        elif alpha is not None and alpha > 0:
            sd = statistics.stdev(statistics.fmean(values) for values in complete)
            expected[domain] = (len(complete), sd, alpha)
    return expected, borderline


def assert_same_figures(actual, expected) -> None:
    assert actual.keys() == expected.keys()
    for domain, (respondents, sd, alpha) in expected.items():
        assert actual[domain] == (respondents, pytest.approx(sd), pytest.approx(alpha))


# The figures


@st.composite
def baseline_ratings(draw) -> list[dict[str, int | None]]:
    """10 to 40 baselines rated 1 to 5 or not applicable: independently at random, or around a
    level per respondent (so that alpha is positive often enough to be stored)."""
    count = draw(st.integers(min_value=10, max_value=40))
    around_a_level = draw(st.booleans())
    rating = st.one_of(st.integers(min_value=1, max_value=5), st.none())
    offset = st.sampled_from([0, 0, 1, -1, None])
    rows = []
    for _ in range(count):
        if around_a_level:
            level = draw(st.integers(min_value=1, max_value=5))
            offsets = draw(st.lists(offset, min_size=len(KEYS), max_size=len(KEYS)))
            values = [None if o is None else max(1, min(5, level + o)) for o in offsets]
        else:
            values = draw(st.lists(rating, min_size=len(KEYS), max_size=len(KEYS)))
        rows.append(dict(zip(KEYS, values, strict=True)))
    return rows


# Each example rolls its baselines back, so the function-scoped fixtures are safe to share.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=baseline_ratings())
def test_stored_figures_equal_a_full_recomputation(framework, version, team, rows):
    with transaction.atomic():
        add_baselines(version, team, rows)
        assert reliability.refresh_reliability(framework)
        expected, borderline = recomputed(rows)
        figures = {k: v for k, v in stored(framework).items() if k not in borderline}
        transaction.set_rollback(True)
    assert_same_figures(figures, expected)


def test_figures_are_stored_for_consistent_domains_with_ten_complete_cases(
    framework, version, team
):
    rows = consistent_rows(12)
    rows[0]["A1"] = None  # one baseline is not a complete case for capability (and C)
    add_baselines(version, team, rows)
    reliability.refresh_reliability(framework)
    figures = stored(framework)
    assert set(figures) == {"capability", "C", "style"}
    assert figures["capability"][0] == 11
    assert figures["style"][0] == 12
    assert_same_figures(figures, recomputed(rows)[0])


def test_a_domain_with_fewer_than_ten_complete_cases_is_not_stored(framework, version, team):
    rows = consistent_rows(12)
    for row in rows[:3]:
        row["B2"] = None
    add_baselines(version, team, rows)
    reliability.refresh_reliability(framework)
    assert "style" not in stored(framework)
    assert "capability" in stored(framework)


def test_figures_come_from_every_version_using_the_newest_versions_statements(
    framework, version, team
):
    # Version 2 drops A3 and adds A4 to capability. Baselines on version 1 count where they
    # rated version 2's statements: for style, not for capability (they never saw A4).
    newer = build_version(framework, {"capability": ("A1", "A2", "A4"), "style": ("B1", "B2")})
    old_rows = consistent_rows(6, seed=2)
    new_rows = consistent_rows(6, keys=("A1", "A2", "A4", "B1", "B2"), seed=3)
    add_baselines(version, team, old_rows)
    add_baselines(newer, team, new_rows)
    reliability.refresh_reliability(framework)
    figures = stored(framework)
    expected = recomputed(old_rows + new_rows, {"style": ("B1", "B2")})[0]
    assert_same_figures(figures, expected)


def test_reassessments_do_not_count(framework, version, team):
    add_baselines(version, team, consistent_rows(9))
    add_baselines(version, team, consistent_rows(5, seed=4), cycle=1)
    assert not reliability.refresh_reliability(framework)
    assert stored(framework) == {}


def test_private_statements_count_in_the_figures(framework, team):
    version = build_version(framework, {"style": ("B1", "B2")})
    version.items.filter(key="B2").update(is_sensitive=True)
    add_baselines(version, team, consistent_rows(10, keys=("B1", "B2")))
    reliability.refresh_reliability(framework)
    assert stored(framework)["style"][0] == 10


def test_stored_reliability_gives_sd_and_alpha_by_domain_in_one_query(
    framework, version, team, django_assert_num_queries
):
    add_baselines(version, team, consistent_rows(10))
    reliability.refresh_reliability(framework)
    with django_assert_num_queries(1):
        figures = reliability.stored_reliability(framework.pk)
    assert figures == {key: (sd, alpha) for key, (_, sd, alpha) in stored(framework).items()}


# Memory


def peak_memory_of_computing(framework) -> int:
    """Peak bytes Python allocates while computing the figures (tracemalloc)."""
    tracemalloc.start()
    try:
        assert reliability.compute_reliability(framework)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def shipped_statements(published_version) -> list[str]:
    return list(published_version.items.rated().values_list("key", flat=True))


def test_computing_the_figures_does_not_hold_the_ratings(
    published_version, team, shipped_statements
):
    # 300 baselines of the shipped framework's ~100 statements: ~30,000 ratings, many chunks.
    add_baselines(published_version, team, consistent_rows(300, keys=shipped_statements))
    ratings = ItemRating.objects.count()
    assert ratings > 10 * reliability.CHUNK_SIZE
    # Holding every rating as an (assessment, item, value) tuple in a list costs at least the
    # tuple and the list's pointer to it, the ints aside: 72 bytes, ~2.2 MB here (the previous
    # code held a dict entry per rating, more still). Streaming holds at most two chunks of rows
    # (Django's iterator) and a few sums per statement: measured ~0.5 MB, whatever the number
    # of baselines once there are a few chunks of them.
    holding_them_all = ratings * (sys.getsizeof((1, 2, 3)) + 8)
    at_300 = peak_memory_of_computing(published_version.framework)
    assert at_300 < holding_them_all / 2
    add_baselines(published_version, team, consistent_rows(300, keys=shipped_statements, seed=2))
    # Twice the baselines; holding them would double the peak. Allow 10 % for noise.
    assert peak_memory_of_computing(published_version.framework) < at_300 * 1.1


# When figures are recomputed


@pytest.mark.parametrize(
    ("baselines", "step"),
    [(0, 0), (9, 0), (10, 10), (19, 10), (20, 20), (49, 20), (50, 50), (100, 100), (12000, 10000)],
)
def test_steps_are_10_20_50_and_so_on(baselines, step):
    assert reliability.step(baselines) == step


def test_figures_are_recomputed_at_10_20_and_50_baselines_only(framework, version, team):
    recomputed_at = []
    for count, row in enumerate(consistent_rows(55), start=1):
        add_baselines(version, team, [row])
        if reliability.refresh_reliability(framework):
            recomputed_at.append(count)
    assert recomputed_at == [10, 20, 50]
    framework.refresh_from_db()
    assert framework.reliability_baselines == 50
    assert stored(framework)["style"][0] == 50


def test_refreshing_twice_at_the_same_count_recomputes_once(framework, version, team):
    add_baselines(version, team, consistent_rows(10))
    assert reliability.refresh_reliability(framework)
    computed_at = DomainReliability.objects.values_list("computed_at", flat=True).first()
    assert not reliability.refresh_reliability(framework)
    assert DomainReliability.objects.values_list("computed_at", flat=True).first() == computed_at


def test_figures_between_steps_stay_those_of_the_last_step(framework, version, team):
    rows = consistent_rows(19)
    add_baselines(version, team, rows[:10])
    reliability.refresh_reliability(framework)
    at_ten = stored(framework)
    add_baselines(version, team, rows[10:])
    reliability.refresh_reliability(framework)
    assert stored(framework) == at_ten


def test_figures_go_when_baselines_fall_below_ten(framework, version, team):
    add_baselines(version, team, consistent_rows(10))
    reliability.refresh_reliability(framework)
    SelfAssessment.objects.filter(pk=SelfAssessment.objects.first().pk).delete()
    assert reliability.refresh_reliability(framework)
    assert stored(framework) == {}


# Submitting a baseline queues the refresh


@pytest.fixture
def eager_tasks(monkeypatch):
    """Tasks run in the test's process, as in the embedded mode (no REDIS_URL), even when the
    environment names a Redis."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def filled_baseline(version, team, level: int, submit: bool = True):
    therapist = factories.therapist(team=team)
    values = {key: max(1, min(5, level + (-1) ** number)) for number, key in enumerate(KEYS)}
    return factories.filled_assessment(therapist, version, values=values, submit=submit)


def test_the_tenth_baseline_submitted_brings_figures(
    framework, version, team, eager_tasks, django_capture_on_commit_callbacks
):
    for number in range(9):
        with django_capture_on_commit_callbacks(execute=True):
            filled_baseline(version, team, level=1 + number % 4)
    assert stored(framework) == {}
    with django_capture_on_commit_callbacks(execute=True):
        filled_baseline(version, team, level=3)
    assert set(stored(framework)) >= {"capability", "C", "style"}
    framework.refresh_from_db()
    assert framework.reliability_baselines == 10


@pytest.fixture
def refreshes(monkeypatch) -> list[int]:
    """The frameworks whose reliability refresh a submit queued (the task is not run)."""
    from assessments import questionnaire

    queued: list[int] = []
    monkeypatch.setattr(questionnaire.refresh_reliability, "delay", queued.append)
    return queued


def test_submitting_a_baseline_queues_one_refresh_after_commit(
    version, team, refreshes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        baseline = filled_baseline(version, team, level=3)
    assert refreshes == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert refreshes == [baseline.framework_id]


def test_submitting_a_reassessment_queues_no_refresh(
    version, team, refreshes, django_capture_on_commit_callbacks
):
    baseline = filled_baseline(version, team, level=3)
    refreshes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reassessment = factories.filled_assessment(baseline.therapist, version, 4)
    assert reassessment.cycle == 1
    assert refreshes == []


def test_a_repeated_submit_queues_no_refresh(version, team, django_capture_on_commit_callbacks):
    from assessments import questionnaire

    baseline = filled_baseline(version, team, level=3)
    with django_capture_on_commit_callbacks() as callbacks:
        assert not questionnaire.submit(baseline, shares_sensitive=False)
    assert callbacks == []


# The profile reads the stored figures


@pytest.fixture
def improved_therapist(therapist, published_version):
    """Baseline: every statement 2; reassessment: every statement 4."""
    factories.filled_assessment(therapist, published_version, 2)
    SelfAssessment.objects.filter(therapist=therapist).update(
        submitted_at=timezone.now() - datetime.timedelta(days=100)
    )
    factories.filled_assessment(therapist, published_version, 4)
    return therapist


def test_profile_shows_reliable_change_from_the_stored_figures(
    client, improved_therapist, published_version
):
    # RC = (4 - 2) / sqrt(2 * (0.5 * sqrt(1 - 0.9))^2) = 8.9 > 1.96
    DomainReliability.objects.create(
        framework=published_version.framework,
        domain_key="C",
        respondents=10,
        baseline_sd=0.5,
        alpha=0.9,
    )
    client.force_login(improved_therapist)
    response = client.get(f"/therapists/{improved_therapist.pk}/profile/")
    assertContains(response, "Reliably better</span>", count=2)


def test_profile_without_stored_figures_shows_change_without_badges(
    client, improved_therapist, published_version
):
    client.force_login(improved_therapist)
    response = client.get(f"/therapists/{improved_therapist.pk}/profile/")
    assertContains(response, "+2.00")
    assertNotContains(response, "Reliably")


def test_profile_reads_no_one_elses_ratings_and_writes_nothing(
    client, improved_therapist, published_version, team
):
    items = list(published_version.items.rated().values_list("key", flat=True))
    add_baselines(published_version, team, consistent_rows(12, keys=items))
    reliability.refresh_reliability(published_version.framework)
    before = stored(published_version.framework)
    client.force_login(improved_therapist)
    own = set(improved_therapist.self_assessments.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/therapists/{improved_therapist.pk}/profile/")
    assertContains(response, "Reliably better</span>")
    sql = [query["sql"] for query in queries.captured_queries]
    reads_of_ratings = [s for s in sql if "assessments_itemrating" in s]
    assert len(reads_of_ratings) == 1
    read_for = re.search(r'"assessment_id" IN \(([\d, ]+)\)', reads_of_ratings[0]).group(1)
    assert {int(pk) for pk in read_for.split(",")} == own
    assert not [s for s in sql if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert stored(published_version.framework) == before


def test_figures_are_withheld_below_a_larger_small_group_minimum(settings):
    """Reliability figures are an aggregate over people, so they pass the one suppression
    rule too: with k raised above the statistical floor, 11 complete baselines are not enough."""
    settings.SMALL_GROUP_MIN = 12
    sums = reliability._DomainSums(keys=("A", "B"))
    for row in range(11):
        sums.add({"A": 1 + row % 5, "B": 1 + (row + row // 5) % 5})
    assert sums.figures() is None
    settings.SMALL_GROUP_MIN = 5
    assert sums.figures() is not None
