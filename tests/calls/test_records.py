"""Validating one call record: plain rules, one line naming every bad field."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.calls.records import validate

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
GOOD = {
    "call_id": "PBX-1",
    "caller_number": "+86 139-1234-5678",
    "called_number": "12345",
    "started_at": "2026-11-29T10:00:00",
    "ended_at": "2026-11-29T10:04:00+08:00",
    "agent": "op001",
    "direction": "inbound",
    "outcome": "Missed",
    "recording_url": "https://pbx.example/r/1.wav",
}


def test_a_good_record_is_normalised_and_local_times_become_utc() -> None:
    row = validate(GOOD, tz=TZ, received_at=NOW)
    assert isinstance(row, dict)
    assert row["caller_number"] == "+8613912345678"  # the form every channel stores
    assert row["started_at"] == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    assert row["ended_at"] == datetime(2026, 11, 29, 2, 4, tzinfo=UTC)
    assert row["outcome"] == "missed" and row["direction"] == "inbound"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"call_id": ""}, "missing call_id"),
        ({"started_at": None, "outcome": ""}, "missing started_at, outcome"),
        ({"started_at": "yesterday at ten"}, "started_at: not an ISO 8601 date and time"),
        ({"started_at": "2026-11-29"}, "started_at: expected an ISO 8601 date and time"),
        ({"started_at": "2026-12-31T10:00:00", "ended_at": ""}, "started_at: in the future"),
        ({"ended_at": "2026-11-29T09:00:00"}, "ended_at: before started_at"),
        ({"outcome": "hung up"}, "outcome: must be answered, missed or abandoned"),
        ({"direction": "sideways"}, "direction: must be inbound or outbound"),
        ({"caller_number": "12"}, "caller_number: not a phone number"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url: must be an http(s) URL"),
        ({"call_id": "x" * 65}, "call_id: longer than 64 characters"),
        ({"agent": ["a"]}, "agent: expected text"),
    ],
)
def test_a_bad_record_is_a_reason(change: dict[str, object], reason: str) -> None:
    assert validate({**GOOD, **change}, tz=TZ, received_at=NOW) == reason


def test_every_bad_field_is_named_at_once() -> None:
    reason = validate({**GOOD, "outcome": "x", "direction": "y"}, tz=TZ, received_at=NOW)
    assert reason == (
        "direction: must be inbound or outbound; outcome: must be answered, missed or abandoned"
    )


def test_a_withheld_number_is_kept_as_empty() -> None:
    row = validate({**GOOD, "caller_number": "anonymous"}, tz=TZ, received_at=NOW)
    assert isinstance(row, dict) and row["caller_number"] == ""


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("008613912345678", "+8613912345678"),
        ("0472-5123456", "+864725123456"),
        ("12345", "12345"),  # a short code phonenumbers cannot read keeps its digits
        ("+86 12315", "12315"),
    ],
)
def test_a_short_code_is_kept_as_digits_never_rejected(raw: str, stored: str) -> None:
    row = validate({**GOOD, "caller_number": raw}, tz=TZ, received_at=NOW)
    assert isinstance(row, dict) and row["caller_number"] == stored
