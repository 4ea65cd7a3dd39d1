"""The complaint validator (pure): phones, lengths, anonymity, times, coordinates."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.intake.schemas import clean_text, parse_complaint
from tests.intake.helpers import complaint_fields

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def test_a_good_complaint_parses() -> None:
    data, errors = parse_complaint(complaint_fields(), tz=TZ, now=NOW, require_consent=True)
    assert errors == {} and data is not None
    assert data.contact.phone == "+8613812345678"
    assert data.occurred_at == datetime(2026, 11, 20, 10, 30, tzinfo=UTC)  # 18:30 Shanghai


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "other"}, "type"),
        ({"title": "短"}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"description": "太短"}, "description"),
        ({"request": "x" * 1001}, "request"),
        ({"name": ""}, "name"),
        ({"phone": ""}, "phone"),
        ({"email": "a@b"}, "email"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2026-11-29T18:00"}, "occurred_at"),  # later than now in Baotou
        ({"lat": "91", "long": "109"}, "lat"),
        ({"lat": "40.6"}, "long"),
        ({"consent": ""}, "consent"),
    ],
)
def test_each_problem_is_named_by_its_field(overrides: dict[str, str], field: str) -> None:
    data, errors = parse_complaint(
        complaint_fields(**overrides), tz=TZ, now=NOW, require_consent=True
    )
    assert data is None and field in errors


def test_anonymous_drops_contact_details_and_confidentiality() -> None:
    fields = complaint_fields(anonymous="on", confidential="on", phone="not a phone")
    data, errors = parse_complaint(fields, tz=TZ, now=NOW, require_consent=True)
    assert errors == {} and data is not None
    assert data.contact.name == data.contact.phone == data.contact.email == ""
    assert not data.confidential


def test_control_characters_are_removed_and_line_breaks_unified() -> None:
    assert clean_text(" a\x00b\r\nc\x1b ") == "ab\nc"
