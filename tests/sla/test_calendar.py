"""Working-day arithmetic over the real 2025 and 2026 Chinese holiday calendars.

Holiday data below is copied from the State Council notices (国务院办公厅关于2025年/2026年部分节假日
安排的通知, published 12 Nov 2024 and 4 Nov 2025), not from the package, so the tests check the
package data as well as our arithmetic.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.sla.calendar import (
    DEFAULT_WORKING_HOURS,
    OFFICIAL_CALENDAR_YEARS,
    SHANGHAI,
    Due,
    Duration,
    WorkCalendar,
)

CAL = WorkCalendar()


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(i) for i in range((last - first).days + 1)}


# ---- the official calendar --------------------------------------------------------------------

REST_DAYS = {
    2025: (
        {date(2025, 1, 1)}
        | days(date(2025, 1, 28), date(2025, 2, 4))  # Spring Festival
        | days(date(2025, 4, 4), date(2025, 4, 6))  # Tomb-sweeping Day
        | days(date(2025, 5, 1), date(2025, 5, 5))  # Labour Day
        | days(date(2025, 5, 31), date(2025, 6, 2))  # Dragon Boat
        | days(date(2025, 10, 1), date(2025, 10, 8))  # National Day + Mid-Autumn
    ),
    2026: (
        days(date(2026, 1, 1), date(2026, 1, 3))
        | days(date(2026, 2, 15), date(2026, 2, 23))  # Spring Festival, 9 days
        | days(date(2026, 4, 4), date(2026, 4, 6))
        | days(date(2026, 5, 1), date(2026, 5, 5))
        | days(date(2026, 6, 19), date(2026, 6, 21))
        | days(date(2026, 9, 25), date(2026, 9, 27))  # Mid-Autumn
        | days(date(2026, 10, 1), date(2026, 10, 7))  # National Day
    ),
}
MAKE_UP_DAYS = {
    2025: {
        date(2025, 1, 26),  # Sun
        date(2025, 2, 8),  # Sat
        date(2025, 4, 27),  # Sun
        date(2025, 9, 28),  # Sun
        date(2025, 10, 11),  # Sat
    },
    2026: {
        date(2026, 1, 4),  # Sun
        date(2026, 2, 14),  # Sat
        date(2026, 2, 28),  # Sat
        date(2026, 5, 9),  # Sat
        date(2026, 9, 20),  # Sun
        date(2026, 10, 10),  # Sat
    },
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_day_of_the_year_matches_the_state_council_notice(year: int) -> None:
    for d in days(date(year, 1, 1), date(year, 12, 31)):
        expected = d in MAKE_UP_DAYS[year] or (d.weekday() < 5 and d not in REST_DAYS[year])
        assert CAL.is_working_day(d) is expected, d


def test_package_covers_2026() -> None:
    assert OFFICIAL_CALENDAR_YEARS[0] <= 2025 and OFFICIAL_CALENDAR_YEARS[1] >= 2026


@pytest.mark.parametrize(
    "d", [date(2027, 1, 4), date(2030, 10, 8), date(2003, 1, 2), date(1, 1, 2), date(9999, 12, 31)]
)
def test_years_without_an_arrangement_work_monday_to_friday(d: date) -> None:
    assert CAL.is_working_day(d) is (d.weekday() < 5)


@pytest.mark.parametrize(
    "d",
    [
        date(2027, 1, 1),  # New Year's Day, a Friday
        date(2027, 2, 5),  # New Year's Eve (lunar), statutory since 2025
        date(2027, 4, 5),  # Qingming
        date(2030, 10, 1),  # National Day
        date(2031, 6, 24),  # Dragon Boat (5th of the 5th lunar month)
        date(1, 1, 1),
    ],
)
def test_years_without_an_arrangement_still_rest_on_statutory_holidays(d: date) -> None:
    assert CAL.is_working_day(d) is False


def test_is_working_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        CAL.is_working_day(at(2025, 10, 1))


# ---- add_working_days -------------------------------------------------------------------------

WORKING_DAY_CASES = [
    # (start, n, due, why)
    (at(2025, 9, 30), 1, at(2025, 10, 9), "National Day week skipped"),
    (at(2025, 9, 30), 3, at(2025, 10, 11), "make-up Sat 11 Oct counted"),
    (at(2025, 9, 30), 4, at(2025, 10, 13), "make-up Sat counted, Sun skipped"),
    (at(2025, 9, 26, 16), 1, at(2025, 9, 28, 16), "make-up Sun 28 Sep counted"),
    (at(2025, 9, 30, 22), 1, at(2025, 10, 9, 22), "after-hours start keeps its clock time"),
    (at(2025, 1, 24), 1, at(2025, 1, 26), "make-up Sun 26 Jan"),
    (at(2025, 1, 24), 5, at(2025, 2, 7), "Spring Festival 2025 skipped"),
    (at(2025, 1, 27, 9), 1, at(2025, 2, 5, 9), "eve of Spring Festival"),
    (at(2025, 2, 7), 1, at(2025, 2, 8), "make-up Sat 8 Feb"),
    (at(2025, 4, 30), 1, at(2025, 5, 6), "Labour Day 2025"),
    (at(2025, 12, 31), 1, at(2026, 1, 4), "New Year 2026, make-up Sun 4 Jan"),
    (at(2026, 2, 13), 1, at(2026, 2, 14), "make-up Sat 14 Feb 2026"),
    (at(2026, 2, 13), 2, at(2026, 2, 24), "nine-day Spring Festival 2026"),
    (at(2026, 2, 27), 1, at(2026, 2, 28), "make-up Sat 28 Feb 2026"),
    (at(2026, 9, 18, 16), 1, at(2026, 9, 20, 16), "make-up Sun 20 Sep 2026"),
    (at(2026, 9, 24), 1, at(2026, 9, 28), "Mid-Autumn 2026"),
    (at(2026, 9, 30), 1, at(2026, 10, 8), "National Day 2026"),
    (at(2026, 9, 30), 3, at(2026, 10, 10), "make-up Sat 10 Oct 2026"),
    # Starts inside a rest day: next working day is day 1, due at close of business.
    (at(2025, 10, 3, 15), 1, at(2025, 10, 9, 17, 30), "start inside National Day"),
    (at(2025, 10, 3, 15), 3, at(2025, 10, 11, 17, 30), "... and make-up Sat as day 3"),
    (at(2025, 9, 27), 1, at(2025, 9, 28, 17, 30), "Sat start, make-up Sun is day 1"),
    (at(2025, 2, 1, 23), 4, at(2025, 2, 8, 17, 30), "start in Spring Festival 2025"),
    (at(2026, 2, 15, 8), 5, at(2026, 2, 28, 17, 30), "start in Spring Festival 2026"),
    (at(2025, 9, 13), 1, at(2025, 9, 15, 17, 30), "ordinary Saturday start"),
    # n == 0: the start itself.
    (at(2025, 10, 1), 0, at(2025, 10, 1), "zero days"),
]


@pytest.mark.parametrize(("start", "n", "due", "why"), WORKING_DAY_CASES)
def test_add_working_days(start: datetime, n: int, due: datetime, why: str) -> None:
    result = CAL.add_working_days(start, n)
    assert result.at == due, why
    assert result.at.tzinfo is SHANGHAI
    first, last = result.trace[0], result.trace[-1]
    assert first["step"] in ("start", "start_rest_day")
    assert (last["step"], last["at"]) == ("due", result.at.isoformat())
    rest_day_start = first["step"] == "start_rest_day"
    note = "zero_days" if n == 0 else "close_of_business" if rest_day_start else None
    assert last.get("note") == note


# Traces are data: the steps below are what the ticket page and the CLI put into words
# (tests/sla/test_traces.py checks the words, in Chinese and English).

NATIONAL_DAY_2025 = {
    "step": "skip",
    "first": "2025-10-01",
    "last": "2025-10-08",
    "reasons": ["holiday"],
    "holidays": ["National Day", "Mid-autumn Festival"],
}


def test_trace_of_the_national_day_example() -> None:
    due = CAL.add_working_days(at(2025, 9, 30), 4)
    assert due.trace == [
        {"step": "start", "at": "2025-09-30T10:00:00+08:00"},
        NATIONAL_DAY_2025,
        {"step": "count_days", "first": "2025-10-09", "last": "2025-10-10", "from": 1, "to": 2},
        {
            "step": "count_day",
            "day": "2025-10-11",
            "kind": "make_up",
            "holiday": "National Day",
            "n": 3,
        },
        {
            "step": "skip",
            "first": "2025-10-12",
            "last": "2025-10-12",
            "reasons": ["weekend"],
            "holidays": [],
        },
        {"step": "count_days", "first": "2025-10-13", "last": "2025-10-13", "from": 4, "to": 4},
        {"step": "due", "at": "2025-10-13T10:00:00+08:00"},
    ]
    assert json.loads(json.dumps(due.trace)) == due.trace  # stored as event JSON unchanged


def test_trace_of_a_start_inside_spring_festival_2026() -> None:
    due = CAL.add_working_days(at(2026, 2, 16, 11), 1)
    assert due.at == at(2026, 2, 24, 17, 30)
    assert due.trace == [
        {"step": "start_rest_day", "at": "2026-02-16T11:00:00+08:00"},
        {
            "step": "skip",
            "first": "2026-02-16",
            "last": "2026-02-23",
            "reasons": ["holiday"],
            "holidays": ["Spring Festival"],
        },
        {"step": "count_days", "first": "2026-02-24", "last": "2026-02-24", "from": 1, "to": 1},
        {"step": "due", "at": "2026-02-24T17:30:00+08:00", "note": "close_of_business"},
    ]


def test_trace_across_a_year_without_an_arrangement_says_it_is_provisional() -> None:
    due = CAL.add_working_days(at(2026, 12, 29), 5)
    assert due.at == at(2027, 1, 6)  # 1 Jan 2027 is New Year's Day even without a notice
    assert {"step": "provisional", "year": 2027} in due.trace
    assert due.provisional_years == [2027]
    assert {
        "step": "skip",
        "first": "2027-01-01",
        "last": "2027-01-03",
        "reasons": ["holiday", "weekend"],
        "holidays": ["New Year's Day"],
    } in due.trace
    assert CAL.add_working_days(at(2026, 12, 1), 5).provisional_years == []


def test_other_time_zones_are_converted_to_local_time() -> None:
    # 02:00 UTC is 10:00 in Shanghai on Tue 30 Sep.
    assert CAL.add_working_days(datetime(2025, 9, 30, 2, tzinfo=UTC), 1).at == at(2025, 10, 9)
    # 17:00 UTC on 30 Sep is already 01:00 on 1 Oct (a holiday) in Shanghai.
    late = CAL.add_working_days(datetime(2025, 9, 30, 17, tzinfo=UTC), 1)
    assert late.at == at(2025, 10, 9, 17, 30)
    assert late.at.tzinfo is SHANGHAI


# ---- local overrides --------------------------------------------------------------------------


def test_override_extra_rest_day() -> None:
    cal = WorkCalendar(overrides={date(2025, 10, 9): False})
    assert not cal.is_working_day(date(2025, 10, 9))
    due = cal.add_working_days(at(2025, 9, 30), 1)
    assert due.at == at(2025, 10, 10)
    assert NATIONAL_DAY_2025 | {"last": "2025-10-09", "reasons": ["holiday", "local_rest"]} in (
        due.trace
    )


def test_override_extra_working_day_on_a_sunday() -> None:
    cal = WorkCalendar(overrides={date(2025, 10, 12): True})
    due = cal.add_working_days(at(2025, 9, 30), 4)
    assert due.at == at(2025, 10, 12)
    assert {"step": "count_day", "day": "2025-10-12", "kind": "local_work", "n": 4} in due.trace


def test_override_cancels_an_official_holiday_and_a_make_up_day() -> None:
    cal = WorkCalendar(overrides={date(2025, 10, 8): True, date(2025, 10, 11): False})
    assert cal.add_working_days(at(2025, 9, 30), 1).at == at(2025, 10, 8)
    assert cal.add_working_days(at(2025, 9, 30), 4).at == at(2025, 10, 13)


def test_override_beyond_official_years() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 1): False})
    assert not cal.is_working_day(date(2027, 1, 1))


def test_overrides_are_copied_and_validated() -> None:
    source = {date(2025, 10, 9): False}
    cal = WorkCalendar(overrides=source)
    source[date(2025, 10, 9)] = True
    assert not cal.is_working_day(date(2025, 10, 9))
    with pytest.raises(TypeError):
        WorkCalendar(overrides={at(2025, 10, 9): False})
    with pytest.raises(TypeError):
        WorkCalendar(overrides={date(2025, 10, 9): 0})  # type: ignore[dict-item]


def test_calendar_is_hashable_and_comparable() -> None:
    assert WorkCalendar() == WorkCalendar(overrides={})
    assert hash(WorkCalendar()) == hash(WorkCalendar())
    assert WorkCalendar(overrides={date(2025, 1, 2): False}) != WorkCalendar()


# ---- working hours ----------------------------------------------------------------------------

WORKING_HOUR_CASES = [
    # (start, hours, due, why)
    (at(2025, 9, 9, 11), 2, at(2025, 9, 9, 15, 30), "across the lunch break"),
    (at(2025, 9, 9, 11), 1, at(2025, 9, 9, 12), "ends exactly at the lunch break"),
    (at(2025, 9, 9, 13), 1, at(2025, 9, 9, 15, 30), "starts inside the lunch break"),
    (at(2025, 9, 9, 7), 1, at(2025, 9, 9, 9, 30), "starts before opening"),
    (at(2025, 9, 9, 17), 0.5, at(2025, 9, 9, 17, 30), "ends exactly at closing"),
    (at(2025, 9, 12, 17), 1, at(2025, 9, 15, 9), "Friday evening across a weekend"),
    (at(2025, 9, 12, 18), 0.5, at(2025, 9, 15, 9), "after hours on Friday"),
    (at(2025, 9, 13, 10), 6.5, at(2025, 9, 15, 17, 30), "Saturday start, one full day"),
    (at(2025, 9, 30, 16), 20, at(2025, 10, 11, 16, 30), "across National Day, make-up Sat"),
    (at(2026, 2, 13, 17), 1, at(2026, 2, 14, 9), "make-up Sat 14 Feb 2026"),
    (at(2025, 9, 9, 11), 0, at(2025, 9, 9, 11), "zero hours"),
    (at(2025, 9, 9, 10), 0.25, at(2025, 9, 9, 10, 15), "fractional hours"),
]


@pytest.mark.parametrize(("start", "hours", "due", "why"), WORKING_HOUR_CASES)
def test_add_working_hours(start: datetime, hours: float, due: datetime, why: str) -> None:
    result = CAL.add_working_hours(start, hours)
    assert result.at == due, why
    assert result.at.tzinfo is SHANGHAI
    assert CAL.working_hours_between(start, result.at) == pytest.approx(hours)


def test_working_hours_trace() -> None:
    due = CAL.add_working_hours(at(2025, 9, 30, 16), 20)
    assert due.trace == [
        {"step": "start", "at": "2025-09-30T16:00:00+08:00"},
        {
            "step": "count_hours",
            "day": "2025-09-30",
            "ranges": [["16:00:00", "17:30:00"]],
            "seconds": 5400,
            "total_seconds": 5400,
        },
        NATIONAL_DAY_2025,
        {
            "step": "count_full_days",
            "first": "2025-10-09",
            "last": "2025-10-10",
            "days": 2,
            "seconds": 13 * 3600,
            "total_seconds": 14 * 3600 + 1800,
        },
        {
            "step": "count_hours",
            "day": "2025-10-11",
            "ranges": [["08:30:00", "12:00:00"], ["14:30:00", "16:30:00"]],
            "kind": "make_up",
            "holiday": "National Day",
            "seconds": 5 * 3600 + 1800,
            "total_seconds": 20 * 3600,
        },
        {"step": "due", "at": "2025-10-11T16:30:00+08:00"},
    ]


@pytest.mark.parametrize(
    ("start", "position"),
    [
        (at(2025, 9, 9, 11), None),
        (at(2025, 9, 9, 7), "before_hours"),
        (at(2025, 9, 9, 13), "between_windows"),
        (at(2025, 9, 9, 18), "after_hours"),
        (at(2025, 10, 1, 11), "rest_day"),
    ],
)
def test_working_hours_trace_says_when_the_clock_waits(
    start: datetime, position: str | None
) -> None:
    first = CAL.add_working_hours(start, 1).trace[0]
    assert first == {"step": "start", "at": start.isoformat()} | (
        {"position": position} if position else {}
    )


def test_custom_working_hours() -> None:
    cal = WorkCalendar(working_hours=((time(9), time(17)),))
    assert cal.add_working_hours(at(2025, 9, 9, 16), 2).at == at(2025, 9, 10, 10)
    assert cal.add_working_days(at(2025, 9, 13), 1).at == at(2025, 9, 15, 17)
    assert cal.close_of_business == time(17)
    assert CAL.opening_time == time(8, 30) and CAL.close_of_business == time(17, 30)
    assert CAL.working_hours == ((time(8, 30), time(12)), (time(14, 30), time(17, 30)))


@pytest.mark.parametrize(
    "windows",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(12)), (time(11), time(15))),
        ((time(14), time(17)), (time(9), time(12))),
    ],
)
def test_bad_working_hours_are_refused(windows: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(working_hours=windows)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        (at(2025, 9, 9, 11), at(2025, 9, 9, 15), 1.5),
        (at(2025, 9, 9, 15), at(2025, 9, 9, 11), 0.0),
        (at(2025, 9, 9, 11), at(2025, 9, 9, 11), 0.0),
        (at(2025, 9, 12, 17), at(2025, 9, 15, 9), 1.0),
        (at(2025, 10, 1, 0), at(2025, 10, 8, 23), 0.0),
        (at(2025, 9, 8, 0), at(2025, 9, 13, 0), 5 * 6.5),
        (at(2025, 9, 30, 16), at(2025, 10, 13, 10), 1.5 + 13 + 6.5 + 1.5),
        (datetime(2025, 9, 9, 3, tzinfo=UTC), at(2025, 9, 9, 15), 1.5),
    ],
)
def test_working_hours_between(a: datetime, b: datetime, hours: float) -> None:
    assert CAL.working_hours_between(a, b) == pytest.approx(hours)


# ---- plain clock hours and durations ----------------------------------------------------------


def test_add_hours_counts_nights_and_holidays() -> None:
    due = CAL.add_hours(at(2025, 9, 30, 23), 2)
    assert due.at == at(2025, 10, 1, 1)
    assert due.trace == [
        {"step": "start", "at": "2025-09-30T23:00:00+08:00"},
        {"step": "clock_hours", "seconds": 7200},
        {"step": "due", "at": "2025-10-01T01:00:00+08:00"},
    ]
    assert CAL.add_hours(datetime(2025, 9, 30, 15, tzinfo=UTC), 0.5).at == at(2025, 9, 30, 23, 30)


@pytest.mark.parametrize(
    ("duration", "due"),
    [
        (Duration(2, "hours"), at(2025, 9, 30, 18)),
        (Duration(3, "working_hours"), at(2025, 10, 9, 10)),
        (Duration(1, "working_days"), at(2025, 10, 9, 16)),
        (Duration(2.0, "working_days"), at(2025, 10, 10, 16)),
    ],
)
def test_add_dispatches_on_the_unit(duration: Duration, due: datetime) -> None:
    assert CAL.add(at(2025, 9, 30, 16), duration).at == due


def test_duration_str() -> None:
    assert str(Duration(1, "working_days")) == "1 working day"
    assert str(Duration(2.5, "hours")) == "2.5 hours"
    assert str(Duration(16, "working_hours")) == "16 working hours"


@pytest.mark.parametrize(
    ("amount", "unit", "error"),
    [
        (-1, "hours", ValueError),
        (math.nan, "hours", ValueError),
        (math.inf, "working_hours", ValueError),
        (1.5, "working_days", ValueError),
        (1, "days", ValueError),
        (True, "hours", TypeError),
        ("2", "hours", TypeError),
    ],
)
def test_bad_durations_are_refused(amount: object, unit: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        Duration(amount, unit)  # type: ignore[arg-type]


# ---- refusals ---------------------------------------------------------------------------------

NAIVE = datetime(2025, 9, 30, 10)  # noqa: DTZ001 - deliberately naive


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_days(NAIVE, 1),
        lambda: CAL.add_working_hours(NAIVE, 1),
        lambda: CAL.add_hours(NAIVE, 1),
        lambda: CAL.add(NAIVE, Duration(1, "hours")),
        lambda: CAL.working_hours_between(NAIVE, at(2025, 10, 9)),
        lambda: CAL.working_hours_between(at(2025, 10, 9), NAIVE),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: CAL.add_working_days(at(2025, 9, 30), -1), ValueError),
        (lambda: CAL.add_working_days(at(2025, 9, 30), 1.5), TypeError),  # type: ignore[arg-type]
        (lambda: CAL.add_working_hours(at(2025, 9, 30), -0.5), ValueError),
        (lambda: CAL.add_working_hours(at(2025, 9, 30), math.nan), ValueError),
        (lambda: CAL.add_hours(at(2025, 9, 30), -2), ValueError),
        (lambda: CAL.add_working_days(at(2025, 9, 30), 10**9), ValueError),
        (lambda: CAL.add_working_days(datetime(9999, 12, 30, tzinfo=SHANGHAI), 5), ValueError),
        (lambda: CAL.add_hours(datetime(9999, 12, 30, tzinfo=SHANGHAI), 1e6), ValueError),
    ],
)
def test_bad_arguments_are_refused(call: object, error: type[Exception]) -> None:
    assert callable(call)
    with pytest.raises(error):
        call()


# ---- properties -------------------------------------------------------------------------------

FIRST_YEAR, LAST_YEAR = OFFICIAL_CALENDAR_YEARS
PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

starts = st.datetimes(
    min_value=datetime(FIRST_YEAR, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(LAST_YEAR, 11, 30),  # noqa: DTZ001
    timezones=st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York")]),
    allow_imaginary=False,
)
overrides = st.dictionaries(
    st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 31)),
    st.booleans(),
    max_size=30,
)
hour_windows = st.sampled_from(
    [
        DEFAULT_WORKING_HOURS,
        ((time(9), time(17)),),
        ((time(8), time(11, 45)), (time(13), time(15, 15)), (time(16), time(18, 0, 30))),
    ]
)
calendars = st.builds(WorkCalendar, overrides=overrides, working_hours=hour_windows)


def local_date(moment: datetime, cal: WorkCalendar) -> date:
    return moment.astimezone(cal.tz).date()


@PROPERTIES
@given(cal=calendars, start=starts, n=st.integers(min_value=1, max_value=25))
def test_property_working_days(cal: WorkCalendar, start: datetime, n: int) -> None:
    due = cal.add_working_days(start, n)
    assert due.at > start
    assert due.at.tzinfo is cal.tz
    due_day = local_date(due.at, cal)
    assert cal.is_working_day(due_day)
    start_day = local_date(start, cal)
    between = sum(
        cal.is_working_day(start_day + timedelta(i)) for i in range(1, (due_day - start_day).days)
    )
    assert between == n - 1
    if cal.is_working_day(start_day):
        assert due.at.astimezone(cal.tz).time() == start.astimezone(cal.tz).time()
    else:
        assert due.at.astimezone(cal.tz).time() == cal.close_of_business
    assert cal.add_working_days(start, n + 1).at > due.at
    assert due.trace[0]["step"] in ("start", "start_rest_day")
    assert due.trace[-1]["step"] == "due" and due.trace[-1]["at"] == due.at.isoformat()


@PROPERTIES
@given(cal=calendars, start=starts, n=st.integers(min_value=0, max_value=25))
def test_property_working_days_are_monotonic(cal: WorkCalendar, start: datetime, n: int) -> None:
    assert cal.add_working_days(start, n + 1).at > cal.add_working_days(start, n).at


@PROPERTIES
@given(
    cal=calendars,
    start=starts,
    hours=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
)
def test_property_working_hours_round_trip(
    cal: WorkCalendar, start: datetime, hours: float
) -> None:
    due = cal.add_working_hours(start, hours)
    assert due.at >= start
    assert cal.working_hours_between(start, due.at) == pytest.approx(hours, abs=1e-6)
    if timedelta(hours=hours) > timedelta(0):  # below a microsecond rounds to nothing
        assert due.at > start
        assert cal.is_working_day(local_date(due.at, cal))


@PROPERTIES
@given(
    cal=calendars,
    a=starts,
    gaps=st.tuples(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    ),
)
def test_property_working_hours_between_is_additive(
    cal: WorkCalendar, a: datetime, gaps: tuple[timedelta, timedelta]
) -> None:
    b = a + gaps[0]
    c = b + gaps[1]
    whole = cal.working_hours_between(a, c)
    assert whole == pytest.approx(
        cal.working_hours_between(a, b) + cal.working_hours_between(b, c), abs=1e-6
    )
    assert 0 <= whole <= (c.astimezone(UTC) - a.astimezone(UTC)).total_seconds() / 3600 + 1e-9
    assert cal.working_hours_between(c, a) == 0


@PROPERTIES
@given(start=starts, hours=st.floats(min_value=0, max_value=1000, allow_nan=False))
def test_property_add_hours_is_elapsed_time(start: datetime, hours: float) -> None:
    due = CAL.add_hours(start, hours)
    assert abs(due.at - start - timedelta(hours=hours)) <= timedelta(microseconds=1)
    assert isinstance(due, Due)
