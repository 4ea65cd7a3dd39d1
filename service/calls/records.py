"""Validate one telephony call record in plain Python: a bad row is a reason, never an exception.

Times are ISO 8601; a time without an offset is the city's local time. Numbers are stored
in the one form every channel uses (service.intake.phones), so a call matches the tickets of
the same person whichever way they reached us.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.calls.models import Direction, Outcome
from service.intake import phones

FIELDS = (
    "call_id",
    "caller_number",
    "called_number",
    "started_at",
    "ended_at",
    "agent",
    "direction",
    "outcome",
    "recording_url",
)
REQUIRED = ("call_id", "caller_number", "started_at", "outcome")
# Telephony systems mark a withheld caller number with one of these; it cannot be called back.
WITHHELD = frozenset({"", "anonymous", "unknown", "withheld", "private", "restricted"})
# Clocks drift; a call a little "in the future" is skew, a day ahead is a broken record.
FUTURE_SKEW = timedelta(minutes=10)
_DIRECTIONS = {d.value for d in Direction}
_OUTCOMES = {o.value for o in Outcome}


def parse_time(raw: Any, tz: ZoneInfo) -> datetime:
    """An aware UTC datetime from ISO 8601 text; without an offset it is local time."""
    if not isinstance(raw, str):
        raise ValueError("expected an ISO 8601 date and time")
    text = raw.strip()
    if len(text) < 16:  # a bare date is not a call time
        raise ValueError("expected an ISO 8601 date and time")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(ZoneInfo("UTC"))


def validate(
    raw: Mapping[str, Any], *, tz: ZoneInfo, received_at: datetime
) -> dict[str, Any] | str:
    """The row ready to insert, or one line naming every bad field."""
    problems: list[str] = []

    def text(name: str, limit: int) -> str:
        value = raw.get(name)
        if value is None:
            return ""
        if not isinstance(value, str | int):
            problems.append(f"{name}: expected text")
            return ""
        value = str(value).strip()
        if len(value) > limit:
            problems.append(f"{name}: longer than {limit} characters")
        return value

    missing = [name for name in REQUIRED if raw.get(name) in (None, "") and name != "caller_number"]
    if missing:
        return "missing " + ", ".join(missing)

    call_id = text("call_id", 64)
    caller_raw = text("caller_number", 40)
    caller = "" if caller_raw.lower() in WITHHELD else phones.normalise(caller_raw)
    if caller_raw.lower() not in WITHHELD and not 3 <= len(caller) <= 20:
        problems.append("caller_number: not a phone number")
    called = phones.normalise(text("called_number", 40))
    agent = text("agent", 60)
    url = text("recording_url", 500)
    if url and not url.startswith(("https://", "http://")):
        problems.append("recording_url: must be an http(s) URL")
    direction = (text("direction", 10) or Direction.INBOUND.value).lower()
    if direction not in _DIRECTIONS:
        problems.append("direction: must be inbound or outbound")
    outcome = text("outcome", 10).lower()
    if outcome not in _OUTCOMES:
        problems.append("outcome: must be answered, missed or abandoned")

    started = ended = None
    try:
        started = parse_time(raw.get("started_at"), tz)
        if started > received_at + FUTURE_SKEW:
            problems.append("started_at: in the future")
    except ValueError as exc:
        problems.append(f"started_at: {exc}")
    if raw.get("ended_at") not in (None, ""):
        try:
            ended = parse_time(raw.get("ended_at"), tz)
            if started is not None and ended < started:
                problems.append("ended_at: before started_at")
        except ValueError as exc:
            problems.append(f"ended_at: {exc}")
    if problems:
        return "; ".join(problems)
    return {
        "call_id": call_id,
        "caller_number": caller,
        "called_number": called,
        "started_at": started,
        "ended_at": ended,
        "agent": agent,
        "direction": direction,
        "outcome": outcome,
        "recording_url": url,
        "received_at": received_at,
        "callback_attempts": 0,
        "callback_note": "",
    }
