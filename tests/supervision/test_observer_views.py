"""The observer-rating pages: the supervisor's rating form (a chosen section or all target
behaviours, one rating per form however often it is sent, bad input shown again as typed), the
comparison of self and observer with the largest gaps flagged both ways, the therapist's own
view of it, who may open each page, and their query counts."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from accounts.models import AuditEvent, Role
from supervision import observer
from supervision.models import ObserverItemRating, ObserverRating
from tests import factories
from tests.supervision.test_observer import build_version, publish

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
MY_RATINGS = reverse("supervision:my_ratings")
VALID_NHS_NUMBER = "943 476 5919"


def new_url(person) -> str:
    return reverse("supervision:observer_new", args=[person.pk])


def compare_url(person) -> str:
    return reverse("supervision:observer_compare", args=[person.pk])


def posted(**fields):
    """A rating form as a browser sends it: the date, a fresh token, and `rating_<key>`s."""
    data = {"rated_on": TODAY().isoformat(), "note": "", "token": str(uuid.uuid4())}
    data.update(
        {name if name in data else f"rating_{name}": value for name, value in fields.items()}
    )
    return data


def rate(supervisor, supervisee, version, values, **kwargs):
    items = dict(version.items.values_list("key", "pk"))
    return observer.record_observer_rating(
        supervisor,
        supervisee,
        rated_on=kwargs.get("rated_on", TODAY()),
        values={items[key]: value for key, value in values.items()},
        note=kwargs.get("note", ""),
        token=uuid.uuid4(),
    )[0]


@pytest.fixture
def version(service):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    return build_version(framework)


# Who may open which page (for GET and POST)


@pytest.fixture
def former_supervisor(team, therapist):
    person = factories.supervisor(team=team)
    factories.SupervisionFactory(
        supervisor=person,
        supervisee=therapist,
        starts_on=TODAY() - datetime.timedelta(days=90),
        ends_on=TODAY() - datetime.timedelta(days=1),
    )
    return person


@pytest.fixture
def cast(therapist, supervisor, former_supervisor, team, lead, admin_user):
    """Everyone who might try a supervisee's pages."""
    return {
        "owner therapist": therapist,
        "current supervisor": supervisor,
        "former supervisor": former_supervisor,
        "other supervisor": factories.supervisor(team=team),
        "lead": lead,
        "staff": factories.UserFactory(is_staff=True),
        "admin": admin_user,
    }


SUPERVISEE_PAGE_STATUS = {
    "owner therapist": 404,
    "current supervisor": 200,
    "former supervisor": 404,
    "other supervisor": 404,
    "lead": 404,
    "staff": 404,
    "admin": 404,
}


@pytest.mark.parametrize("who", SUPERVISEE_PAGE_STATUS)
@pytest.mark.parametrize("url", [new_url, compare_url])
def test_only_a_current_supervisor_opens_a_supervisees_rating_pages(
    sign_in, cast, therapist, version, who, url
):
    response = sign_in(cast[who]).get(url(therapist))
    assert response.status_code == SUPERVISEE_PAGE_STATUS[who]


@pytest.mark.parametrize(
    "who", [w for w, status in SUPERVISEE_PAGE_STATUS.items() if status == 404]
)
def test_nobody_but_a_current_supervisor_can_post_a_rating(sign_in, cast, therapist, version, who):
    response = sign_in(cast[who]).post(new_url(therapist), posted(B1="4"))
    assert response.status_code == 404
    assert not ObserverRating.objects.exists()


def test_comparison_refuses_a_post(sign_in, supervisor, therapist, version):
    assert sign_in(supervisor).post(compare_url(therapist)).status_code == 405


@pytest.mark.parametrize("url", [new_url, compare_url])
def test_signed_out_visitor_is_sent_to_sign_in(client, therapist, url):
    response = client.get(url(therapist))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_signed_out_visitor_is_sent_to_sign_in_from_their_ratings(client):
    response = client.get(MY_RATINGS)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


MY_RATINGS_STATUS = {
    "owner therapist": 200,
    "current supervisor": 403,
    "former supervisor": 403,
    "other supervisor": 403,
    "lead": 403,
    "staff": 403,
    "admin": 403,
}


@pytest.mark.parametrize("who", MY_RATINGS_STATUS)
def test_only_therapists_open_their_own_ratings(sign_in, cast, version, who):
    assert sign_in(cast[who]).get(MY_RATINGS).status_code == MY_RATINGS_STATUS[who]


def test_their_ratings_page_refuses_a_post(sign_in, therapist):
    assert sign_in(therapist).post(MY_RATINGS).status_code == 405


# The rating form


def test_form_offers_the_target_behaviours_as_radio_groups(sign_in, supervisor, therapist, version):
    response = sign_in(supervisor).get(new_url(therapist))
    assertContains(response, '<fieldset class="rating-item mb-4" id="fieldset-B1"')
    assertContains(response, "I do B1</legend>")
    assertContains(response, 'name="rating_B1" value="not_observed"')
    assertContains(response, "Not observed")


