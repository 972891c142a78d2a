"""Observer ratings, both sides: a supervisor opens a supervisee's page, rates one section of
their target behaviours, and sees the ratings beside the supervisee's own with the largest gaps
flagged; the supervisee opens the same comparison from their supervision log and reads the
same values. Each page is axe clean at desktop and phone widths."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from supervision.models import ObserverRating
from supervision.observer import observable_items
from tests.browser import journeys
from tests.browser.journeys import check_page

pytestmark = pytest.mark.django_db(transaction=True)

SUPERVISEE = "therapist13"
SECTION = "Learning in session"
NOTE = "From the recording of a session we reviewed together."
# The statements rated and the choice for each (a statement left out is left blank): the
# demo's self-ratings of therapist13 are IS1 4 Agree, IS2 3 Neither, IS3 4 Agree.
CHOSEN = {
    "IS1": "1 Strongly disagree",  # self 4: +3, rates self higher than observed
    "IS2": "5 Strongly agree",  # self 3: -2, rates self lower than observed
    "IS3": "4 Agree",  # self 4: no gap
    "IS4": "Not observed",
}
STORED = {"IS1": 1, "IS2": 5, "IS3": 4, "IS4": None}


def statement(page, key: str):
    """One statement's group of radios (its legend starts with its key)."""
    return page.get_by_role("group", name=re.compile(rf"^{key} "))


def table_row(table, key: str):
    """A table's row for one statement (its row header starts with the key)."""
    header = table.page.get_by_role("rowheader", name=re.compile(rf"^{key} "))
    return table.locator("tr", has=header)


def cells(row) -> list[str]:
    """The row's cells as they read, each on one line."""
    return [" ".join(text.split()) for text in row.locator("td").all_inner_texts()]


def comparison_of(page, keys: list[str]) -> dict[str, list[str]]:
    """The self, observer and gap cells of the statements' rows in the section's table."""
    table = page.get_by_role("table", name=SECTION, exact=True)
    return {key: cells(table_row(table, key)) for key in keys}


def sign_out(page) -> None:
    page.get_by_role("button", name=re.compile("Sign out")).click()


def test_supervisor_rates_a_section_and_both_see_the_comparison(
    live_server, page, demo_site, assert_accessible
):
    supervisee = User.objects.get(username=SUPERVISEE)
    supervisor = User.objects.get(username="supervisor1")
    in_section = [
        item.key for item in observable_items(supervisee) if item.section.title == SECTION
    ]
    assert set(CHOSEN) < set(in_section)
    left_blank = sorted(set(in_section) - set(CHOSEN))
    today = timezone.localdate()

    # From the supervisee's page to the rating form, narrowed to one section.
    journeys.sign_in(page, live_server, "supervisor1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervisees").click()
    page.get_by_role("link", name=str(supervisee), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(str(supervisee))
    check_page(page, assert_accessible)
    page.get_by_role("link", name="Rate their target behaviours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Rate {supervisee}'s target behaviours"
    )
    page.get_by_label("Statements to rate").select_option(label=SECTION)
    page.get_by_role("button", name="Show these statements").click()
    expect(page.get_by_role("heading", level=2, name=SECTION)).to_be_visible()
    expect(page.locator("fieldset.rating-item")).to_have_count(len(in_section))
    expect(page.get_by_label("Date of the rating")).to_have_value(today.isoformat())
    check_page(page, assert_accessible)

    for key, choice in CHOSEN.items():
        statement(page, key).get_by_label(choice, exact=True).check()
    page.get_by_label("Note (optional)").fill(NOTE)
    page.get_by_role("button", name="Save the rating").click()

    # The comparison: a message, the largest gaps, and every statement's row.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{supervisee}: self and observer ratings"
    )
    rated = sum(value is not None for value in STORED.values())
    expect(
        page.get_by_text(f"Your rating of {rated} statements, dated {today:%-d %B %Y}, is saved.")
    ).to_be_visible()
    rating = ObserverRating.objects.get(supervisor=supervisor, supervisee=supervisee, note=NOTE)
    assert rating.rated_on == today
    assert dict(rating.items.values_list("item__key", "value")) == STORED

    gaps = page.get_by_role("table", name=re.compile("largest gap first"))
    assert cells(table_row(gaps, "IS1")) == [
        "4 Agree",
        "1 Strongly disagree",
        "+3 ▲ Rates self higher than observed",
    ]
    assert cells(table_row(gaps, "IS2")) == [
        "3 Neither agree nor disagree",
        "5 Strongly agree",
        "\u22122 ▼ Rates self lower than observed",
    ]
    expect(table_row(gaps, "IS3")).to_have_count(0)
    expect(page.get_by_text(f"by {supervisor}: {NOTE}")).to_be_visible()
    check_page(page, assert_accessible)
    shown_to_supervisor = comparison_of(page, in_section)
    by_whom = f"{supervisor}, {today:%-d %b %Y}"
    observed = {key: row[1] for key, row in shown_to_supervisor.items()}
    assert observed == {
        **{key: f"{choice} {by_whom}" for key, choice in CHOSEN.items()},
        **{key: "Not rated yet" for key in left_blank},
    }
    sign_out(page)

    # The supervisee opens the same comparison from their log and reads the same values.
    journeys.sign_in(page, live_server, SUPERVISEE)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision log").click()
    page.get_by_role("link", name="Your supervisors' ratings beside yours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your ratings beside your supervisors'"
    )
    expect(page.get_by_text(f"by {supervisor}: {NOTE}")).to_be_visible()
    assert comparison_of(page, in_section) == shown_to_supervisor
    check_page(page, assert_accessible)
