"""Refusing client identifiers in free text: anything shaped like an NHS number.

Therapists' comments must never identify a client. An NHS number is ten digits, written whole or
in 3-3-4 groups (spaces or hyphens), whose last digit is the modulus-11 check digit of the first
nine; text holding such a number is refused. Ten digits failing the check (a phone number, say)
pass, so ordinary numbers are not blocked by mistake.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

NHS_NUMBER_MESSAGE = (
    "This looks like an NHS number. Client identifiers must never be stored here: please remove it."
)
# Ten digits not touching other digits, optionally grouped 3-3-4 by a space or hyphen.
NHS_NUMBER_SHAPE = re.compile(r"(?<![0-9])([0-9]{3})[ -]?([0-9]{3})[ -]?([0-9]{4})(?![0-9])")
WEIGHTS = range(10, 1, -1)  # 10 for the first digit … 2 for the ninth


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit of nine digits (11 counts as 0), or None when the remainder makes it 10:
    no NHS number starts with those nine digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def is_nhs_number(digits: str) -> bool:
    """Ten digits (nothing else) whose last digit is the check digit of the first nine."""
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def contains_nhs_number(text: str) -> bool:
    """Whether the text holds ten digits, whole or grouped 3-3-4, that form a valid NHS number."""
    return any(
        is_nhs_number("".join(match.groups())) for match in NHS_NUMBER_SHAPE.finditer(text or "")
    )


def reject_nhs_numbers(text: str) -> None:
    """Django validator: refuses text that contains an NHS number."""
    if contains_nhs_number(text):
        raise ValidationError(NHS_NUMBER_MESSAGE, code="nhs_number")


# The largest id a row can have (a signed 64-bit key on every database used here).
LARGEST_ID = 2**63 - 1


def is_row_id(value: object) -> bool:
    """Whether a posted value can be a row's id: a whole number from 1 to `LARGEST_ID`. Larger
    numbers cannot even be looked up on SQLite (an error, not "no such row")."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= LARGEST_ID
