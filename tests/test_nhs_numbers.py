"""Free text holding an NHS number is refused (accounts/validators.py): the modulus-11 rule,
the shapes it is written in, and the questionnaire's comments, posted and saved in the
background."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.validators import (
    NHS_NUMBER_MESSAGE,
    contains_nhs_number,
    is_nhs_number,
    reject_nhs_numbers,
)
from assessments import questionnaire
from assessments.models import ItemRating
from tests.conftest import autosave_url, section_url

VALID = "9434765919"
nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def check_digit(first_nine: str) -> int | None:
    """The rule as the NHS publishes it, written independently of the code under test."""
    weights = [10, 9, 8, 7, 6, 5, 4, 3, 2]
    remainder = sum(int(d) * w for d, w in zip(first_nine, weights, strict=True)) % 11
    return {0: 0, 1: None}.get(remainder, 11 - remainder)


# The rule


@pytest.mark.parametrize("text", ["943 476 5919", "9434765919", "943-476-5919", "401 023 2137"])
def test_valid_nhs_numbers_are_found(text):
    assert contains_nhs_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "943 476 5918",  # wrong check digit
        "1234567890",  # the check digit would be 10: no such number
        "01632 960 001",  # a phone number
        "94347659190",  # eleven digits
        "94 34 76 59 19",  # not grouped 3-3-4
        "",
    ],
)
def test_other_numbers_are_not_nhs_numbers(text):
    assert not contains_nhs_number(text)


def test_nhs_number_inside_a_sentence_is_found():
    assert contains_nhs_number(f"Client (NHS no.{VALID}) said the homework helped.")


def test_validator_refuses_with_the_message_for_users():
    with pytest.raises(ValidationError) as refused:
        reject_nhs_numbers("see 943 476 5919")
    assert refused.value.messages == [NHS_NUMBER_MESSAGE]


def test_validator_accepts_ordinary_text():
    assert reject_nhs_numbers("Ten sessions, 45 minutes each, since 2024.") is None


@given(nine_digits, st.integers(0, 9))
def test_ten_digits_are_an_nhs_number_exactly_when_the_last_is_the_check_digit(nine, last):
    assert is_nhs_number(f"{nine}{last}") == (check_digit(nine) == last)


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_number_makes_it_invalid(nine, position, shift):
    check = check_digit(nine)
    if check is None:
        return  # no valid number starts with these nine digits
    digits = list(f"{nine}{check}")
    digits[position] = str((int(digits[position]) + shift) % 10)
    assert not is_nhs_number("".join(digits))


@given(nine_digits, st.sampled_from(["", " ", "-"]), st.text(max_size=20))
def test_a_valid_number_is_found_however_grouped_and_wherever_written(nine, separator, words):
    check = check_digit(nine)
    if check is None:
        return
    number = f"{nine[:3]}{separator}{nine[3:6]}{separator}{nine[6:]}{check}"
    assert contains_nhs_number(f"{words} {number} {words}")


# The questionnaire's comments


@pytest.fixture
def started(therapist, published_version):
    return questionnaire.start_or_resume(therapist, published_version)


@pytest.fixture
def items(published_version):
    section = questionnaire.rated_sections(published_version)[0]
    return list(section.items.order_by("order"))


def test_section_page_refuses_a_comment_with_an_nhs_number_next_to_the_field(
    sign_in, therapist, started, items
):
    typed = "Client 943 476 5919 found this hard"
    response = sign_in(therapist).post(
        section_url(started),
        {"revision": "0", f"rating_{items[0].key}": "4", f"comment_{items[0].key}": typed},
    )
    assert response.status_code == 400
    row = next(row for row in response.context["rows"] if row.item == items[0])
    assert row.comment_error == NHS_NUMBER_MESSAGE
    assert row.comment == typed  # what was typed is shown again to correct
    assert not ItemRating.objects.filter(assessment=started).exists()


def test_section_page_saves_a_comment_with_an_ordinary_number(sign_in, therapist, started, items):
    sign_in(therapist).post(
        section_url(started),
        {
            "revision": "0",
            f"rating_{items[0].key}": "4",
            f"comment_{items[0].key}": "Phone 943 476 5918",
        },
    )
    assert ItemRating.objects.get(assessment=started).comment == "Phone 943 476 5918"


def test_background_save_refuses_a_comment_with_an_nhs_number(sign_in, therapist, started, items):
    response = sign_in(therapist).post(
        autosave_url(started),
        {"revision": "0", f"rating_{items[0].key}": "4", f"comment_{items[0].key}": VALID},
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["saved"] is False
    assert NHS_NUMBER_MESSAGE in answer["error"]
    assert answer["fields"] == {f"id_comment_{items[0].key}": NHS_NUMBER_MESSAGE}
    assert not ItemRating.objects.filter(assessment=started).exists()
