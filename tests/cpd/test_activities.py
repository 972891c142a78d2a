"""The CPD activities pages: the year's list and totals against BABCP's expectation, adding
and changing an activity (owner only), a repeat that adds one, and bad input coming back."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cpd import services
from cpd.models import ActivityType, CpdActivity, CpdEvidence, CpdGoal
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("cpd:activities")
NEW = reverse("cpd:activity_new")
NHS_NUMBER = "943 476 5919"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "token": str(uuid.uuid4()),
        "type": ActivityType.WORKSHOP,
        "title": "Imagery rescripting workshop",
        "done_on": timezone.localdate().isoformat(),
        "hours": "6",
        "provider": "BABCP",
        "learned": "How to rescript an intrusive image.",
        "application": "With two clients with PTSD this month.",
        "impact": "",
    }
    return data | changes


def make_activity(therapist, **fields: object) -> CpdActivity:
    plan = services.current_plan(therapist)
    values: dict[str, object] = {
        "type": ActivityType.READING,
        "title": "Reading",
        "done_on": timezone.localdate(),
        "hours": Decimal("1"),
        "learned": "Something.",
        "application": "Somewhere.",
    }
    return CpdActivity.objects.create(plan=plan, **(values | fields))


def test_a_new_activity_is_added_and_listed(sign_in, therapist):
    client = sign_in(therapist)
    response = client.post(NEW, form_data())
    assert response.status_code == 302
    page = client.get(LIST)
    assert "Imagery rescripting workshop" in page.content.decode()


def test_a_form_sent_twice_adds_one_activity(sign_in, therapist):
    client = sign_in(therapist)
    data = form_data()
    client.post(NEW, data)
    client.post(NEW, data)
    assert CpdActivity.objects.count() == 1


def test_an_activity_can_serve_goals_of_the_plan(sign_in, therapist):
    plan = services.current_plan(therapist)
    goal = CpdGoal.objects.create(
        plan=plan, title="Use imagery", measure="outcome", outcome="Done", target_on=plan.ends_on
    )
    sign_in(therapist).post(NEW, form_data(goals=[goal.pk]))
    assert list(CpdActivity.objects.get().goals.all()) == [goal]


def test_a_date_in_the_future_is_refused_beside_the_field(sign_in, therapist):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = sign_in(therapist).post(NEW, form_data(done_on=tomorrow.isoformat()))
    assert page.status_code == 200
    assert "cannot be in the future" in page.content.decode()
    assert not CpdActivity.objects.exists()


def test_a_date_before_this_cpd_year_is_refused(sign_in, therapist):
    plan = services.current_plan(therapist)
    before = plan.starts_on - datetime.timedelta(days=1)
    page = sign_in(therapist).post(NEW, form_data(done_on=before.isoformat()))
    assert "Give a date in this CPD year" in page.content.decode()
    assert not CpdActivity.objects.exists()


def test_bad_input_comes_back_with_what_was_typed(sign_in, therapist):
    page = sign_in(therapist).post(NEW, form_data(hours="0.1", title="My careful title"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Give at least 0.25 hours" in text
    assert "My careful title" in text


def test_a_file_chosen_with_bad_input_must_be_chosen_again(sign_in, therapist):
    upload = SimpleUploadedFile("certificate.pdf", PDF_BYTES)
    page = sign_in(therapist).post(NEW, form_data(hours="", evidence=upload))
    assert "choose it again" in page.content.decode()
    assert not CpdEvidence.objects.exists()


def test_an_nhs_number_in_a_reflection_is_refused_beside_the_field(sign_in, therapist):
    page = sign_in(therapist).post(NEW, form_data(learned=f"Client {NHS_NUMBER}"))
    assert 'id="id_learned_error"' in page.content.decode()
    assert not CpdActivity.objects.exists()


def test_changing_an_activity_keeps_fields_the_form_did_not_send(sign_in, therapist):
    activity = make_activity(therapist, provider="A library")
    url = reverse("cpd:activity_edit", args=[activity.pk])
    sign_in(therapist).post(
        url,
        {"title": "A better title", "goals_sent": "1"}
        | {name: getattr(activity, name) for name in ("type", "done_on", "hours")},
    )
    activity.refresh_from_db()
    assert activity.title == "A better title"
    assert activity.provider == "A library"
    assert activity.learned == "Something."


def test_another_therapist_cannot_open_an_activity(sign_in, therapist, team):
    activity = make_activity(therapist)
    other = factories.therapist(team=team)
    url = reverse("cpd:activity_edit", args=[activity.pk])
    assert sign_in(other).get(url).status_code == 404
    assert sign_in(other).post(url, form_data()).status_code == 404


def test_five_reflected_activities_with_a_workshop_meet_the_expectation(sign_in, therapist):
    make_activity(therapist, type=ActivityType.WORKSHOP)
    for _ in range(4):
        make_activity(therapist)
    text = sign_in(therapist).get(LIST).content.decode()
    assert "Met: 5 activities with a reflection" in text


def test_activities_without_a_reflection_do_not_count_toward_the_five(sign_in, therapist):
    make_activity(therapist, type=ActivityType.WORKSHOP)
    for _ in range(4):
        make_activity(therapist, learned="")
    text = sign_in(therapist).get(LIST).content.decode()
    assert "Not met yet." in text
    assert "1 of 5 activities have a reflection: 4 more needed" in text


def test_a_year_without_a_workshop_is_flagged(sign_in, therapist):
    for _ in range(5):
        make_activity(therapist)
    text = sign_in(therapist).get(LIST).content.decode()
    assert "No CBT-skills workshop or course yet this year." in text


def test_the_list_shows_hours_by_type(sign_in, therapist):
    make_activity(therapist, hours=Decimal("1.5"))
    make_activity(therapist, hours=Decimal("2"))
    text = sign_in(therapist).get(LIST).content.decode()
    assert '<th scope="row">Reading</th><td>2</td><td>2</td><td>3.50</td>' in text


def test_an_empty_year_says_so(sign_in, therapist):
    text = sign_in(therapist).get(LIST).content.decode()
    assert "No activities yet this CPD year." in text


def test_the_plan_page_links_to_the_activities(sign_in, therapist):
    assert LIST in sign_in(therapist).get(reverse("cpd:plan")).content.decode()


def _add_with_evidence(therapist, count: int) -> None:
    plan = services.current_plan(therapist)
    goal = CpdGoal.objects.create(
        plan=plan, title="Goal", measure="outcome", outcome="Done", target_on=plan.ends_on
    )
    for n in range(count):
        activity = make_activity(therapist, title=f"Activity {n}")
        activity.goals.add(goal)
        CpdEvidence.objects.create(
            activity=activity,
            file=f"cpd-evidence/x/{n}.pdf",
            original_name=f"{n}.pdf",
            content_type="application/pdf",
            size=10,
        )


@pytest.mark.parametrize("count", [1, 15])
def test_the_list_asks_the_same_queries_for_one_and_many(
    sign_in, therapist, count, django_assert_max_num_queries
):
    _add_with_evidence(therapist, count)
    client = sign_in(therapist)
    with django_assert_max_num_queries(11):
        response = client.get(LIST)
    assert f"Activity {count - 1}" in response.content.decode()


def test_unticking_every_goal_clears_the_activitys_goals(sign_in, therapist):
    plan = services.current_plan(therapist)
    goal = CpdGoal.objects.create(
        plan=plan, title="Use imagery", measure="outcome", outcome="Done", target_on=plan.ends_on
    )
    activity = make_activity(therapist)
    activity.goals.add(goal)
    url = reverse("cpd:activity_edit", args=[activity.pk])
    sign_in(therapist).post(
        url,
        {
            "goals_sent": "1",
            "type": activity.type,
            "title": "Reading",
            "done_on": activity.done_on.isoformat(),
            "hours": "1",
        },
    )
    assert not activity.goals.exists()


def test_the_edit_page_lists_the_evidence_with_a_delete_button(sign_in, therapist):
    activity = make_activity(therapist)
    item = CpdEvidence.objects.create(
        activity=activity,
        file="cpd-evidence/x/a.pdf",
        original_name="certificate.pdf",
        content_type="application/pdf",
        size=10,
    )
    text = sign_in(therapist).get(reverse("cpd:activity_edit", args=[activity.pk])).content.decode()
    assert reverse("cpd:evidence_download", args=[item.pk]) in text
    assert reverse("cpd:evidence_delete", args=[item.pk]) in text
