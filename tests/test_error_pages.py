"""Errors show the product's own pages, never Django's debug or a blank page."""

import pytest
from django.test import override_settings


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
