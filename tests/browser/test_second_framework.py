"""A second service assesses its therapists against a framework from another field, imported
from a file written here (barriers only, no TDF, an empty section, targets written after the
import), while the first service keeps the shipped framework. Its therapist walks the whole
questionnaire in Chromium, leaving and resuming half-way, with axe on every page at desktop
and phone widths."""

import re

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import FrameworkVersion, SelfAssessment
from demo.people import DEMO_PASSWORD
from tests import factories
from tests.browser import journeys

pytestmark = pytest.mark.django_db(transaction=True)

HAND_HYGIENE = """\
format: 1
framework:
  slug: hand-hygiene-wards
  name: "Hand hygiene on hospital wards"
  description: "A COM-B analysis of what stops ward staff cleaning their hands at the five moments."
version:
  notes: "Barriers from ward observations and staff interviews; targets written for the product."
sections:
  - key: capability
    kind: barriers
    title: "Capability"
    component: C
    guidance: "What you know and can do about hand hygiene on the ward."
    items:
      - key: HC1
        problem: "Not knowing the five moments for hand hygiene"
        target: "I know the five moments for hand hygiene"
        primary: C-Ps
        functions: [education]
      - key: HC2
        problem: "Not mastering the six-step hand-rub technique"
        primary: C-Ph
        functions: [training, modelling]
  - key: opportunity
    kind: barriers
    title: "Opportunity"
    component: O
    items:
      - key: HO1
        problem: "No alcohol hand rub at the point of care"
        primary: O-Ph
        functions: [environmental-restructuring, enablement]
      - key: HO2
        problem: "Senior staff do not clean their hands either"
        target: "Senior staff on my ward clean their hands at every moment"
        primary: O-So
        secondary: M-Au
        functions: [modelling]
  - key: motivation
    kind: barriers
    title: "Motivation"
    component: M
    guidance: "Not yet analysed on these wards."
    items: []
"""
HAND_HYGIENE_NAME = "Hand hygiene on hospital wards"
WRITTEN_TARGETS = {
    "HC2": "I rub my hands with the six-step technique every time",
    "HO1": "Alcohol hand rub is within reach wherever I care for a patient",
}


def hand_hygiene_framework() -> FrameworkVersion:
    """Imported as a draft, its missing targets written, then published."""
    draft = import_framework(parse_yaml(HAND_HYGIENE))
    for key, target in WRITTEN_TARGETS.items():
        draft.items.filter(key=key).update(target_text=target)
    return services.publish(draft)


def therapist_of(service, username: str):
    person = factories.therapist(
        team=factories.TeamFactory(service=service), username=username, first_name="Noor"
    )
    person.set_password(DEMO_PASSWORD)
    person.save()
    return person


@pytest.fixture
def two_services(published_version):
    """The first service on the shipped framework, the second on hand hygiene; a therapist
    in each."""
    hand_hygiene = hand_hygiene_framework()
    first = factories.ServiceFactory(name="Talking therapies")
    second = factories.ServiceFactory(name="Surgical wards", framework=hand_hygiene.framework)
    assert first.framework == published_version.framework
    therapist_of(first, "first-therapist")
    therapist_of(second, "ward-nurse")
    return published_version, hand_hygiene


check_page = journeys.check_page


def sign_in(page, live_server, username: str) -> None:
    journeys.sign_in(page, live_server, username)
    expect(page).to_have_url(live_server.url + "/my-training/")


def answer_every_statement(page, choice: str) -> None:
    for fieldset in page.locator("fieldset.rating-item").all():
        fieldset.get_by_label(choice, exact=True).check()


def test_ward_therapist_assesses_against_the_second_framework_leaving_and_resuming(
    live_server, page, two_services, assert_accessible
):
    shipped, hand_hygiene = two_services
    sign_in(page, live_server, "ward-nurse")
    expect(page.locator("main")).to_contain_text(HAND_HYGIENE_NAME)
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Start your self-assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Self-assessment")
    sections = page.get_by_role("list").filter(has_text="Capability").last
    expect(sections.get_by_role("listitem")).to_have_text(["Capability", "Opportunity"])
    expect(page.locator("main")).not_to_contain_text(shipped.framework.name)
    check_page(page, assert_accessible)
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Capability")
    expect(page.get_by_text(re.compile(r"Section 1 of 2"))).to_be_visible()
    page.wait_for_load_state()
    expect(
        page.get_by_text("I rub my hands with the six-step technique every time")
    ).to_be_visible()
    check_page(page, assert_accessible)
    answer_every_statement(page, "4 Agree")
    page.get_by_role("button", name="Save and finish later").click()

    expect(page).to_have_url(live_server.url + "/my-training/")
    expect(page.get_by_text("Your answers are saved")).to_be_visible()
    page.get_by_role("link", name="Continue your self-assessment").click()
    page.get_by_role("button", name="Continue where you stopped").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Capability")
    for fieldset in page.locator("fieldset.rating-item").all():
        expect(fieldset.get_by_label("4 Agree", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Opportunity")
    expect(page.get_by_text(re.compile(r"Section 2 of 2"))).to_be_visible()
    page.wait_for_load_state()
    check_page(page, assert_accessible)
    answer_every_statement(page, "2 Disagree")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    check_page(page, assert_accessible)
    page.get_by_role("button", name="Submit my self-assessment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your training-needs profile")
    expect(page.get_by_text("Your self-assessment is submitted")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"Framework: {HAND_HYGIENE_NAME}")
    subcomponents = page.get_by_role("table").filter(has_text="per COM-B sub-component")
    expect(subcomponents.locator("tbody th")).to_have_text(
        [
            re.compile(r"\(C-Ph\)"),
            re.compile(r"\(C-Ps\)"),
            re.compile(r"\(O-Ph\)"),
            re.compile(r"\(O-So\)"),
        ]
    )
    assessment = SelfAssessment.objects.get(therapist__username="ward-nurse")
    assert (assessment.is_submitted, assessment.version_id) == (True, hand_hygiene.pk)
    check_page(page, assert_accessible)


def test_first_services_therapist_still_assesses_against_the_shipped_framework(
    live_server, page, two_services
):
    shipped, _hand_hygiene = two_services
    sign_in(page, live_server, "first-therapist")
    expect(page.locator("main")).to_contain_text(shipped.framework.name)
    expect(page.locator("main")).not_to_contain_text(HAND_HYGIENE_NAME)

    page.get_by_role("link", name="Start your self-assessment").click()
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    assert SelfAssessment.objects.get(therapist__username="first-therapist").version == shipped


def test_start_page_names_the_framework_each_therapist_assesses_against(
    live_server, page, two_services
):
    shipped, _hand_hygiene = two_services
    sign_in(page, live_server, "ward-nurse")
    page.goto(live_server.url + "/self-assessment/")
    ward_start_page = page.locator("main").inner_text()
    page.get_by_role("button", name=re.compile("Sign out")).click()
    sign_in(page, live_server, "first-therapist")
    page.goto(live_server.url + "/self-assessment/")
    first_start_page = page.locator("main").inner_text()

    assert (HAND_HYGIENE_NAME in ward_start_page, shipped.framework.name in first_start_page) == (
        True,
        True,
    )
