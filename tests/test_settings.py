"""Configuration: the settings import with no environment at all (tools such as the type
checker load them), yet the web app refuses to start without a secret key outside DEBUG."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "DEMO_MODE"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "comb_tracker.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_import_without_any_environment():
    result = run_python("import comb_tracker.settings")
    assert result.returncode == 0, result.stderr


def test_web_app_refuses_to_start_without_a_secret_key_in_production():
    # DEBUG is named, so that a developer's .env (DEBUG=true) does not change the outcome.
    result = run_python("import comb_tracker.wsgi", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_web_app_starts_with_a_secret_key():
    result = run_python(
        "import comb_tracker.wsgi", DEBUG="false", SECRET_KEY="a-real-secret-for-this-test"
    )
    assert result.returncode == 0, result.stderr


def test_sqlite_writers_wait_for_the_lock_instead_of_failing():
    result = run_python(
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    )
    assert "'transaction_mode': 'IMMEDIATE'" in result.stdout
    assert "'timeout': 20" in result.stdout
