"""Choosing a deadline policy: the most specific matching row wins; durations parse strictly."""

from __future__ import annotations

import pytest

from service.sla.calendar import Duration
from service.sla.policies import PolicyError, PolicyRow, choose, choose_office, parse_duration


def row(id_: int, handling: str, **keys: str | None) -> PolicyRow:
    values: dict[str, str | None] = {
        "ticket_type": None,
        "urgency": None,
        "category_prefix": None,
        "unit_class": None,
    }
    values.update(keys)
    return PolicyRow(
        id=id_, sign_for="1wd", first_contact="1wd", handling=handling, callback="3wd", **values
    )


ROWS = [
    row(1, "15wd"),
    row(2, "3wd", ticket_type="consultation"),
    row(3, "15wd", ticket_type="complaint"),
    row(4, "7wd", ticket_type="complaint", category_prefix="MR"),
    row(5, "24h", category_prefix="UT.WATER"),
    row(6, "2h", urgency="urgent", ticket_type="complaint"),
]


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "category", "expected"),
    [
        ("complaint", "normal", "MR.FAKE.TRADEMARK", 4),  # market regulation: 7 working days
        ("complaint", "normal", "MRX.OTHER", 3),  # a prefix matches whole path segments only
        ("complaint", "normal", "ST.STALL", 3),
        ("consultation", "normal", "MR.FAKE", 2),
        ("help", "normal", "UT.WATER.OUTAGE", 5),  # utilities: 24 hours
        ("suggestion", "normal", "ST.STALL", 1),  # the catch-all
        ("complaint", "urgent", "ST.STALL", 6),
    ],
)
def test_most_specific_policy_wins(
    ticket_type: str, urgency: str, category: str, expected: int
) -> None:
    chosen = choose(
        ROWS,
        ticket_type=ticket_type,
        urgency=urgency,
        category_code=category,
        unit_class="municipal_department",
    )
    assert chosen is not None and chosen.id == expected


def test_no_catch_all_means_no_policy() -> None:
    chosen = choose(
        ROWS[1:2],
        ticket_type="complaint",
        urgency="normal",
        category_code="MR",
        unit_class="enterprise",
    )
    assert chosen is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3wd", Duration(3, "working_days")),
        ("8wh", Duration(8, "working_hours")),
        ("2h", Duration(2, "hours")),
        (" 1.5 h ", Duration(1.5, "hours")),
    ],
)
def test_durations_parse(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "3d", "wd", "1.5wd", "-1h"])
def test_bad_durations_are_refused_with_the_value(text: str) -> None:
    with pytest.raises(PolicyError):
        parse_duration(text)


OFFICE_ROWS = [
    PolicyRow(1, None, None, None, None, "1wd", "1wd", "15wd", "3wd", dispatch="2wh"),
    PolicyRow(2, "complaint", None, None, None, "1wd", "1wd", "15wd", "3wd"),
    PolicyRow(3, None, "urgent", None, None, "1h", "2h", "24h", "3wd", dispatch="0.5h"),
]


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "expected"),
    [
        # The complaint row is more specific but sets no dispatch clock: the catch-all's counts.
        ("complaint", "normal", (1, "2wh")),
        ("complaint", "urgent", (3, "0.5h")),
        ("help", "normal", (1, "2wh")),
    ],
)
def test_an_office_clock_comes_from_the_most_specific_row_that_sets_it(
    ticket_type: str, urgency: str, expected: tuple[int, str]
) -> None:
    found = choose_office(
        OFFICE_ROWS,
        "dispatch",
        ticket_type=ticket_type,
        urgency=urgency,
        category_code="HO.HEATING",
        unit_class="",
    )
    assert found is not None and (found[0].id, found[1]) == expected


def test_no_row_setting_an_office_clock_means_no_clock() -> None:
    found = choose_office(
        OFFICE_ROWS,
        "reply_review",
        ticket_type="complaint",
        urgency="normal",
        category_code="",
        unit_class="",
    )
    assert found is None