def test_form_never_offers_private_or_collaboration_statements(
    sign_in, supervisor, therapist, version
):
    response = sign_in(supervisor).get(new_url(therapist))
    assertNotContains(response, "rating_S1")
    assertNotContains(response, "rating_CR1")


def test_form_shows_only_the_chosen_section(sign_in, supervisor, therapist, service):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    draft = factories.FrameworkVersionFactory(framework=framework)
    for key, title, item_key in (("structure", "Structure", "B1"), ("style", "Style", "ST1")):
        section = factories.FrameworkSectionFactory(version=draft, key=key, title=title)
        factories.FrameworkItemFactory(section=section, key=item_key)
    publish(draft)
    response = sign_in(supervisor).get(new_url(therapist), {"section": "style"})
    assertContains(response, "rating_ST1")
    assertNotContains(response, "rating_B1")
    assertContains(response, '<input type="hidden" name="section" value="style">')


def test_form_shows_every_section_for_an_unknown_section(sign_in, supervisor, therapist, version):
    response = sign_in(supervisor).get(new_url(therapist), {"section": "nonsense"})
    assertContains(response, "rating_B1")


def test_saving_records_the_rating_and_opens_the_comparison(
    sign_in, supervisor, therapist, version
):
    response = sign_in(supervisor).post(
        new_url(therapist), posted(B1="4", B2="not_observed", note="From a recording.")
    )
    assertRedirects(response, compare_url(therapist))
    rating = ObserverRating.objects.get()
    assert (rating.supervisor, rating.supervisee, rating.note) == (
        supervisor,
        therapist,
        "From a recording.",
    )
    assert dict(rating.items.values_list("item__key", "value")) == {"B1": 4, "B2": None}


def test_sending_the_form_twice_saves_one_rating(sign_in, supervisor, therapist, version):
    client = sign_in(supervisor)
    data = posted(B1="4")
    client.post(new_url(therapist), data)
    response = client.post(new_url(therapist), data, follow=True)
    assert ObserverRating.objects.count() == 1
    assertContains(response, "This rating was already saved")


def test_nothing_rated_is_refused_and_keeps_what_was_typed(sign_in, supervisor, therapist, version):
    response = sign_in(supervisor).post(
        new_url(therapist), posted(B1="not_observed", note="Only watched the start.")
    )
    assertContains(response, "Rate at least one statement from 1 to 5")
    assertContains(response, "Only watched the start.")
    assertContains(response, 'name="rating_B1" value="not_observed" class="form-check-input"')
    assertContains(
        response, 'value="not_observed" class="form-check-input" id="id_rating_B1_5" checked'
    )
    assert not ObserverRating.objects.exists()


def test_a_future_date_is_refused_beside_the_field(sign_in, supervisor, therapist, version):
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = sign_in(supervisor).post(new_url(therapist), posted(B1="4", rated_on=tomorrow))
    assertContains(response, 'id="id_rated_on_error">The rating date cannot be in the future.')
    assertContains(response, f'value="{tomorrow}"')
    assertContains(response, 'value="4" class="form-check-input" id="id_rating_B1_3" checked')
    assert not ObserverRating.objects.exists()


def test_a_note_with_an_nhs_number_is_refused_beside_the_field(
    sign_in, supervisor, therapist, version
):
    response = sign_in(supervisor).post(
        new_url(therapist), posted(B1="4", note=f"Client {VALID_NHS_NUMBER}")
    )
    assertContains(response, 'id="id_note_error">This looks like an NHS number.')
    assertContains(response, VALID_NHS_NUMBER)
    assert not ObserverRating.objects.exists()


def test_a_choice_off_the_scale_is_refused(sign_in, supervisor, therapist, version):
    response = sign_in(supervisor).post(new_url(therapist), posted(B1="9"))
    assertContains(response, "B1: Choose a rating from 1 to 5, or not observed.")
    assert not ObserverRating.objects.exists()


def test_a_form_without_its_token_saves_nothing_and_gets_a_new_one(
    sign_in, supervisor, therapist, version
):
    data = posted(B1="4")
    del data["token"]
    response = sign_in(supervisor).post(new_url(therapist), data)
    assertContains(response, "The form was missing its one-time code")
    assert response.context["token"]
    assert not ObserverRating.objects.exists()


def test_a_rating_for_a_private_statement_is_ignored(sign_in, supervisor, therapist, version):
    sign_in(supervisor).post(new_url(therapist), posted(B1="4", S1="1"))
    assert list(ObserverItemRating.objects.values_list("item__key", flat=True)) == ["B1"]


# The comparison


def test_comparison_flags_gaps_both_ways(sign_in, supervisor, therapist, version):
    factories.submitted_assessment(therapist, version, {"B1": 5, "B2": 1, "B3": 3})
    rate(supervisor, therapist, version, {"B1": 2, "B2": 4, "B3": 3})
    response = sign_in(supervisor).get(compare_url(therapist))
    assertContains(response, "Rates self higher than observed")
    assertContains(response, "Rates self lower than observed")
    gaps = [row.item.key for row in response.context["comparison"].largest_gaps]
    assert gaps == ["B1", "B2"]


