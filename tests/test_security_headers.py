"""Signed-in pages are never kept by browsers or proxies; passwords are hashed with Argon2, and
older hashes are upgraded when their owners sign in."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.hashers import make_password

from tests import factories

PRODUCTION_HASHERS = importlib.import_module("comb_tracker.settings").PASSWORD_HASHERS


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/my-training/", "/framework/", "/self-assessment/"])
def test_signed_in_page_is_not_stored_by_the_browser(sign_in, therapist, published_version, path):
    response = sign_in(therapist).get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_profile_chart_keeps_its_own_short_private_caching(sign_in, therapist, published_version):
    factories.submitted_assessment(therapist, published_version, {})
    client = sign_in(therapist)
    response = client.get(f"/therapists/{therapist.pk}/profile/chart.svg", follow=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=60"


def test_new_passwords_are_hashed_with_argon2():
    assert PRODUCTION_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(settings, client):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = factories.UserFactory()
    user.password = make_password("correct horse battery", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    client.post("/accounts/login/", {"login": user.username, "password": "correct horse battery"})
    assert "_auth_user_id" in client.session

    user.refresh_from_db()
    assert user.password.startswith("argon2")
