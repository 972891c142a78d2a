"""Shared fixtures and helpers: fast hashing, plain static storage, the shipped framework, the
cast of roles, signing in, and the URLs of the pages tests visit."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import settings as hypothesis_settings

from accounts.models import Role
from assessments.framework_io import import_framework, parse_yaml
from assessments.models import FrameworkVersion
from tests import factories

# Property tests run fewer examples in CI, where both databases share a 2-core machine.
hypothesis_settings.register_profile("ci", max_examples=30, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    # The manifest storage needs collectstatic; tests serve the source files instead.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    """Uploaded files (CPD evidence) go to a temporary folder, never the project's var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


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
    """Cached charts must not leak between tests (ids can be reused)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sign_in(client) -> Callable[..., Client]:
    """`sign_in(user)`: the test client, signed in as that user (no password round trip)."""

    def signed_in(user) -> Client:
        client.force_login(user)
        return client

    return signed_in


def framework_row_counts() -> tuple[int, ...]:
    """Frameworks, versions, sections and items stored: equal before and after a refused import."""
    from assessments.models import Framework, FrameworkItem, FrameworkSection

    return (
        Framework.objects.count(),
        FrameworkVersion.objects.count(),
        FrameworkSection.objects.count(),
        FrameworkItem.objects.count(),
    )


def section_url(assessment, number: int = 1) -> str:
    return reverse("assessments:questionnaire_section", args=[assessment.pk, number])


def autosave_url(assessment, number: int = 1) -> str:
    return reverse("assessments:questionnaire_autosave", args=[assessment.pk, number])


def review_url(assessment) -> str:
    return reverse("assessments:questionnaire_review", args=[assessment.pk])


def profile_url(therapist) -> str:
    return reverse("assessments:profile", args=[therapist.pk])
