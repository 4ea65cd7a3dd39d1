"""Entered holiday arrangements: a year is official once entered, provisional until then."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from service.auth.models import User
from service.sla.calendar import OFFICIAL_CALENDAR_YEARS, WorkCalendar
from service.sla.holidays import ArrangedDay
from service.sla.models import CalendarArrangement, CalendarArrangementDay, CalendarOverride

# From this day of each year an administrator is reminded to enter next year's arrangement:
# the State Council publishes it in October or November.
NOTICE_FROM = (10, 1)


def entered(session: Session) -> dict[int, dict[date, ArrangedDay]]:
    """Every entered arrangement, by year (a few dozen rows a year)."""
    years: dict[int, dict[date, ArrangedDay]] = {
        y: {} for y in session.exec(select(CalendarArrangement.year))
    }
    # Plain tuples, not ORM rows: every deadline computation reads these few hundred days.
    days = session.execute(
        sa_select(
            col(CalendarArrangementDay.year),
            col(CalendarArrangementDay.day),
            col(CalendarArrangementDay.working),
            col(CalendarArrangementDay.holiday),
        )
    )
    for year, day, working, holiday in days:
        years.setdefault(year, {})[day] = ArrangedDay(working, holiday)
    return years


# Where a transaction keeps the calendar it read (service.sla.clocks.work_calendar).
CALENDAR_KEY = "civic_work_calendar"


def forget_calendar(session: Session) -> None:
    """The next work_calendar() of this session reads the database again."""
    session.info.pop(CALENDAR_KEY, None)


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar the deadlines use: entered arrangements, then the package, then the rules;
    the city's own days (overrides) win over all of them."""
    overrides = {o.day: o.working for o in session.exec(select(CalendarOverride))}
    return WorkCalendar(overrides=overrides, arrangements=entered(session))


def enter(
    session: Session,
    years: Mapping[int, Mapping[date, ArrangedDay]],
    *,
    source: str,
    now: datetime,
    by: User | None = None,
) -> list[CalendarArrangement]:
    """Each year given replaces that year's arrangement whole, and its deadlines are due to be
    recomputed (by the recompute job, from the first open ticket)."""
    saved = []
    forget_calendar(session)
    for year in sorted(years):
        session.exec(delete(CalendarArrangementDay).where(col(CalendarArrangementDay.year) == year))
        row = session.get(CalendarArrangement, year) or CalendarArrangement(
            year=year, entered_at=now
        )
        row.source, row.entered_at = source[:200], now
        row.entered_by_id = by.id if by else None
        row.recompute_after, row.recomputed_at = 0, None
        session.add(row)
        session.flush()  # the year row before its days (foreign key)
        for day, arranged in sorted(years[year].items()):
            session.add(
                CalendarArrangementDay(
                    day=day, year=year, working=arranged.working, holiday=arranged.holiday
                )
            )
        saved.append(row)
    session.flush()
    return saved


def enter_package_years(session: Session, now: datetime, *, since: int) -> list[int]:
    """The demo's arrangements: the years from `since` that the chinesecalendar package knows,
    entered as the State Council published them (the deadlines already follow them)."""
    from importlib.metadata import version

    from service.sla.arrangement_file import package_year

    first, last = OFFICIAL_CALENDAR_YEARS
    years = {y: package_year(y) for y in range(max(first, since), last + 1)}
    source = f"chinesecalendar {version('chinesecalendar')}"
    for row in enter(session, years, source=source, now=now):
        row.recompute_after, row.recomputed_at = None, now  # the same days: nothing moves
        session.add(row)
    session.flush()
    return sorted(years)


def arrangements(session: Session) -> list[CalendarArrangement]:
    """The entered years, newest first."""
    return list(
        session.exec(select(CalendarArrangement).order_by(col(CalendarArrangement.year).desc()))
    )


def year_missing(calendar: WorkCalendar, now: datetime) -> int | None:
    """Next year, from 1 October on, while its arrangement has not been entered."""
    today = now.astimezone(calendar.tz).date()
    if (today.month, today.day) < NOTICE_FROM:
        return None
    return None if calendar.is_arranged(today.year + 1) else today.year + 1


@dataclass
class Provisional:
    """For pages: whether a stored deadline falls in a year without an official arrangement.

    The entered years are read once per page, on the first deadline shown.
    """

    session_factory: Callable[[], Session] | None  # None: no database (the built-in calendar)
    _calendar: WorkCalendar | None = None

    def calendar(self) -> WorkCalendar:
        """The calendar of the database, read on first use."""
        if self._calendar is None:
            if self.session_factory is None:
                self._calendar = WorkCalendar()
            else:
                with self.session_factory() as session:
                    self._calendar = load_calendar(session)
        return self._calendar

    def __call__(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        calendar = self.calendar()
        return not calendar.is_arranged(moment.astimezone(calendar.tz).year)
