"""The section page for someone who uses a keyboard, a phone or a screen reader: a whole section
answered and saved with the keyboard alone, answer choices large enough to tap, and no axe
violations at desktop and phone widths."""

import re

import pytest
from playwright.sync_api import expect

from assessments import questionnaire
from assessments.models import SelfAssessment
from tests.browser import journeys

pytestmark = pytest.mark.django_db(transaction=True)

# therapist04 has no self-assessment in the demo data: their baseline is due.
THERAPIST = "therapist04"


def open_section_one(page, live_server) -> None:
    """Sign in, then start the questionnaire with the keyboard."""
    journeys.sign_in(page, live_server, THERAPIST)
    expect(page).to_have_url(live_server.url + "/my-training/")
    page.goto(live_server.url + "/self-assessment/")
    page.get_by_role("button", name="Start now").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Section 1 of 10"))).to_be_visible()
    page.wait_for_load_state()  # the page's script listens for answers from here on


def focused(page) -> dict:
    return page.evaluate(
        "({name: document.activeElement.name || '', value: document.activeElement.value || '',"
        " text: document.activeElement.textContent.trim()})"
    )


def tab_to(page, name: str, limit: int = 60) -> None:
    for _ in range(limit):
        if focused(page)["name"] == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {name}")


def test_keyboard_alone_answers_and_saves_a_whole_section(live_server, page, demo_site):
    open_section_one(page, live_server)
    keys = [item.key for item in section_one_items()]
    expected = {}
    tab_to(page, f"rating_{keys[0]}")
    for index, key in enumerate(keys):
        assert focused(page)["name"] == f"rating_{key}"
        steps = index % 6
        if steps == 0:
            page.keyboard.press("Space")  # the first point, 1
            expected[key] = 1
        elif steps == 5:
            page.keyboard.press("ArrowLeft")  # from the first choice round to the last
            expected[key] = None
        else:
            for _ in range(steps):
                page.keyboard.press("ArrowRight")
            expected[key] = steps + 1
        page.keyboard.press("Tab")  # "Add a comment"
        page.keyboard.press("Tab")  # "Clear my answer"
        page.keyboard.press("Tab")  # the next statement, or the first button
    assert focused(page)["text"] == "Save and continue"
    page.keyboard.press("Enter")

    expect(page.get_by_text(re.compile(r"Section 2 of 10"))).to_be_visible()
    assessment = SelfAssessment.objects.get(therapist__username=THERAPIST)
    assert dict(assessment.ratings.values_list("item__key", "value")) == expected


def section_one_items():
    assessment = SelfAssessment.objects.get(therapist__username=THERAPIST)
    section = questionnaire.rated_sections(assessment.version)[0]
    return list(section.items.order_by("order"))


def test_focused_answer_choice_is_outlined(live_server, page, demo_site):
    open_section_one(page, live_server)
    tab_to(page, "rating_C1")
    outline = page.locator("label.rating-choice").first.evaluate(
        "label => getComputedStyle(label).outlineStyle"
    )
    assert outline == "solid"


def test_comment_box_opens_from_the_keyboard(live_server, page, demo_site):
    open_section_one(page, live_server)
    tab_to(page, "rating_C1")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Comment on C1 (optional)")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 360])
def test_answer_choices_are_at_least_44_pixels_square(live_server, page, demo_site, width):
    page.set_viewport_size({"width": width, "height": 800})
    open_section_one(page, live_server)
    sizes = page.locator("label.rating-choice").evaluate_all(
        "labels => labels.map(l => [l.offsetWidth, l.offsetHeight])"
    )
    assert sizes
    assert min(w for w, _ in sizes) >= 44
    assert min(h for _, h in sizes) >= 44


def test_section_page_is_accessible_at_1280_pixels(live_server, page, demo_site, assert_accessible):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_section_one(page, live_server)
    assert_accessible(page)


def test_section_page_is_accessible_and_fits_at_360_pixels(
    live_server, page, demo_site, assert_accessible
):
    page.set_viewport_size({"width": 360, "height": 740})
    open_section_one(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def test_save_status_stays_in_view_when_scrolled(live_server, page, demo_site):
    page.set_viewport_size({"width": 360, "height": 740})
    open_section_one(page, live_server)
    last = page.locator("fieldset.rating-item").last
    last.get_by_label("3 Neither agree nor disagree", exact=True).focus()
    page.keyboard.press("Space")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Draft saved")
    box = status.bounding_box()
    assert box is not None
    assert 0 <= box["y"] < 740
