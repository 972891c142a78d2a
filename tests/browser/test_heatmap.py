"""The demo service lead opens the barrier heatmap from their service page, changes its filters
(cycle, measure, component, team), sees a refused filter explained, and every view is axe clean
at desktop and phone widths with nothing wider than the phone's screen."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Team
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_lead_filters_the_heatmap_and_is_told_when_a_team_is_too_small(
    live_server, page, demo_site, assert_accessible
):
    journeys.sign_in(page, live_server, "lead")
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire Talking Therapies")
    page.get_by_role("link", name=re.compile("barrier heatmap")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Barrier heatmap")
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Service total")).to_be_visible()
    check_page(page, assert_accessible)

    page.get_by_label("Cycle").select_option(label="Baseline (cycle 0)")
    page.get_by_label("Each cell shows").select_option("share")
    page.get_by_role("button", name="Show the heatmap").click()
    expect(page).to_have_url(re.compile(r"cycle=0.*measure=share"))
    expect(table.locator("caption")).to_contain_text("Share reporting each barrier")
    # The demo's baseline has teams of 5 and 6: most cells shown, some hidden.
    expect(table.locator("td.heat-hidden").first).to_contain_text("<5")
    expect(
        table.locator("td.heat-1, td.heat-2, td.heat-3, td.heat-4, td.heat-5").first
    ).to_be_visible()
    check_page(page, assert_accessible)

    page.get_by_label("COM-B component").select_option(label="Opportunity")
    page.get_by_label("Team").select_option(label="North team")
    page.get_by_role("button", name="Show the heatmap").click()
    expect(table.locator("caption")).to_contain_text("Opportunity statements only")
    headers = table.locator("thead th")
    expect(headers).to_have_text(["Statement", "North team", "Service total"])
    check_page(page, assert_accessible)

    south = Team.objects.get(service__slug="northshire", name="South team")
    page.goto(f"{live_server.url}/services/northshire/heatmap/?cycle=1&team={south.pk}")
    expect(
        page.get_by_text(re.compile("South team has self-assessments from fewer than 5"))
    ).to_be_visible()
    expect(page.get_by_label("Team")).to_have_value("")
    check_page(page, assert_accessible)

    # A period instead of a cycle: each therapist's latest self-assessment in it, by domain.
    today = timezone.localdate()
    page.goto(f"{live_server.url}/services/northshire/heatmap/")
    page.get_by_label("Or a period: from (month)").fill(f"{today.year - 4}-01")
    page.get_by_label("To (month, included)").fill(f"{today:%Y-%m}")
    page.get_by_role("button", name="Show the heatmap").click()
    expect(table.locator("caption")).to_contain_text("latest self-assessment submitted between")
    check_page(page, assert_accessible)
