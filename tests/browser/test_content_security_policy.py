"""The browser journeys run with the Content-Security-Policy enforced, and a violation fails
them: this checks that the watch on violations really sees one."""

import pytest


@pytest.mark.django_db(transaction=True)
def test_an_inline_script_is_blocked_and_reported(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text))
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "document.body.dataset.inlineRan = 'yes'";
          document.body.appendChild(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("document.body.dataset.inlineRan") is None
    assert any("Content Security Policy" in text for text in seen)
    context.close()
