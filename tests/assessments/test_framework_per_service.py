"""Each service its own framework: what a therapist, a supervisor and the database see when
services use different frameworks, a therapist works in two of them, or a service changes its
framework while an assessment is in progress."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import resolve, reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from accounts.models import Role
from assessments import services
from assessments.cycles import add_months
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import FrameworkVersion, SelfAssessment
from tests import factories
from tests.conftest import profile_url, review_url

pytestmark = pytest.mark.django_db

START = "/self-assessment/"


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def small_framework(slug: str, name: str, *, sections: int = 1) -> FrameworkVersion:
    """A published framework of behaviours sections titled "Section <n> of <slug>", with items
    keyed P1, P2, ... in every framework, so two of them share keys (as if comparable)."""
    version = factories.FrameworkVersionFactory(
        framework=factories.FrameworkFactory(slug=slug, name=name)
    )
    key = 0
    for number in range(1, sections + 1):
        section = factories.FrameworkSectionFactory(
            version=version, key=f"practice-{number}", title=f"Section {number} of {slug}"
        )
        for _ in range(2):
            key += 1
            factories.FrameworkItemFactory(section=section, key=f"P{key}")
    return services.publish(version)


@pytest.fixture
def framework_a(db) -> FrameworkVersion:
    return small_framework("alpha-care", "Alpha care")


@pytest.fixture
def framework_b(db) -> FrameworkVersion:
    return small_framework("beta-care", "Beta care")


@pytest.fixture
def on_a(service, framework_a):
    """`service` (the therapist's) uses framework A."""
    service.framework = framework_a.framework
    service.save()
    return service


@pytest.fixture
def second_team(framework_b):
    """A team of a second service, which uses framework B."""
    return factories.TeamFactory(service=factories.ServiceFactory(framework=framework_b.framework))


@pytest.fixture
def in_two_services(therapist, on_a, second_team):
    """The therapist works in a service on A (joined first) and one on B (joined later)."""
    therapist.memberships.update(starts_on=days_ago(100))
    factories.MembershipFactory(
        user=therapist,
        team=second_team,
        service=second_team.service,
        role=Role.THERAPIST,
        starts_on=days_ago(10),
    )
    return therapist


def choose(framework_version: FrameworkVersion) -> str:
    return f"{START}?framework={framework_version.framework.slug}"


def profile_of(therapist, framework_version: FrameworkVersion) -> str:
    return f"{profile_url(therapist)}?framework={framework_version.framework.slug}"


def start(client, framework_version: FrameworkVersion) -> SelfAssessment:
    """Press "Start now" (or "Continue") on the framework's start page."""
    response = client.post(START, {"framework": framework_version.framework.slug})
    assert response.status_code == 302
    return SelfAssessment.objects.get(pk=resolve(response.url).kwargs["pk"])


def backdate(assessment: SelfAssessment, days: int) -> None:
    SelfAssessment.objects.filter(pk=assessment.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days)
    )


# Which framework a service uses


def test_new_service_uses_the_default_framework(published_version):
    assert factories.ServiceFactory().framework == published_version.framework


def test_service_set_up_before_the_default_framework_gets_it_when_it_is_imported(
    db, framework_yaml
):
    service = factories.ServiceFactory()
    assert service.framework is None

    version = import_framework(parse_yaml(framework_yaml))

    service.refresh_from_db()
    assert service.framework == version.framework


def test_service_on_another_framework_keeps_it_when_the_default_is_imported(
    framework_b, framework_yaml
):
    service = factories.ServiceFactory(framework=framework_b.framework)

    import_framework(parse_yaml(framework_yaml))

    service.refresh_from_db()
    assert service.framework == framework_b.framework


# A service on a framework other than the shipped one


@pytest.fixture
def on_b(published_version, service, framework_b):
    """The shipped framework is loaded, but the therapist's service uses framework B."""
    service.framework = framework_b.framework
    service.save()
    return service


def test_therapist_whose_service_uses_another_framework_is_offered_its_sections(
    sign_in, therapist, on_b
):
    response = sign_in(therapist).get(START)

    assertContains(response, "<li>Section 1 of beta-care</li>", html=True)
    assertNotContains(response, "Capability")


def test_start_page_names_the_framework_of_the_therapists_service(sign_in, therapist, on_b):
    response = sign_in(therapist).get(START)

    assertContains(response, "Beta care")


def test_assessment_started_on_another_framework_records_that_framework(
    sign_in, therapist, on_b, framework_b
):
    assessment = start(sign_in(therapist), framework_b)

    assert (assessment.framework, assessment.version) == (framework_b.framework, framework_b)


