"""Steps that several browser journeys share."""

from playwright.sync_api import expect

from demo.people import DEMO_PASSWORD

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

# What reaches past the screen's right edge: the outermost boxes that do, and the innermost
# elements whose content (an unbroken word, say) spills out of a box that fits.
WIDER_THAN_THE_SCREEN = """() => {
  const edge = window.innerWidth + 0.5;
  const boxPast = (element) => element.getBoundingClientRect().right > edge;
  const reach = (element) => element.getBoundingClientRect().left
    + Math.max(element.getBoundingClientRect().width, element.scrollWidth);
  return [...document.querySelectorAll("body *")]
    .filter((element) => boxPast(element)
      ? !boxPast(element.parentElement)
      : reach(element) > edge && ![...element.children].some((child) => reach(child) > edge))
    .map((element) => element.tagName.toLowerCase()
      + (element.id ? "#" + element.id : "")
      + [...element.classList].map((name) => "." + name).join("")
      + " (to " + Math.round(reach(element)) + " px)");
}"""


def sign_in(page, live_server, username: str) -> None:
    """Sign in through the form as a demo user; the caller checks where they land."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def assert_fits_the_screen(page) -> None:
    """Nothing scrolls the whole page sideways: the document is no wider than the window."""
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, f"{page.url} is wider than {page.viewport_size['width']} px: " + ", ".join(
        page.evaluate(WIDER_THAN_THE_SCREEN)
    )


def check_page(page, assert_accessible) -> None:
    """axe at desktop width, then at phone width with nothing wider than the screen; the
    page is left at desktop width for the journey's next step."""
    page.set_viewport_size(DESKTOP)
    at_width(page, assert_accessible)
    page.set_viewport_size(PHONE)
    try:
        assert_fits_the_screen(page)
        at_width(page, assert_accessible)
    finally:
        page.set_viewport_size(DESKTOP)


def at_width(page, assert_accessible) -> None:
    """axe's report, headed with the page and the width it was checked at."""
    try:
        assert_accessible(page)
    except AssertionError as error:
        raise AssertionError(f"{page.url} at {page.viewport_size['width']} px: {error}") from None


def menu_opens_and_fits_on_a_phone(page, assert_accessible) -> None:
    """At 360 px the menu folds behind a button; opened, it fits and each link is big enough
    to tap."""
    page.set_viewport_size(PHONE)
    navigation = page.get_by_role("navigation", name="Main")
    menu = navigation.get_by_role("button", name="Show navigation")
    menu.click()
    expect(navigation.get_by_role("link", name="Change password")).to_be_visible()
    assert_fits_the_screen(page)
    assert_accessible(page)
    targets = [menu, *navigation.locator(".nav-link").all()]
    heights = [target.bounding_box()["height"] for target in targets]
    assert min(heights) >= 44, heights
    page.set_viewport_size(DESKTOP)
