"""Reading parameters: lenient times, comma lists, empty == absent, the 90-day window (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.open311.params import (
    CLOSED_STATES,
    MAX_WINDOW,
    OPEN_STATES,
    listed,
    parse_when,
    request_query,
    single,
)
from service.tickets.states import Status

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
MOMENT = datetime(2026, 11, 29, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-29T10:00:00+08:00",
        "2026-11-29T02:00:00Z",
        "2026-11-29T02:00:00z",
        "2026-11-29T10:00:00+0800",
        "2026-11-29T10:00:00 08:00",  # the + arrived as a space
        "2026-11-29T10:00:00 0800",
        "2026-11-29 10:00:00 08:00",
        "2026-11-29T10:00:00.000+08:00",
        "2026-11-29T02:00:00.000000000Z",
        "2026-11-29T10:00:00",  # no offset: local time
        "2026-11-29T10:00",
        "  2026-11-29T10:00:00+08:00 ",
    ],
)
def test_times_are_read_leniently(text: str) -> None:
    assert parse_when(text, TZ) == MOMENT


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "29/11/2026", "2026-11-29T25:00"])
def test_what_is_not_a_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_when(text, TZ)


def test_lists_values_and_blanks() -> None:
    pairs = [("service_code", "A, B,,"), ("service_code", "C"), ("service_code", "A"), ("x", "")]
    assert listed(pairs, "service_code") == ["A", "B", "C"]
    assert single(pairs, "x") is None and single(pairs, "missing") is None
    assert single([("page", "2"), ("page", "")], "page") == "2"


def test_open_and_closed_cover_every_state_once() -> None:
    assert set(Status) == OPEN_STATES | CLOSED_STATES
    assert not OPEN_STATES & CLOSED_STATES
    # Answered by the hotline still waits for its sampled callback: open until closed.
    assert Status.ANSWERED in OPEN_STATES and Status.MERGED in CLOSED_STATES


def test_the_default_window_is_the_last_90_days() -> None:
    query, problems = request_query([], now=NOW, tz=TZ)
    assert not problems and query is not None
    assert query.requested == (NOW - MAX_WINDOW, NOW) and query.updated is None
    assert (query.page, query.page_size, query.extensions) == (1, 1000, False)


def test_blank_parameters_change_nothing() -> None:
    blank = [(k, "") for k in ("service_code", "status", "start_date", "end_date", "page")]
    assert request_query(blank, now=NOW, tz=TZ) == request_query([], now=NOW, tz=TZ)


def test_one_end_opens_90_days_from_it() -> None:
    start = NOW - timedelta(days=200)
    query, _ = request_query([("start_date", start.isoformat())], now=NOW, tz=TZ)
    assert query is not None and query.requested == (start, start + MAX_WINDOW)
    query, _ = request_query([("end_date", start.isoformat())], now=NOW, tz=TZ)
    assert query is not None and query.requested == (start - MAX_WINDOW, start)


def test_updated_bounds_without_dates_take_the_window_over() -> None:
    after = NOW - timedelta(days=3)
    query, _ = request_query([("updated_after", after.isoformat())], now=NOW, tz=TZ)
    assert query is not None
    assert query.requested is None and query.updated == (after, after + MAX_WINDOW)


@pytest.mark.parametrize(
    "pairs",
    [
        [("start_date", "2026-01-01T00:00:00Z"), ("end_date", "2026-06-01T00:00:00Z")],
        [("start_date", "2026-06-01T00:00:00Z"), ("end_date", "2026-05-01T00:00:00Z")],
        [("status", "pending")],
        [("page", "0")],
        [("page_size", "5000")],
        [("extensions", "perhaps")],
        [("updated_after", "soon")],
    ],
)
def test_bad_filters_are_problems_with_code_400(pairs: list[tuple[str, str]]) -> None:
    query, problems = request_query(pairs, now=NOW, tz=TZ)
    assert query is None and problems and all(p.code == 400 for p in problems)


def test_ids_override_the_other_filters() -> None:
    pairs = [("service_request_id", "bt1,BT2"), ("status", "nonsense"), ("start_date", "x")]
    query, problems = request_query(pairs, now=NOW, tz=TZ)
    assert not problems and query is not None
    assert query.ids == ("BT1", "BT2") and query.requested is None and query.statuses is None


def test_status_words_map_to_our_states() -> None:
    query, _ = request_query([("status", "closed")], now=NOW, tz=TZ)
    assert query is not None and query.statuses == CLOSED_STATES
    query, _ = request_query([("status", "OPEN,closed")], now=NOW, tz=TZ)
    assert query is not None and query.statuses == set(Status)
