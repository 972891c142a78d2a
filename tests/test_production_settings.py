"""The documented production configuration (deploy/production.env.example) passes Django's
deployment checks, and sends a strict Content-Security-Policy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "deploy" / "production.env.example"


def production_environment() -> dict[str, str]:
    values = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    values["SECRET_KEY"] = "a-long-random-secret-only-for-this-test-0123456789-abcdefghijklmnop"
    # The test run's own switches (pytest-env's DJANGO_ALLOW_ASYNC_UNSAFE) are not production's.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW"))
    }
    return {**inherited, **values}


def test_documented_production_settings_pass_the_deployment_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_pages_carry_an_enforced_policy_without_unsafe_inline(client):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_pages_may_not_be_framed_by_any_site(client):
    response = client.get("/accounts/login/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