def test_assessment_started_on_another_framework_records_the_service(
    sign_in, therapist, on_b, framework_b
):
    assessment = start(sign_in(therapist), framework_b)

    assert assessment.service == on_b


def test_assessment_submitted_on_another_framework_records_the_team(
    sign_in, therapist, team, on_b, framework_b
):
    client = sign_in(therapist)
    start(client, framework_b)
    assessment = factories.filled_assessment(therapist, framework_b, submit=False)

    response = client.post(review_url(assessment))

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.is_submitted, assessment.framework, assessment.service, assessment.team) == (
        True,
        framework_b.framework,
        on_b,
        team,
    )


# A therapist in two services on different frameworks


def test_therapist_in_services_on_two_frameworks_is_asked_which_to_assess(sign_in, in_two_services):
    response = sign_in(in_two_services).get(START)

    assertTemplateUsed(response, "assessments/questionnaire_choose.html")
    assertContains(response, f'<a href="{START}?framework=alpha-care">Alpha care</a>', html=True)
    assertContains(response, f'<a href="{START}?framework=beta-care">Beta care</a>', html=True)


def test_therapist_in_services_on_two_frameworks_sees_the_chosen_frameworks_sections(
    sign_in, in_two_services, framework_b
):
    response = sign_in(in_two_services).get(choose(framework_b))

    assertContains(response, "<li>Section 1 of beta-care</li>", html=True)
    assertNotContains(response, "Section 1 of alpha-care")


def test_therapist_in_services_on_two_frameworks_can_have_one_in_progress_on_each(
    sign_in, in_two_services, framework_a, framework_b
):
    client = sign_in(in_two_services)

    on_a = start(client, framework_a)
    on_b = start(client, framework_b)

    open_ones = in_two_services.self_assessments.in_progress()
    assert sorted(open_ones.values_list("pk", flat=True)) == sorted([on_a.pk, on_b.pk])
    assert (on_a.framework, on_b.framework) == (framework_a.framework, framework_b.framework)


def test_starting_the_same_framework_again_continues_its_open_assessment(
    sign_in, in_two_services, framework_a, framework_b
):
    client = sign_in(in_two_services)
    first = start(client, framework_a)
    start(client, framework_b)

    assert start(client, framework_a) == first


def test_first_assessment_on_a_second_framework_is_its_baseline(
    sign_in, in_two_services, framework_a, framework_b
):
    factories.filled_assessment(in_two_services, framework_a)

    assessment = start(sign_in(in_two_services), framework_b)

    assert (assessment.cycle, assessment.cycle_label) == (0, "Baseline")


def test_start_page_of_a_second_framework_says_its_baseline_is_due(
    sign_in, in_two_services, framework_a, framework_b
):
    backdate(factories.filled_assessment(in_two_services, framework_a), days=200)
    factories.filled_assessment(in_two_services, framework_a)

    response = sign_in(in_two_services).get(choose(framework_b))

    assertContains(response, "Status: <strong>Baseline due</strong>", html=True)


def test_assessment_on_the_first_framework_counts_for_the_team_in_its_service(
    sign_in, in_two_services, team, framework_a
):
    client = sign_in(in_two_services)
    assessment = start(client, framework_a)
    factories.filled_assessment(in_two_services, framework_a, submit=False)

    client.post(review_url(assessment))

    assessment.refresh_from_db()
    assert (assessment.is_submitted, assessment.team) == (True, team)


def test_each_framework_is_due_at_the_interval_of_the_service_using_it(
    sign_in, in_two_services, on_a, framework_a
):
    on_a.reassessment_interval_months = 6
    on_a.save()
    factories.filled_assessment(in_two_services, framework_a)

    response = sign_in(in_two_services).get(choose(framework_a))

    due_on = add_months(timezone.localdate(), 6)
    assertContains(response, f"Your next reassessment is due on {due_on:%-d %B %Y}.")


def test_each_framework_counts_its_own_reassessments(
    sign_in, in_two_services, framework_a, framework_b
):
    backdate(factories.filled_assessment(in_two_services, framework_a), days=200)
    backdate(factories.filled_assessment(in_two_services, framework_b), days=150)

    assessment = start(sign_in(in_two_services), framework_a)

    assert (assessment.cycle, assessment.cycle_label) == (1, "Reassessment 1")


# What the database refuses


