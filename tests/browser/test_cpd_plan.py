"""The CPD plan: a therapist goes from a priority need on their profile to a goal in their plan,
accepts and dismisses suggestions in place, logs an activity with a reflection and an evidence
file, sees it counted and exports the log; their supervisor reads the plan from the supervisee's
page. Each page is axe clean at 1280 and 360 px."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from cpd.models import CpdActivity, CpdGoal, SuggestionDismissal
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_therapist_adds_a_priority_need_to_their_plan_and_works_through_suggestions(
    live_server, page, demo_site, assert_accessible
):
    therapist = User.objects.get(username="therapist01")
    goals_before = CpdGoal.objects.filter(plan__therapist=therapist).count()
    journeys.sign_in(page, live_server, "therapist01")

    # From the profile's priority needs, "Add to my plan" opens the goal form, prefilled.
    page.goto(f"{live_server.url}/therapists/{therapist.pk}/profile/")
    page.get_by_role("link", name=re.compile(r"^Add to my plan")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("goal")
    check_page(page, assert_accessible)
    title = page.get_by_label("Goal", exact=True).input_value()
    assert title
    page.get_by_role("button", name="Add the goal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your CPD plan")
    expect(page.get_by_text(title).first).to_be_visible()
    check_page(page, assert_accessible)

    # A suggestion accepted in place becomes a goal; another dismissed leaves the list.
    page.get_by_role("button", name=re.compile(r"^Accept")).first.click()
    expect(page.get_by_role("status")).to_be_visible()
    check_page(page, assert_accessible)
    dismiss = page.get_by_role("button", name=re.compile(r"^Dismiss")).first
    dismissed_name = dismiss.inner_text()
    dismiss.click()
    expect(page.get_by_role("button", name=dismissed_name)).to_have_count(0)

    assert CpdGoal.objects.filter(plan__therapist=therapist).count() == goals_before + 2
    assert SuggestionDismissal.objects.filter(therapist=therapist).count() == 1


def test_supervisor_reads_a_supervisees_plan_from_their_page(
    live_server, page, demo_site, assert_accessible
):
    journeys.sign_in(page, live_server, "supervisor1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisees").click()
    page.get_by_role("link", name="Amara Okafor").click()
    page.get_by_role("link", name="CPD plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    check_page(page, assert_accessible)


def test_therapist_logs_an_activity_with_evidence_sees_totals_and_exports(
    live_server, page, demo_site, assert_accessible, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    therapist = User.objects.get(username="therapist01")
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    journeys.sign_in(page, live_server, "therapist01")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="CPD plan").click()
    page.get_by_role("link", name="Your CPD activities").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("activities")
    check_page(page, assert_accessible)

    page.get_by_role("link", name="Add an activity").click()
    page.get_by_label("Type of activity").select_option(label="Reading")
    page.get_by_label("What you did").fill("A paper on alliance ruptures")
    page.get_by_label("Date", exact=True).fill(timezone.localdate().isoformat())
    page.get_by_label("Hours").fill("1.5")
    page.get_by_label("What I learned").fill("Ruptures are common and repairable.")
    page.get_by_label("How I will apply it").fill("Name the strain when I notice it.")
    page.get_by_label("Evidence file (optional)").set_input_files(str(certificate))
    check_page(page, assert_accessible)
    page.get_by_role("button", name="Add the activity").click()

    expect(page.get_by_text("A paper on alliance ruptures").first).to_be_visible()
    check_page(page, assert_accessible)
    activity = CpdActivity.objects.get(plan__therapist=therapist, title__contains="alliance")
    assert activity.has_reflection
    assert activity.evidence.get().original_name == "certificate.pdf"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert "A paper on alliance ruptures" in download.value.path().read_text(encoding="utf-8-sig")
