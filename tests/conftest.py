"""Shared fixtures: fast hashing, plain static storage, the shipped framework, and roles."""

from __future__ import annotations

import pytest
from django.conf import settings

from accounts.models import Role
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import FrameworkVersion
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    # The manifest storage needs collectstatic; tests serve the source files instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def framework_yaml() -> str:
    return settings.FRAMEWORK_FIXTURE.read_text(encoding="utf-8")


@pytest.fixture
def published_version(db, framework_yaml) -> FrameworkVersion:
    """The shipped framework, imported and published."""
    return import_framework(parse_yaml(framework_yaml), publish=True)


@pytest.fixture
def service(db):
    return factories.ServiceFactory()


@pytest.fixture
def team(service):
    return factories.TeamFactory(service=service)


@pytest.fixture
def therapist(team):
    return factories.therapist(team=team)


@pytest.fixture
def supervisor(team, therapist):
    """A supervisor currently supervising `therapist`."""
    person = factories.supervisor(service=team.service, team=team)
    factories.SupervisionFactory(supervisor=person, supervisee=therapist)
    return person


@pytest.fixture
def lead(service):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, service=service, team=None, role=Role.SERVICE_LEAD)
    return user


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached charts and reliability must not leak between tests (ids can be reused)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