def test_database_refuses_two_assessments_in_progress_on_one_framework(therapist, framework_a):
    factories.SelfAssessmentFactory(therapist=therapist, version=framework_a, cycle=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SelfAssessmentFactory(therapist=therapist, version=framework_a, cycle=1)


def test_database_refuses_two_assessments_of_one_cycle_on_one_framework(therapist, framework_a):
    factories.submitted_assessment(therapist, framework_a, {}, cycle=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.submitted_assessment(therapist, framework_a, {}, cycle=0)


def test_database_allows_one_cycle_on_each_of_two_frameworks(therapist, framework_a, framework_b):
    factories.submitted_assessment(therapist, framework_a, {}, cycle=0)
    factories.submitted_assessment(therapist, framework_b, {}, cycle=0)

    assert sorted(therapist.self_assessments.values_list("cycle", flat=True)) == [0, 0]


def test_assessment_naming_a_framework_other_than_its_versions_is_refused(
    therapist, framework_a, framework_b
):
    with pytest.raises(ValidationError, match="another framework"):
        SelfAssessment.objects.create(
            therapist=therapist, framework=framework_a.framework, version=framework_b, cycle=0
        )
    assert not therapist.self_assessments.exists()


def test_assessment_moved_onto_another_frameworks_version_is_refused(
    therapist, framework_a, framework_b
):
    assessment = factories.SelfAssessmentFactory(therapist=therapist, version=framework_a)
    assessment.version = framework_b

    with pytest.raises(ValidationError, match="another framework"):
        assessment.save()
    assessment.refresh_from_db()
    assert assessment.version == framework_a


# A service that changes its framework while an assessment is in progress


@pytest.fixture
def moved_to_b(sign_in, therapist, on_a, framework_a, framework_b):
    """The therapist started on A; then their service moved to framework B. Returns the
    assessment in progress on A."""
    assessment = start(sign_in(therapist), framework_a)
    on_a.framework = framework_b.framework
    on_a.save()
    return assessment


def test_after_the_service_changes_framework_my_training_offers_to_continue_the_open_one(
    client, moved_to_b
):
    response = client.get("/my-training/")

    assertContains(response, f'href="{START}?framework=alpha-care">Continue your self-assessment')


def test_after_the_service_changes_framework_the_start_page_lists_the_open_ones_sections(
    client, moved_to_b, framework_a
):
    response = client.get(choose(framework_a))

    assertContains(response, "<li>Section 1 of alpha-care</li>", html=True)
    assertNotContains(response, "Section 1 of beta-care")
    assertContains(response, "Continue where you stopped")


def test_after_the_service_changes_framework_continuing_resumes_the_open_assessment(
    client, therapist, moved_to_b, framework_a
):
    assert start(client, framework_a) == moved_to_b
    assert therapist.self_assessments.count() == 1


def test_open_assessment_finishes_on_its_own_version_after_the_service_changes_framework(
    client, therapist, moved_to_b, framework_a
):
    factories.filled_assessment(therapist, framework_a, submit=False)

    response = client.post(review_url(moved_to_b))

    assert response.status_code == 302
    moved_to_b.refresh_from_db()
    assert (moved_to_b.is_submitted, moved_to_b.version) == (True, framework_a)


def test_after_finishing_the_old_framework_the_start_page_offers_the_new_ones_baseline(
    client, therapist, moved_to_b, framework_a
):
    factories.filled_assessment(therapist, framework_a)

    response = client.get(START)

    assertContains(response, "<li>Section 1 of beta-care</li>", html=True)
    assertContains(response, "Status: <strong>Baseline due</strong>", html=True)


def test_after_finishing_the_old_framework_the_next_start_is_the_new_ones_baseline(
    client, therapist, moved_to_b, framework_a, framework_b
):
    factories.filled_assessment(therapist, framework_a)

    assessment = start(client, framework_b)

    assert (assessment.version, assessment.cycle) == (framework_b, 0)


def test_profiles_continue_link_opens_the_open_assessment_after_the_service_changes_framework(
    sign_in, therapist, on_a, framework_a, framework_b
):
    backdate(factories.filled_assessment(therapist, framework_a), days=200)
    client = sign_in(therapist)
    start(client, framework_a)
    on_a.framework = framework_b.framework
    on_a.save()
    profile = client.get(profile_url(therapist)).content.decode()
    link = re.search(r'<a href="([^"]*)">Continue your self-assessment</a>', profile)
    assert link is not None

    response = client.get(link.group(1).replace("&amp;", "&"))

    assertTemplateUsed(response, "assessments/questionnaire_start.html")
    assertContains(response, "<li>Section 1 of alpha-care</li>", html=True)


# The start page refuses frameworks that are not the therapist's


def test_start_page_of_an_unknown_framework_is_not_found(sign_in, therapist, on_a):
    assert sign_in(therapist).get(f"{START}?framework=no-such-framework").status_code == 404


def test_start_page_of_another_services_framework_is_not_found(
    sign_in, therapist, on_a, framework_b
):
    assert sign_in(therapist).get(choose(framework_b)).status_code == 404


def test_starting_on_another_services_framework_is_not_found(sign_in, therapist, on_a, framework_b):
    client = sign_in(therapist)

    response = client.post(START, {"framework": framework_b.framework.slug})

    assert response.status_code == 404
    assert not therapist.self_assessments.exists()


# My training and the framework pages


def test_my_training_shows_one_card_per_framework(sign_in, in_two_services):
    response = sign_in(in_two_services).get("/my-training/")

    titles = re.findall(r'<h2 class="h4 card-title">([^<]*)</h2>', response.content.decode())
    assert titles == ["Beta care", "Alpha care"]


def test_framework_page_shows_the_framework_of_the_viewers_service(
    sign_in, therapist, on_b, framework_b
):
    response = sign_in(therapist).get("/framework/")

    assertContains(response, '<h1 class="h2">Beta care</h1>', html=True)


def test_framework_page_of_a_named_framework_shows_that_framework(
    sign_in, therapist, on_b, published_version
):
    slug = published_version.framework.slug

    response = sign_in(therapist).get(reverse("assessments:framework_current", args=[slug]))

    assertContains(response, f'<h1 class="h2">{published_version.framework.name}</h1>', html=True)


# The supervisor's list


def test_supervisee_list_shows_the_status_on_the_supervisees_current_framework(
    sign_in, in_two_services, on_a, framework_a
):
    factories.filled_assessment(in_two_services, framework_a)
    supervisor = factories.supervisor(service=on_a)
    factories.SupervisionFactory(supervisor=supervisor, supervisee=in_two_services)

    response = sign_in(supervisor).get("/supervision/")

    assertContains(response, "Baseline due")
    assertNotContains(response, "Complete")


# The profile: one framework at a time


@pytest.fixture
def history_in_two(in_two_services, framework_a, framework_b):
    """Two assessments on A (rated 2, then 3) and, between them, one on B (rated 5); the items
    of A and B share keys, so only the framework tells them apart."""
    backdate(factories.filled_assessment(in_two_services, framework_a, 2), days=200)
    backdate(factories.filled_assessment(in_two_services, framework_b, 5), days=150)
    factories.filled_assessment(in_two_services, framework_a, 3)
    return in_two_services


def changes_shown(response) -> list:
    """Every "since previous" and "since baseline" figure in the profile's tables."""
    profile = response.context["profile"]
    rows = profile.rows + profile.subcomponent_rows
    return [
        change.difference
        for row in rows
        for change in (row.since_previous, row.since_baseline)
        if change is not None and change.difference is not None
    ]


def history_rows(response) -> list[str]:
    return re.findall(r"(Baseline|Reassessment \d+)<span", response.content.decode())


def test_profile_of_a_framework_with_one_assessment_shows_no_change_from_another_framework(
    sign_in, history_in_two, framework_b
):
    response = sign_in(history_in_two).get(profile_of(history_in_two, framework_b))

    assert changes_shown(response) == []
    assertNotContains(response, "▲")
    assertNotContains(response, "▼")


def test_profile_of_a_framework_compares_only_its_own_assessments(
    sign_in, history_in_two, framework_a
):
    response = sign_in(history_in_two).get(profile_of(history_in_two, framework_a))

    assert changes_shown(response) == [1.0, 1.0]
    assertContains(response, '<span class="change-up">▲ +1.00</span>', html=True)


def test_profile_history_of_a_framework_lists_only_its_own_assessments(
    sign_in, history_in_two, framework_b
):
    response = sign_in(history_in_two).get(profile_of(history_in_two, framework_b))

    assert history_rows(response) == ["Baseline"]


def test_profile_history_of_the_other_framework_lists_only_its_own_assessments(
    sign_in, history_in_two, framework_a
):
    response = sign_in(history_in_two).get(profile_of(history_in_two, framework_a))

    assert history_rows(response) == ["Baseline", "Reassessment 1"]


def test_profile_of_one_framework_links_to_the_profile_of_the_other(
    sign_in, history_in_two, framework_a, framework_b
):
    response = sign_in(history_in_two).get(profile_of(history_in_two, framework_b))

    nav = re.search(r'<nav aria-label="Frameworks".*?</nav>', response.content.decode(), re.S)
    assert nav is not None
    assert f'<a href="{profile_of(history_in_two, framework_a)}">Alpha care</a>' in nav.group(0)
    assert '<strong aria-current="page">Beta care</strong>' in nav.group(0)


def test_profile_of_the_other_framework_links_back(sign_in, history_in_two, framework_a):
    response = sign_in(history_in_two).get(profile_of(history_in_two, framework_a))

    assertContains(response, '<strong aria-current="page">Alpha care</strong>', html=True)
    assertContains(response, f'href="{profile_url(history_in_two)}?framework=beta-care"')


@pytest.mark.parametrize("shown", ["framework_a", "framework_b"])
def test_profile_chart_of_each_framework_shows_its_latest_assessment(
    request, sign_in, history_in_two, shown
):
    version = request.getfixturevalue(shown)
    latest = history_in_two.self_assessments.filter(framework=version.framework).latest("cycle")
    client = sign_in(history_in_two)

    chart_url = client.get(profile_of(history_in_two, version)).context["chart_url"]
    chart = client.get(chart_url)

    assert f"assessment={latest.pk}&" in chart_url
    assert (chart.status_code, chart["Content-Type"]) == (200, "image/svg+xml")


def test_profile_of_a_framework_the_therapist_never_used_is_not_found(
    sign_in, therapist, on_a, framework_b
):
    assert sign_in(therapist).get(profile_of(therapist, framework_b)).status_code == 404


# Query counts do not grow with frameworks or assessments


def in_services_on(therapist, count: int) -> None:
    """`count` more services, each on its own framework of three sections, with the therapist
    in a team of each and a submitted baseline on each framework."""
    for number in range(count):
        version = small_framework(f"extra-{number}", f"Extra {number}", sections=3)
        team = factories.TeamFactory(service=factories.ServiceFactory(framework=version.framework))
        factories.MembershipFactory(
            user=therapist, team=team, service=team.service, role=Role.THERAPIST
        )
        factories.filled_assessment(therapist, version)


def reassessments_on(therapist, version: FrameworkVersion, count: int) -> None:
    for days in range(count, 0, -1):
        backdate(factories.filled_assessment(therapist, version), days=100 * days)


# Measured with the therapist in two services on two frameworks, one assessment each; the
# second case has six frameworks and four reassessments on the one shown.
START_PAGE_QUERIES = 8
CHOICE_PAGE_QUERIES = 6
PROFILE_PAGE_QUERIES = 10
MY_TRAINING_QUERIES = 12


@pytest.mark.parametrize(("frameworks", "cycles"), [(1, 1), (5, 4)])
def test_start_page_queries(
    sign_in, therapist, on_a, framework_a, frameworks, cycles, django_assert_max_num_queries
):
    in_services_on(therapist, frameworks)
    reassessments_on(therapist, framework_a, cycles)
    client = sign_in(therapist)

    with django_assert_max_num_queries(START_PAGE_QUERIES):
        assert client.get(choose(framework_a)).status_code == 200


@pytest.mark.parametrize(("frameworks", "cycles"), [(1, 1), (5, 4)])
def test_choice_page_queries(
    sign_in, therapist, on_a, framework_a, frameworks, cycles, django_assert_max_num_queries
):
    in_services_on(therapist, frameworks)
    reassessments_on(therapist, framework_a, cycles)
    client = sign_in(therapist)

    with django_assert_max_num_queries(CHOICE_PAGE_QUERIES):
        response = client.get(START)
    assertTemplateUsed(response, "assessments/questionnaire_choose.html")


@pytest.mark.parametrize(("frameworks", "cycles"), [(1, 1), (5, 4)])
def test_profile_page_queries(
    sign_in, therapist, on_a, framework_a, frameworks, cycles, django_assert_max_num_queries
):
    in_services_on(therapist, frameworks)
    reassessments_on(therapist, framework_a, cycles)
    client = sign_in(therapist)

    with django_assert_max_num_queries(PROFILE_PAGE_QUERIES):
        assert client.get(profile_of(therapist, framework_a)).status_code == 200


@pytest.mark.parametrize(("frameworks", "cycles"), [(1, 1), (5, 4)])
def test_my_training_queries(
    sign_in, therapist, on_a, framework_a, frameworks, cycles, django_assert_max_num_queries
):
    in_services_on(therapist, frameworks)
    reassessments_on(therapist, framework_a, cycles)
    client = sign_in(therapist)

    with django_assert_max_num_queries(MY_TRAINING_QUERIES):
        assert client.get("/my-training/").status_code == 200
