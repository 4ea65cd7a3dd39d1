"""Working-day calendar arithmetic on the Chinese official calendar, with city overrides.

Pure code: no database, no I/O and no reading of the current time. Every moment is an aware
datetime (naive ones are refused with ValueError); results are expressed in the calendar's
local time zone (Asia/Shanghai by default).

Which days are working days (``WorkCalendar.is_working_day``):

1. the city's override table wins (True = working day, False = rest day);
2. otherwise the year's official arrangement as entered by an administrator (``arrangements``:
   holidays and weekend make-up working days, 调休), Mon-Fri on the days it does not list;
3. otherwise the State Council calendar as published in the ``chinesecalendar`` package;
4. for years with neither, the statutory holidays of the national rules
   (``service.sla.holidays``) and Mon-Fri, with no make-up days: such a year is *provisional*,
   and the trace of any computation that touches it says so (``Due.provisional_years``).
   A user's date never makes these functions raise.

Rules of the clocks:

* ``add_working_days(start, n)``: the due date is the n-th working day *after* the start's local
  date. If the start date is a working day the due time is the start's clock time (a complaint
  taken Tuesday 10:00 with 1 working day is due Wednesday 10:00, whatever the hour). If the
  start date is a rest day (weekend, holiday, local rest day) the clock starts on the next working
  day, which counts as day 1, and the due time is close of business (end of the last working-hours
  window) of the n-th working day: received Saturday, 1 working day -> due Monday 17:30. In both
  cases exactly n - 1 working days lie strictly between the start date and the due date.
  ``n == 0`` returns the start itself.
* ``add_working_hours(start, h)``: time only runs inside the working-hours windows of working
  days; a start outside them waits for the next window. When the hours run out exactly at the
  end of a window the due moment is that window's end (12:00, not 14:30).
* ``working_hours_between(a, b)``: the inverse measure, 0 when b <= a.
* ``add_hours(start, h)``: plain elapsed time, nights and holidays included (urgent clocks).

Working-hours arithmetic is done in local wall-clock time (Asia/Shanghai has no DST, so this is
also elapsed time there); ``add_hours`` always uses elapsed time.

Every result carries its trace as data, not words: a list of steps ``{"step": KIND, ...}`` with
dates and moments as ISO strings, counts as numbers and holidays by the package's English name,
so it can be stored as JSON and read in any language (``service.sla.traces`` names the kinds and
renders them).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Any, Literal
from zoneinfo import ZoneInfo

import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

from service.sla.holidays import ArrangedDay, statutory_days

__all__ = [
    "DEFAULT_WORKING_HOURS",
    "DURATION_UNITS",
    "OFFICIAL_CALENDAR_YEARS",
    "SHANGHAI",
    "Due",
    "TraceStep",
    "Duration",
    "DurationUnit",
    "WorkCalendar",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Common Chinese government office hours: 08:30-12:00 and 14:30-17:30 (6.5 hours a day).
DEFAULT_WORKING_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 30), time(17, 30)),
)

DurationUnit = Literal["hours", "working_hours", "working_days"]
DURATION_UNITS: tuple[DurationUnit, ...] = ("hours", "working_hours", "working_days")


def _official_years() -> tuple[int, int]:
    years = [int(d.year) for d in chinese_calendar.constants.holidays]
    return min(years), max(years)


#: First and last year (inclusive) that the installed chinesecalendar package has data for.
OFFICIAL_CALENDAR_YEARS: tuple[int, int] = _official_years()

# Longest walk any computation may take, so absurd inputs fail fast instead of spinning.
_MAX_WALK_DAYS = 366 * 100

# Kinds of special days, as they appear in trace steps.
_HOLIDAY = "holiday"  # rest day whose reason is the official holiday's name
_WEEKEND = "weekend"
_LOCAL_REST = "local_rest"
_LOCAL_WORK = "local_work"
_MAKE_UP = "make_up"  # weekend working day in exchange for a holiday (调休)

#: One step of a calculation trace: ``{"step": kind, **parameters}``, JSON-ready.
TraceStep = dict[str, Any]


# --------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A computed deadline: the aware local moment and the steps that led to it."""

    at: datetime
    trace: list[TraceStep] = field(default_factory=list, hash=False)

    @property
    def provisional_years(self) -> list[int]:
        """Years the computation crossed that have no official arrangement yet."""
        return sorted({int(s["year"]) for s in self.trace if s.get("step") == "provisional"})


