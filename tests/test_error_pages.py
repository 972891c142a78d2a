"""Errors show the product's own pages, never Django's debug or a blank page."""

import pytest
from django.test import Client, override_settings


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.error_urls", DEBUG=False)
def test_a_server_error_shows_the_friendly_500_page(client, therapist):
    client.raise_request_exception = False
    client.force_login(therapist)
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_unknown_address_shows_the_friendly_404_page(client, therapist):
    client.force_login(therapist)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_bad_request_shows_the_friendly_400_page(client):
    response = client.get("/", headers={"host": "not-this-site.example"})
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.fixture
def checked_client(therapist) -> Client:
    """Signed in, and checking CSRF as for a browser, so that the CSRF middleware reads each
    post (as in production) before any view does: that is where a post too large is refused."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(therapist)
    client.get("/my-training/")  # sets the CSRF cookie, as opening a page does
    return client


@pytest.mark.django_db
@override_settings(DEBUG=False, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_post_too_large_to_read_says_nothing_was_saved(checked_client):
    response = checked_client.post("/my-training/", {"text": "x" * 2000})
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_post_too_large_to_read_links_back_to_its_page(checked_client):
    response = checked_client.post("/my-training/?tab=2", {"text": "x" * 2000})
    assert '<a href="/my-training/?tab=2">' in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False, DATA_UPLOAD_MAX_NUMBER_FIELDS=10)
def test_a_post_with_too_many_fields_says_nothing_was_saved(checked_client):
    response = checked_client.post("/my-training/", {f"field{n}": "x" for n in range(20)})
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False, DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_script_sending_too_much_gets_json(checked_client):
    response = checked_client.post(
        "/my-training/", {"text": "x" * 2000}, headers={"accept": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["saved"] is False
