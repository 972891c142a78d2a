"""A therapist completes the whole self-assessment in the browser, leaving and coming back
half-way, with an accessibility check on every page they meet; answers saved in the background
survive closing the tab, a cleared answer is gone from the draft, and the page fits a phone."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import SelfAssessment
from tests.browser import journeys

pytestmark = pytest.mark.django_db(transaction=True)

# therapist04 has no self-assessment in the demo data: their baseline is due.
THERAPIST = "therapist04"
AUTOSAVE = re.compile(r"/self-assessment/\d+/section/\d+/autosave/$")


def sign_in(page, live_server) -> None:
    journeys.sign_in(page, live_server, THERAPIST)
    expect(page).to_have_url(live_server.url + "/my-training/")


def answer_every_statement(page, choice: str) -> None:
    for fieldset in page.locator("fieldset.rating-item").all():
        fieldset.get_by_label(choice, exact=True).check()


def start_questionnaire(page, live_server) -> None:
    sign_in(page, live_server)
    page.goto(live_server.url + "/self-assessment/")
    page.get_by_role("button", name="Start now").click()
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    page.wait_for_load_state()  # the page's script listens for answers from here on


def test_therapist_completes_the_questionnaire_leaving_and_resuming_half_way(
    live_server, page, context, demo_site, assert_accessible
):
    sign_in(page, live_server)
    assert_accessible(page)
    page.get_by_role("link", name="Start your self-assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Self-assessment")
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    assert_accessible(page)
    answer_every_statement(page, "4 Agree")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_text(re.compile(r"Section 2 of 10"))).to_be_visible()
    page.wait_for_load_state()
    first, second = page.locator("fieldset.rating-item").all()[:2]
    first.get_by_label("2 Disagree", exact=True).check()
    second.get_by_label("Not applicable", exact=True).check()
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    # 19 statements in section 1, and two more here.
    expect(page.locator("#progress-label")).to_contain_text("(21 of 103 statements)")

    # The therapist closes the browser tab without pressing a button.
    page.close()
    page = context.new_page()
    page.goto(live_server.url + "/my-training/")
    page.get_by_role("link", name="Continue your self-assessment").click()
    page.get_by_role("button", name="Continue where you stopped").click()
    expect(page.get_by_text(re.compile(r"Section 2 of 10"))).to_be_visible()
    first, second = page.locator("fieldset.rating-item").all()[:2]
    expect(first.get_by_label("2 Disagree", exact=True)).to_be_checked()
    expect(second.get_by_label("Not applicable", exact=True)).to_be_checked()
    assert_accessible(page)

    for number in range(2, 11):
        expect(page.get_by_text(re.compile(rf"Section {number} of 10"))).to_be_visible()
        answer_every_statement(page, "3 Neither agree nor disagree")
        assert_accessible(page)
        page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text("100 % answered")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Submit my self-assessment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your training-needs profile")
    expect(page.get_by_text("Your self-assessment is submitted")).to_be_visible()
    assert_accessible(page)
    assessment = SelfAssessment.objects.get(therapist__username=THERAPIST)
    assert assessment.is_submitted


def test_invalid_answer_is_explained_and_nothing_typed_is_lost(
    live_server, page, demo_site, assert_accessible
):
    start_questionnaire(page, live_server)
    fieldset = page.locator("fieldset.rating-item").first
    fieldset.get_by_text("Add a comment").click()  # the box is folded until opened
    fieldset.get_by_role("textbox").fill("I want to think about this one")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    fieldset = page.locator("fieldset.rating-item").first
    expect(fieldset.get_by_role("textbox")).to_have_value("I want to think about this one")
    assert_accessible(page)


def test_keyboard_alone_answers_a_statement(live_server, page, demo_site):
    start_questionnaire(page, live_server)
    first_radio = page.locator("fieldset.rating-item").first.get_by_label(
        "1 Strongly disagree", exact=True
    )
    first_radio.focus()
    page.keyboard.press("ArrowRight")
    expect(
        page.locator("fieldset.rating-item").first.get_by_label("2 Disagree", exact=True)
    ).to_be_checked()


def test_saving_while_a_background_save_is_under_way_is_not_mistaken_for_another_tab(
    live_server, page, demo_site
):
    start_questionnaire(page, live_server)
    answer_every_statement(page, "4 Agree")

    # Let the background save reach the server, but hold its answer back from the page.
    held = []

    def hold_background_saves(route):
        held.append((route, route.fetch()))

    page.route(AUTOSAVE, hold_background_saves)
    page.locator("fieldset.rating-item").first.get_by_label("5 Strongly agree").check()
    page.wait_for_timeout(600)
    assert held, "the background save should have been sent"

    page.get_by_role("button", name="Save and continue").click()
    for route, response in held:
        route.fulfill(response=response)

    expect(page.get_by_text(re.compile(r"Section 2 of 10"))).to_be_visible()
    expect(page.get_by_text("changed in another tab")).to_have_count(0)


def test_clearing_an_answer_empties_it_on_the_page_and_in_the_saved_draft(
    live_server, page, demo_site, assert_accessible
):
    start_questionnaire(page, live_server)
    first = page.locator("fieldset.rating-item").first
    with page.expect_response(AUTOSAVE):
        first.get_by_label("4 Agree", exact=True).check()
    first.get_by_text("Add a comment").click()  # the box is folded until opened
    first.get_by_role("textbox").fill("Ask in supervision")
    with page.expect_response(AUTOSAVE) as saved:
        first.get_by_label(re.compile(r"Clear my answer")).check()
    assert saved.value.json()["answered"] == 0

    expect(first.get_by_role("radio", checked=True)).to_have_count(0)
    expect(first.get_by_role("textbox")).to_have_value("")
    assert not SelfAssessment.objects.get(therapist__username=THERAPIST).ratings.exists()
    page.reload()
    expect(
        page.locator("fieldset.rating-item").first.get_by_role("radio", checked=True)
    ).to_have_count(0)
    assert_accessible(page)


def test_unticking_clear_puts_the_answer_back(live_server, page, demo_site):
    start_questionnaire(page, live_server)
    first = page.locator("fieldset.rating-item").first
    first.get_by_label("2 Disagree", exact=True).check()
    first.get_by_text("Add a comment").click()  # the box is folded until opened
    first.get_by_role("textbox").fill("Not sure yet")
    clear = first.get_by_label(re.compile(r"Clear my answer"))
    clear.check()
    with page.expect_response(AUTOSAVE) as saved:
        clear.uncheck()
    assert saved.value.json()["answered"] == 1

    expect(first.get_by_label("2 Disagree", exact=True)).to_be_checked()
    expect(first.get_by_role("textbox")).to_have_value("Not sure yet")


def test_section_page_fits_a_360_pixel_phone_screen(
    live_server, page, demo_site, assert_accessible
):
    page.set_viewport_size({"width": 360, "height": 740})
    start_questionnaire(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)


def test_background_save_refused_by_the_server_says_why_on_the_page(
    live_server, page, context, demo_site
):
    start_questionnaire(page, live_server)
    other_tab = context.new_page()
    other_tab.goto(page.url)
    with other_tab.expect_response(AUTOSAVE):
        other_tab.locator("fieldset.rating-item").first.get_by_label("5 Strongly agree").check()

    with page.expect_response(AUTOSAVE) as refused:
        page.locator("fieldset.rating-item").first.get_by_label("1 Strongly disagree").check()
    assert refused.value.status == 409
    expect(page.get_by_role("status")).to_contain_text("changed in another tab or window")
    expect(
        page.locator("fieldset.rating-item").first.get_by_label("1 Strongly disagree")
    ).to_be_checked()


def test_answers_given_while_signed_out_are_saved_after_signing_in_again(
    live_server, page, context, demo_site
):
    start_questionnaire(page, live_server)
    other_tab = context.new_page()
    other_tab.goto(live_server.url + "/my-training/")
    other_tab.get_by_role("button", name=re.compile("Sign out")).click()

    with page.expect_response(AUTOSAVE):
        page.locator("fieldset.rating-item").first.get_by_label("2 Disagree").check()
    expect(page.get_by_role("status")).to_contain_text("you have been signed out")

    journeys.sign_in(other_tab, live_server, THERAPIST)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text(re.compile(r"Section 2 of 10"))).to_be_visible()
    ratings = SelfAssessment.objects.get(therapist__username=THERAPIST).ratings
    assert list(ratings.values_list("item__key", "value")) == [("C1", 2)]


def test_too_large_a_post_gets_a_page_that_says_nothing_was_saved(
    live_server, page, demo_site, assert_accessible
):
    """A comment made far too long (past the box's limit, by a script standing in for a
    broken or hostile browser) gets the readable 413 page, fitting a phone and axe-clean."""
    page.set_viewport_size({"width": 360, "height": 740})
    start_questionnaire(page, live_server)
    # Setting the value directly fires no input event, so no background save starts.
    page.evaluate("document.querySelector('textarea').value = 'x'.repeat(3 * 1024 * 1024)")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nothing was saved: too much was sent"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    page.get_by_role("link", name="Open the page again with your saved draft").click()
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
