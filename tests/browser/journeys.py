"""Steps that several browser journeys share."""

from demo.people import DEMO_PASSWORD


def sign_in(page, live_server, username: str) -> None:
    """Sign in through the form as a demo user; the caller checks where they land."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
