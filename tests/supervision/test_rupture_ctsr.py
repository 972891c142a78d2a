"""The entry form's optional rupture-and-repair record and CTS-R rating (issue 17): shown only
when the supervisee's service has the feature on, saved with the entry in one transaction, an
empty section saving nothing, a partial one refused with the markers asked for, a stale page
writing nothing, a switched-off feature never written whatever is posted; and both shown on
the entry's page to its supervisee and its supervisor."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import Role
from supervision import services
from supervision.features import Features, features_for
from supervision.models import CtsrRating, RuptureRecord, SupervisionSession
from tests import factories

pytestmark = pytest.mark.django_db

NEW = reverse("supervision:session_new")
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def edit_url(entry) -> str:
    return reverse("supervision:session_edit", args=[entry.pk])


def detail_url(entry) -> str:
    return reverse("supervision:session_detail", args=[entry.pk])


def entry_post(supervisor, **extra) -> dict:
    post = {
        "held_on": YESTERDAY.isoformat(),
        "duration_minutes": "60",
        "format": "individual",
        "delivery": "remote",
        "supervisor": str(supervisor.pk),
        "reflection": "Practised noticing ruptures.",
    }
    return post | extra


def rupture_post(**fields) -> dict:
    empty = {
        "markers": "",
        "exploration": "",
        "validation": "",
        "repair": "",
        "prevention_plan": "",
        "collaboration_across_teams": "",
        "social_network_involvement": "",
    }
    return {f"rupture-{name}": value for name, value in (empty | fields).items()}


def ctsr_post(**scores) -> dict:
    names = ["recording_on", *(name for name, _title in services.CTSR_ITEMS)]
    return {f"ctsr-{name}": str(scores.get(name, "")) for name in names}


def switch_off(service, *names: str) -> None:
    for name in names:
        setattr(service, name, False)
    service.save()


@pytest.fixture
def draft(therapist, supervisor):
    return services.record_session(
        therapist,
        supervisor=supervisor,
        held_on=YESTERDAY,
        duration_minutes=60,
        format="individual",
        delivery="remote",
    )


# Which services have the features


def test_features_are_on_for_a_therapist_of_a_service_that_has_them(therapist):
    assert features_for(therapist) == Features(rupture_records=True, ctsr_ratings=True)


def test_a_feature_switched_off_by_the_service_is_off(therapist, service):
    switch_off(service, "ctsr_ratings_enabled")
    assert features_for(therapist) == Features(rupture_records=True, ctsr_ratings=False)


def test_a_feature_is_on_when_any_of_the_therapists_services_has_it(therapist, service):
    switch_off(service, "rupture_records_enabled")
    factories.MembershipFactory(user=therapist, role=Role.THERAPIST)  # another service, all on
    assert features_for(therapist).rupture_records


def test_someone_with_no_therapist_membership_gets_no_features(supervisor):
    assert features_for(supervisor) == Features(rupture_records=False, ctsr_ratings=False)


def test_an_ended_membership_does_not_give_features(service, team):
    person = factories.UserFactory()
    factories.MembershipFactory(
        user=person, team=team, starts_on=YESTERDAY - datetime.timedelta(days=30), ends_on=YESTERDAY
    )
    assert features_for(person) == Features(rupture_records=False, ctsr_ratings=False)


def test_features_are_read_in_one_query(therapist, django_assert_num_queries):
    factories.MembershipFactory(user=therapist, role=Role.THERAPIST)
    with django_assert_num_queries(1):
        features_for(therapist)


# The form


def test_entry_form_offers_both_sections_when_the_service_has_them(sign_in, therapist):
    response = sign_in(therapist).get(NEW)
    assertContains(response, "Rupture and repair (optional)")
    assertContains(response, 'name="rupture-markers"')
    assertContains(response, "CTS-R rating of a recorded session (optional)")
    assertContains(response, "Agenda setting and adherence")
    assertContains(response, "Homework setting")
    assertContains(response, "Not rated")


def test_entry_form_hides_the_sections_a_service_switched_off(sign_in, therapist, service):
    switch_off(service, "rupture_records_enabled", "ctsr_ratings_enabled")
    response = sign_in(therapist).get(NEW)
    assertNotContains(response, 'name="rupture-markers"')
    assertNotContains(response, 'name="ctsr-agenda"')


def test_new_entry_saves_a_rupture_record(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | rupture_post(
        markers="Client went quiet after homework review.", repair="partly"
    )
    response = sign_in(therapist).post(NEW, post)
    assert response.status_code == 302
    record = RuptureRecord.objects.get()
    assert (record.entry.supervisee, record.markers, record.repair) == (
        therapist,
        "Client went quiet after homework review.",
        "partly",
    )
    assert record.history.get().history_user == therapist


def test_rupture_section_left_empty_saves_no_record(sign_in, therapist, supervisor):
    response = sign_in(therapist).post(NEW, entry_post(supervisor) | rupture_post())
    assert response.status_code == 302
    assert SupervisionSession.objects.count() == 1
    assert not RuptureRecord.objects.exists()


def test_rupture_without_markers_asks_for_them_and_keeps_what_was_typed(
    sign_in, therapist, supervisor
):
    post = entry_post(supervisor) | rupture_post(prevention_plan="Check in at each session.")
    response = sign_in(therapist).post(NEW, post)
    assertContains(response, "Say what signalled the rupture")
    assertContains(response, "Check in at each session.")
    assertContains(response, "Practised noticing ruptures.")
    assert not SupervisionSession.objects.exists()


def test_rupture_with_an_nhs_number_is_refused_beside_the_field(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | rupture_post(markers="Client 943 476 5919 went quiet")
    response = sign_in(therapist).post(NEW, post)
    assert "looks like an NHS number" in str(response.context["details"].rupture.errors["markers"])
    assert not RuptureRecord.objects.exists()


def test_rupture_posted_when_the_feature_is_off_is_ignored(sign_in, therapist, supervisor, service):
    switch_off(service, "rupture_records_enabled")
    post = entry_post(supervisor) | rupture_post(markers="Went quiet.")
    response = sign_in(therapist).post(NEW, post)
    assert response.status_code == 302
    assert SupervisionSession.objects.count() == 1
    assert not RuptureRecord.objects.exists()


def test_ctsr_posted_when_the_feature_is_off_is_ignored_on_an_edit(
    sign_in, therapist, supervisor, service, draft
):
    switch_off(service, "ctsr_ratings_enabled")
    post = entry_post(supervisor, revision=draft.revision) | ctsr_post(agenda=5)
    sign_in(therapist).post(edit_url(draft), post)
    assert not CtsrRating.objects.exists()


def test_service_refuses_a_rupture_record_when_the_feature_is_off(therapist, service, draft):
    switch_off(service, "rupture_records_enabled")
    with pytest.raises(ValidationError):
        services.save_rupture(draft, by=therapist, revision=draft.revision, data={"markers": "x"})
    assert not RuptureRecord.objects.exists()


def test_edit_changes_an_existing_rupture_record(sign_in, therapist, supervisor, draft):
    services.save_rupture(draft, by=therapist, revision=draft.revision, data={"markers": "Quiet"})
    draft.refresh_from_db()
    client = sign_in(therapist)
    page = client.get(edit_url(draft))
    assertContains(page, "Quiet")
    post = entry_post(supervisor, revision=draft.revision) | rupture_post(
        markers="Quiet, then angry", repair="repaired"
    )
    client.post(edit_url(draft), post)
    record = RuptureRecord.objects.get()
    assert (record.markers, record.repair) == ("Quiet, then angry", "repaired")


def test_emptying_the_rupture_section_removes_the_record(sign_in, therapist, supervisor, draft):
    services.save_rupture(draft, by=therapist, revision=draft.revision, data={"markers": "Quiet"})
    draft.refresh_from_db()
    post = entry_post(supervisor, revision=draft.revision) | rupture_post()
    sign_in(therapist).post(edit_url(draft), post)
    assert not RuptureRecord.objects.exists()


def test_a_post_without_the_rupture_section_keeps_the_record(sign_in, therapist, supervisor, draft):
    services.save_rupture(draft, by=therapist, revision=draft.revision, data={"markers": "Quiet"})
    draft.refresh_from_db()
    sign_in(therapist).post(edit_url(draft), entry_post(supervisor, revision=draft.revision))
    assert RuptureRecord.objects.get().markers == "Quiet"


def test_rupture_from_a_stale_page_is_a_conflict_that_writes_nothing(
    sign_in, therapist, supervisor, draft
):
    stale = draft.revision
    services.update_session(draft, by=therapist, revision=stale, duration_minutes=90)
    post = entry_post(supervisor, revision=stale, duration_minutes="90") | rupture_post(
        markers="Went quiet."
    )
    response = sign_in(therapist).post(edit_url(draft), post)
    assert response.status_code == 409
    assertContains(response, "Went quiet.", status_code=409)
    assert not RuptureRecord.objects.exists()


def test_saving_a_rupture_makes_a_new_revision_of_the_entry(therapist, draft):
    before = draft.revision
    assert services.save_rupture(draft, by=therapist, revision=before, data={"markers": "Quiet"})
    draft.refresh_from_db()
    assert draft.revision == before + 1


def test_saving_the_same_rupture_again_changes_nothing(therapist, draft):
    services.save_rupture(draft, by=therapist, revision=draft.revision, data={"markers": "Quiet"})
    draft.refresh_from_db()
    assert not services.save_rupture(draft, by=therapist, revision=0, data={"markers": "Quiet"})


def test_new_entry_saves_ctsr_scores_and_leaves_unrated_items_empty(sign_in, therapist, supervisor):
    post = entry_post(supervisor) | ctsr_post(
        recording_on=(YESTERDAY - datetime.timedelta(days=3)).isoformat(), agenda=4, homework=0
    )
    response = sign_in(therapist).post(NEW, post)
    assert response.status_code == 302
    rating = CtsrRating.objects.get()
    assert (rating.agenda, rating.homework, rating.feedback) == (4, 0, None)
    assert (rating.rated, rating.total) == (2, 4)
    assert rating.history.get().history_user == therapist


def test_ctsr_section_left_empty_saves_no_rating(sign_in, therapist, supervisor):
    sign_in(therapist).post(NEW, entry_post(supervisor) | ctsr_post())
    assert SupervisionSession.objects.count() == 1
    assert not CtsrRating.objects.exists()


def test_ctsr_score_above_six_is_refused_and_the_form_kept(sign_in, therapist, supervisor):
    response = sign_in(therapist).post(NEW, entry_post(supervisor) | ctsr_post(agenda=7))
    assert response.status_code == 200
    assert "agenda" in response.context["details"].ctsr.errors
    assert not SupervisionSession.objects.exists()


def test_service_refuses_a_ctsr_score_outside_the_scale(therapist, draft):
    with pytest.raises(ValidationError):
        services.save_ctsr(draft, by=therapist, revision=draft.revision, scores={"agenda": 9})
    assert not CtsrRating.objects.exists()


def test_ctsr_cannot_be_changed_once_the_entry_is_submitted(therapist, draft):
    services.submit(draft, by=therapist, revision=draft.revision)
    with pytest.raises(services.WrongState):
        services.save_ctsr(draft, by=therapist, revision=draft.revision, scores={"agenda": 3})


# The entry's page


@pytest.fixture
def submitted_with_records(therapist, draft):
    services.save_rupture(
        draft,
        by=therapist,
        revision=draft.revision,
        data={"markers": "Client missed two sessions.", "repair": "repaired"},
    )
    services.save_ctsr(
        draft, by=therapist, revision=draft.revision, scores={"agenda": 5, "feedback": 3}
    )
    services.submit(draft, by=therapist, revision=draft.revision)
    return draft


def test_supervisee_sees_the_rupture_record_and_ctsr_scores(
    sign_in, therapist, submitted_with_records
):
    response = sign_in(therapist).get(detail_url(submitted_with_records))
    assertContains(response, "Client missed two sessions.")
    assertContains(response, "Repaired")
    assertContains(response, "<caption>CTS-R scores by item, 0 to 6</caption>", html=True)
    assertContains(response, "8 out of 12")


def test_supervisor_sees_the_rupture_record_and_ctsr_scores(
    sign_in, supervisor, submitted_with_records
):
    response = sign_in(supervisor).get(detail_url(submitted_with_records))
    assertContains(response, "Client missed two sessions.")
    assertContains(
        response, '<tr><th scope="row">Agenda setting and adherence</th><td>5</td></tr>', html=True
    )
    assertContains(
        response, '<tr><th scope="row">Homework setting</th><td>Not rated</td></tr>', html=True
    )


def test_entry_without_records_shows_neither_section(sign_in, therapist, draft):
    response = sign_in(therapist).get(detail_url(draft))
    assertNotContains(response, "Rupture and repair")
    assertNotContains(response, "CTS-R rating")


# The switches


def test_administrator_sees_the_two_switches_on_a_service(client, admin_user, service):
    client.force_login(admin_user)
    response = client.get(reverse("admin:accounts_service_change", args=[service.pk]))
    assertContains(response, "Supervision log features")
    assertContains(response, 'name="rupture_records_enabled"')
    assertContains(response, 'name="ctsr_ratings_enabled"')


def test_administrator_switches_a_feature_off_and_the_form_drops_it(
    client, admin_user, service, therapist
):
    client.force_login(admin_user)
    post = {
        "name": service.name,
        "slug": service.slug,
        "reassessment_interval_months": "3",
        "framework": "",
        "rupture_records_enabled": "on",
        "teams-TOTAL_FORMS": "0",
        "teams-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:accounts_service_change", args=[service.pk]), post)
    assert response.status_code == 302
    assert features_for(therapist) == Features(rupture_records=True, ctsr_ratings=False)
