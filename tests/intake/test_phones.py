"""One stored phone form for every channel: E.164 when valid, digits for what is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.intake.phones import contact_number, normalise


@pytest.mark.parametrize(
    "typed",
    ["13912345678", "139 1234 5678", "+86 139-1234-5678", "008613912345678", "8613912345678"],
)
def test_every_way_of_writing_a_mobile_is_stored_the_same(typed: str) -> None:
    assert normalise(typed) == "+8613912345678"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0472-5123456", "+864725123456"),  # Baotou landline
        ("12345", "12345"),  # the hotline: a short code keeps its digits
        ("+86 12345", "12345"),
        ("0086 12315", "12315"),
        ("2345678", "2345678"),  # a landline without its area code
        ("+1 202 555 0143", "+12025550143"),  # another country's number keeps its +
        ("anonymous", ""),
        ("", ""),
    ],
)
def test_numbers_phonenumbers_cannot_read_keep_their_digits(typed: str, stored: str) -> None:
    assert normalise(typed) == stored


@given(st.text(alphabet="0123456789+-() ", max_size=24))
def test_normalising_a_stored_number_changes_nothing(typed: str) -> None:
    once = normalise(typed)
    assert normalise(once) == once


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("0472-5123456", "+864725123456"),  # Baotou landline
        ("010 6512 3456", "+861065123456"),  # Beijing landline
        ("12345", None),  # the hotline itself is not a caller's number
        ("1381234567", None),  # one digit short
        ("4008123123", None),  # a service number, not a person's line
        ("+1 202 555 0143", None),  # not a mainland number
        ("电话", None),
    ],
)
def test_a_citizens_own_number_must_be_a_mainland_line(typed: str, stored: str | None) -> None:
    assert contact_number(typed) == stored
    if stored is not None:
        assert normalise(typed) == stored  # the same form every look-up uses