def test_comparison_tables_have_captions_and_header_scopes(sign_in, supervisor, therapist, version):
    factories.submitted_assessment(therapist, version, {"B1": 5})
    rate(supervisor, therapist, version, {"B1": 2})
    response = sign_in(supervisor).get(compare_url(therapist))
    assertContains(response, "<caption>Session structure</caption>")
    assertContains(response, '<th scope="col">Gap</th>', count=2)
    assertContains(response, '<th scope="row" class="fw-normal">', count=4)


def test_comparison_says_so_when_nobody_has_rated_yet(sign_in, supervisor, therapist, version):
    response = sign_in(supervisor).get(compare_url(therapist))
    assertContains(response, "No observer ratings of")


def test_comparison_says_so_when_there_is_no_self_assessment(
    sign_in, supervisor, therapist, version
):
    rate(supervisor, therapist, version, {"B1": 2})
    response = sign_in(supervisor).get(compare_url(therapist))
    assertContains(response, "has not submitted a self-assessment yet")


def test_opening_a_supervisees_comparison_is_recorded(sign_in, supervisor, therapist, version):
    sign_in(supervisor).get(compare_url(therapist))
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action) == (
        supervisor,
        therapist,
        AuditEvent.Action.OPENED_ANSWERS,
    )


def test_therapist_sees_their_supervisors_rating_and_note(sign_in, supervisor, therapist, version):
    factories.submitted_assessment(therapist, version, {"B1": 2})
    rate(supervisor, therapist, version, {"B1": 4}, note="Strong agenda setting.")
    response = sign_in(therapist).get(MY_RATINGS)
    assertContains(response, "Strong agenda setting.")
    assertContains(response, "4 Agree")
    assertContains(response, "Rates self lower than observed")


def test_therapist_without_ratings_sees_an_empty_state(sign_in, therapist, version):
    response = sign_in(therapist).get(MY_RATINGS)
    assertContains(response, "Your supervisors have not rated your target behaviours yet.")


def test_supervisor_who_is_also_a_therapist_sees_only_ratings_of_themselves(
    sign_in, supervisor, therapist, team, version
):
    factories.MembershipFactory(
        user=supervisor, team=team, service=team.service, role=Role.THERAPIST
    )
    rate(supervisor, therapist, version, {"B1": 2}, note="About the supervisee.")
    response = sign_in(supervisor).get(MY_RATINGS)
    assertNotContains(response, "About the supervisee.")


# Query counts: the same for one statement as for many

# Measured on SQLite: the user, the supervisee, their framework, its current version, the
# latest self-assessment, the statements with both values, the ratings they come from, the
# access record, and the navigation's roles and review count.
COMPARE_PAGE_QUERIES = 10
# The user, the supervisee, their framework, its current version, the statements, and the
# navigation's roles and review count.
FORM_PAGE_QUERIES = 7


@pytest.mark.parametrize("statements", [1, 30])
def test_comparison_page_reads_in_a_fixed_number_of_queries(
    sign_in, supervisor, therapist, service, django_assert_max_num_queries, statements
):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    keys = [f"B{n}" for n in range(1, statements + 1)]
    version = build_version(framework, keys=keys)
    factories.submitted_assessment(therapist, version, dict.fromkeys(keys, 5))
    for days in range(3):
        rate(
            supervisor,
            therapist,
            version,
            dict.fromkeys(keys, 1),
            rated_on=TODAY() - datetime.timedelta(days),
        )
    client = sign_in(supervisor)
    with django_assert_max_num_queries(COMPARE_PAGE_QUERIES):
        response = client.get(compare_url(therapist))
    assert len(response.context["comparison"].largest_gaps) == statements


@pytest.mark.parametrize("statements", [1, 30])
def test_rating_form_reads_in_a_fixed_number_of_queries(
    sign_in, supervisor, therapist, service, django_assert_max_num_queries, statements
):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    build_version(framework, keys=[f"B{n}" for n in range(1, statements + 1)])
    client = sign_in(supervisor)
    with django_assert_max_num_queries(FORM_PAGE_QUERIES):
        response = client.get(new_url(therapist))
    assert len(response.context["form"].items) == statements


@pytest.mark.parametrize("statements", [1, 30])
def test_their_ratings_page_reads_in_a_fixed_number_of_queries(
    sign_in, supervisor, therapist, service, django_assert_max_num_queries, statements
):
    framework = factories.FrameworkFactory()
    service.framework = framework
    service.save()
    keys = [f"B{n}" for n in range(1, statements + 1)]
    version = build_version(framework, keys=keys)
    factories.submitted_assessment(therapist, version, dict.fromkeys(keys, 1))
    rate(supervisor, therapist, version, dict.fromkeys(keys, 5))
    client = sign_in(therapist)
    with django_assert_max_num_queries(MY_RATINGS_QUERIES):
        response = client.get(MY_RATINGS)
    assert len(response.context["comparison"].largest_gaps) == statements


# The user and their roles, their framework, its current version, the latest self-assessment,
# the statements with both values, the ratings they come from, and the navigation's count.
MY_RATINGS_QUERIES = 8