@dataclass(frozen=True)
class Duration:
    """An amount of time in one of the policy units: clock hours, working hours or working days."""

    amount: float
    unit: DurationUnit

    def __post_init__(self) -> None:
        if self.unit not in DURATION_UNITS:
            raise ValueError(
                f"unknown duration unit {self.unit!r}; expected one of {', '.join(DURATION_UNITS)}"
            )
        _check_amount(self.amount, "duration amount")
        if self.unit == "working_days" and not float(self.amount).is_integer():
            raise ValueError(f"working days must be a whole number, got {self.amount}")

    def __str__(self) -> str:
        amount = _fmt_number(self.amount)
        noun = {"hours": "hour", "working_hours": "working hour", "working_days": "working day"}
        return f"{amount} {noun[self.unit]}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class _Day:
    """How one local date is classified, and why."""

    working: bool
    kind: str | None  # None = ordinary weekday; else _HOLIDAY/_WEEKEND/_LOCAL_*/_MAKE_UP
    name: str | None  # official holiday name (rest days and make-up days)
    official: bool  # False when the year has no official arrangement (provisional)

    def special(self) -> dict[str, str]:
        """What sets a working day apart in a trace step: its kind and holiday, if any."""
        if self.kind is None:
            return {}
        return {"kind": self.kind} | ({"holiday": self.name} if self.name else {})


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """Working days (official calendar + city overrides) and working hours in one time zone."""

    overrides: Mapping[date, bool] = field(default_factory=dict, hash=False)
    # Entered official arrangements by year; a year listed here replaces the package's data.
    arrangements: Mapping[int, Mapping[date, ArrangedDay]] = field(default_factory=dict, hash=False)
    working_hours: tuple[tuple[time, time], ...] = DEFAULT_WORKING_HOURS
    tz: tzinfo = SHANGHAI

    def __post_init__(self) -> None:
        overrides: dict[date, bool] = {}
        for day, working in self.overrides.items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"override keys must be dates, got {day!r}")
            if not isinstance(working, bool):
                raise TypeError(f"override for {day} must be True or False, got {working!r}")
            overrides[day] = working
        object.__setattr__(self, "overrides", MappingProxyType(overrides))
        arranged = {int(y): MappingProxyType(dict(days)) for y, days in self.arrangements.items()}
        object.__setattr__(self, "arrangements", MappingProxyType(arranged))

        windows = tuple((start, end) for start, end in self.working_hours)
        if not windows:
            raise ValueError("working_hours needs at least one (start, end) window")
        previous_end: time | None = None
        for start, end in windows:
            if not isinstance(start, time) or not isinstance(end, time):
                raise TypeError(f"working hours must be pairs of times, got {start!r}, {end!r}")
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("working hours are local wall-clock times and must be naive")
            if not start < end:
                raise ValueError(f"working-hours window {start}-{end} must end after it starts")
            if previous_end is not None and start < previous_end:
                raise ValueError("working-hours windows must be in order and must not overlap")
            previous_end = end
        object.__setattr__(self, "working_hours", windows)

        if not isinstance(self.tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo such as ZoneInfo('Asia/Shanghai'): {self.tz!r}")

    # ---- days ---------------------------------------------------------------------------

    @property
    def opening_time(self) -> time:
        """Start of the first working-hours window of a day."""
        return self.working_hours[0][0]

    @property
    def close_of_business(self) -> time:
        """End of the last working-hours window of a day."""
        return self.working_hours[-1][1]

    def is_working_day(self, d: date) -> bool:
        """Override table first, then the official calendar; Mon-Fri for years it does not cover."""
        return self._classify(_check_date(d)).working

    def is_arranged(self, year: int) -> bool:
        """True when the year's working days are official (entered or in the package)."""
        return year in self.arrangements or _package_knows(year)

    def _classify(self, d: date) -> _Day:
        days = self.arrangements.get(d.year)
        official = _official_day(d) if days is None else _arranged_day(d, days.get(d))
        override = self.overrides.get(d)
        if override is None or override == official.working:
            return official
        if override:
            return _Day(True, _LOCAL_WORK, None, official.official)
        return _Day(False, _LOCAL_REST, None, official.official)

    # ---- clocks -------------------------------------------------------------------------

    def add_working_days(self, start: datetime, n: int) -> Due:
        """Start's clock time on the nth working day after its date (closing time if a rest day)."""
        local = self._local(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"the number of working days must be an int, got {n!r}")
        if n < 0:
            raise ValueError(f"the number of working days must not be negative, got {n}")
        trace = _Trace(self)
        start_day = local.date()
        first = self._classify(start_day)
        if n == 0:
            trace.step("start", at=_iso(local))
            trace.classify(start_day)
            trace.step("due", at=_iso(local), note="zero_days")
            return Due(local, trace.finish())

        if first.working:
            trace.step("start", at=_iso(local))
            trace.classify(start_day)
            walk_from = _next_day(start_day)
        else:
            trace.step("start_rest_day", at=_iso(local))
            walk_from = start_day

        counted = 0
        day = walk_from
        for day in _walk(walk_from):
            info = trace.classify(day)
            if not info.working:
                trace.skip(day, info)
                continue
            counted += 1
            trace.count_day(day, info, counted)
            if counted == n:
                break

        if first.working:
            at = self._moment(day, local.time())
            trace.step("due", at=_iso(at))
        else:
            at = self._moment(day, self.close_of_business)
            trace.step("due", at=_iso(at), note="close_of_business")
        return Due(at, trace.finish())

    def add_working_hours(self, start: datetime, hours: float) -> Due:
        """The moment when `hours` of working time (working hours of working days) have run."""
        local = self._local(start, "start")
        total = _hours_delta(hours)
        trace = _Trace(self)
        start_day = local.date()
        first = self._classify(start_day)
        position = self._position(local, first)
        trace.step("start", at=_iso(local), **({"position": position} if position else {}))
        trace.classify(start_day)
        if total == timedelta(0):
            trace.step("due", at=_iso(local), note="zero_hours")
            return Due(local, trace.finish())

        remaining = total
        end = local
        for day in _walk(start_day):
            info = trace.classify(day)
            if not info.working:
                trace.skip(day, info)
                continue
            segments: list[tuple[datetime, datetime]] = []
            full_windows = [(self._at(day, ws), self._at(day, we)) for ws, we in self.working_hours]
            for window_start, window_end in full_windows:
                seg_start = max(window_start, local)
                if seg_start >= window_end:
                    continue
                available = window_end - seg_start
                if remaining <= available:
                    end = seg_start + remaining
                    segments.append((seg_start, end))
                    remaining = timedelta(0)
                    break
                segments.append((seg_start, window_end))
                remaining -= available
            if segments:
                trace.count_hours(day, info, segments, segments == full_windows, total - remaining)
            if remaining == timedelta(0):
                break

        at = self._normalize(end)
        trace.step("due", at=_iso(at))
        return Due(at, trace.finish())

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Hours of working time (working hours of working days) from a to b; 0 if b <= a."""
        la = self._local(a, "a")
        lb = self._local(b, "b")
        if b <= a:
            return 0.0
        total = timedelta(0)
        day = la.date()
        last = lb.date()
        while True:
            if self._classify(day).working:
                for ws, we in self.working_hours:
                    seg_start = max(self._at(day, ws), la)
                    seg_end = min(self._at(day, we), lb)
                    if seg_end > seg_start:
                        total += seg_end - seg_start
            if day >= last:
                break
            day = _next_day(day)
        return total.total_seconds() / 3600

    def add_hours(self, start: datetime, hours: float) -> Due:
        """Plain elapsed clock hours after start: nights, weekends and holidays all count."""
        local = self._local(start, "start")
        delta = _hours_delta(hours)
        try:
            at = (start.astimezone(UTC) + delta).astimezone(self.tz)
        except OverflowError:
            raise ValueError(f"{_fmt_number(hours)} hours after {start} is out of range") from None
        return Due(
            at,
            [
                {"step": "start", "at": _iso(local)},
                {"step": "clock_hours", "seconds": _seconds(delta)},
                {"step": "due", "at": _iso(at)},
            ],
        )

    def add(self, start: datetime, duration: Duration) -> Due:
        """Apply a policy duration: dispatches on its unit to add_hours / _working_hours / _days."""
        if duration.unit == "hours":
            return self.add_hours(start, duration.amount)
        if duration.unit == "working_hours":
            return self.add_working_hours(start, duration.amount)
        return self.add_working_days(start, int(duration.amount))

    # ---- helpers ------------------------------------------------------------------------

    def _local(self, moment: datetime, what: str) -> datetime:
        if not isinstance(moment, datetime):
            raise TypeError(f"{what} must be a datetime, got {type(moment).__name__}")
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{what} is a naive datetime ({moment.isoformat()}); pass an aware datetime"
            )
        try:
            return moment.astimezone(self.tz)
        except OverflowError:
            raise ValueError(f"{what} {moment.isoformat()} is out of range") from None

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def _normalize(self, moment: datetime) -> datetime:
        # Round-trip through UTC so a wall-clock time that does not exist (DST gap) comes out real.
        try:
            return moment.astimezone(UTC).astimezone(self.tz)
        except OverflowError:
            raise ValueError(f"the deadline {moment.isoformat()} is out of range") from None

    def _moment(self, d: date, t: time) -> datetime:
        return self._normalize(self._at(d, t))

    def _position(self, local: datetime, info: _Day) -> str:
        """Where a working-hours clock starts, when not inside a window: the clock waits."""
        if not info.working:
            return "rest_day"
        day = local.date()
        if any(self._at(day, ws) <= local < self._at(day, we) for ws, we in self.working_hours):
            return ""
        if local >= self._at(day, self.close_of_business):
            return "after_hours"
        if local < self._at(day, self.opening_time):
            return "before_hours"
        return "between_windows"


# --------------------------------------------------------------------------------------------
# Official calendar
# --------------------------------------------------------------------------------------------


def _package_knows(year: int) -> bool:
    first_year, last_year = OFFICIAL_CALENDAR_YEARS
    return first_year <= year <= last_year


def _arranged_day(d: date, arranged: ArrangedDay | None) -> _Day:
    """A day of an entered arrangement; a day it does not list is a plain weekday or weekend."""
    if arranged is None:
        return _Day(d.weekday() < 5, None if d.weekday() < 5 else _WEEKEND, None, True)
    name = arranged.holiday or None
    if arranged.working:
        return _Day(True, _MAKE_UP, name, True)
    return _Day(False, _HOLIDAY, name, True)


@functools.lru_cache(maxsize=8192)
def _official_day(d: date) -> _Day:
    if _package_knows(d.year):
        try:
            on_holiday, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            pass
        else:
            label = None if name is None else str(name)
            if on_holiday:
                return _Day(False, _WEEKEND if label is None else _HOLIDAY, label, True)
            if label is not None and d.weekday() >= 5:
                return _Day(True, _MAKE_UP, label, True)
            return _Day(True, None, None, True)
    statutory = statutory_days(d.year).get(d)
    if statutory is not None:
        return _Day(False, _HOLIDAY, statutory, False)
    if d.weekday() >= 5:
        return _Day(False, _WEEKEND, None, False)
    return _Day(True, None, None, False)


# --------------------------------------------------------------------------------------------
# Trace building
# --------------------------------------------------------------------------------------------


class _Trace:
    """Collects trace steps, merging runs of rest days and of plain working days."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self._calendar = calendar
        self._steps: list[TraceStep] = []
        self._noted: set[int] = set()
        # Pending runs: consecutive rest days, or consecutive plain working days.
        self._rest: list[tuple[date, _Day]] = []
        self._work: list[date] = []
        self._work_from = 0
        self._work_hours = timedelta(0)
        self._work_total = timedelta(0)
        self._hours_mode = False

    def classify(self, d: date) -> _Day:
        info = self._calendar._classify(d)
        if not info.official and d.year not in self._noted:
            self._noted.add(d.year)
            self._steps.append({"step": "provisional", "year": d.year})
        return info

    def step(self, kind: str, /, **params: Any) -> None:
        self._flush()
        self._steps.append({"step": kind, **params})

    def skip(self, d: date, info: _Day) -> None:
        self._flush_work()
        self._rest.append((d, info))

    def count_day(self, d: date, info: _Day, n: int) -> None:
        if info.kind is not None:
            self.step("count_day", day=d.isoformat(), **info.special(), n=n)
            return
        self._flush_rest()
        if not self._work:
            self._work_from = n
        self._work.append(d)

    def count_hours(
        self,
        d: date,
        info: _Day,
        segments: list[tuple[datetime, datetime]],
        full_day: bool,
        so_far: timedelta,
    ) -> None:
        counted = sum((end - start for start, end in segments), timedelta(0))
        self._hours_mode = True
        if full_day and info.kind is None:
            self._flush_rest()
            self._work.append(d)
            self._work_hours += counted
            self._work_total = so_far
            return
        self.step(
            "count_hours",
            day=d.isoformat(),
            ranges=[[start.time().isoformat(), end.time().isoformat()] for start, end in segments],
            **info.special(),
            seconds=_seconds(counted),
            total_seconds=_seconds(so_far),
        )

    def finish(self) -> list[TraceStep]:
        self._flush()
        return self._steps

    def _flush(self) -> None:
        self._flush_rest()
        self._flush_work()

    def _flush_rest(self) -> None:
        if not self._rest:
            return
        reasons: list[str] = []
        holidays: list[str] = []
        for _, info in self._rest:
            kind = info.kind or _WEEKEND
            if kind == _HOLIDAY and info.name is not None and info.name not in holidays:
                holidays.append(info.name)
            if kind not in reasons:
                reasons.append(kind)
        first, last = self._rest[0][0], self._rest[-1][0]
        self._steps.append(
            {
                "step": "skip",
                "first": first.isoformat(),
                "last": last.isoformat(),
                "reasons": reasons,
                "holidays": holidays,
            }
        )
        self._rest = []

    def _flush_work(self) -> None:
        if not self._work:
            return
        span = {"first": self._work[0].isoformat(), "last": self._work[-1].isoformat()}
        if self._hours_mode:
            self._steps.append(
                {
                    "step": "count_full_days",
                    **span,
                    "days": len(self._work),
                    "seconds": _seconds(self._work_hours),
                    "total_seconds": _seconds(self._work_total),
                }
            )
        else:
            last = self._work_from + len(self._work) - 1
            self._steps.append({"step": "count_days", **span, "from": self._work_from, "to": last})
        self._work = []
        self._work_hours = timedelta(0)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _check_date(d: date) -> date:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date (convert datetimes to local dates first), got {d!r}")
    return d


def _check_amount(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{what} must be a finite number >= 0, got {value}")
    return float(value)


def _hours_delta(hours: float) -> timedelta:
    value = _check_amount(hours, "hours")
    try:
        return timedelta(hours=value)
    except OverflowError:
        raise ValueError(f"{_fmt_number(value)} hours is out of range") from None


def _next_day(d: date) -> date:
    try:
        return d + timedelta(days=1)
    except OverflowError:
        raise ValueError("the deadline falls after the year 9999") from None


def _walk(first: date) -> Iterator[date]:
    day = first
    for _ in range(_MAX_WALK_DAYS):
        yield day
        day = _next_day(day)
    raise ValueError("the deadline falls more than 100 years after the start")


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _seconds(delta: timedelta) -> int:
    return round(delta.total_seconds())


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
