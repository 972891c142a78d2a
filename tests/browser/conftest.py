"""Playwright on Debian's Chromium, with an axe-core check helper.

A missing browser fails the run (never skips): `make test` installs it first.
"""

import io
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run scripts/ensure-chromium")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
        ],
    }


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page as it is now; fail with axe's report on any violation."""

    def check(page) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, results.generate_report()

    return check


@pytest.fixture
def demo_site(settings, transactional_db):
    """The demo service and the shipped framework, as `make run` loads them."""
    settings.DEMO_MODE = True
    call_command("setup_demo", stdout=io.StringIO())


@pytest.fixture
def page(page):
    """Every journey's page, failing the test on any Content-Security-Policy violation: the
    policy is enforced, so a violation is something that silently did not run or show."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)
