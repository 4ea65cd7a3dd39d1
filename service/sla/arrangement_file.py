"""The arrangement file: one row per date, a holiday with its name or a make-up working day.

Pure code. CSV in UTF-8 with the header ``date,kind,holiday``; lines starting with ``#`` are
comments. ``kind`` is ``holiday`` (a rest day; ``holiday`` names it) or ``working`` (a weekend
day worked in exchange for a break; ``holiday`` may name the break). Names are English
(``Spring Festival``) or Chinese (``春节``). Every year in a file is taken whole: it must list
each statutory holiday the national rules give that year, which catches a mistyped date.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

from service.i18n import gettext
from service.sla.holidays import HOLIDAY_NAMES, ArrangedDay, statutory_days
from service.sla.traces import holiday_name
from service.tickets.reasons import N_

__all__ = ["HEADER", "ArrangedDay", "ArrangementError", "format_rows", "parse", "package_year"]

HEADER = ("date", "kind", "holiday")
HOLIDAY, WORKING = "holiday", "working"

# Chinese names as the package spells them (元旦, 春节, 清明, ...), for files typed in Chinese.
_BY_CHINESE = {
    str(h.chinese): str(h.value) for h in chinese_calendar.Holiday if h.value in HOLIDAY_NAMES
}


class ArrangementError(ValueError):
    """A file the rules refuse; `line` is where (0 for the whole file), shown translated."""

    def __init__(self, message: str, line: int = 0, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message, self.line, self.params = message, line, params

    def render(self) -> str:
        """The message in the current locale, with the line it is about."""
        params = dict(self.params)
        if "holiday" in params:  # the holiday by its name in the reader's language
            params["holiday"] = holiday_name(str(params["holiday"]))
        text = gettext(self.message) % params if params else gettext(self.message)
        if not self.line:
            return text
        return gettext("line %(line)s: %(message)s") % {"line": self.line, "message": text}


def parse(text: str) -> dict[int, dict[date, ArrangedDay]]:
    """The arrangement of each year in the file, checked against the national rules."""
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1)
        if row and any(cell.strip() for cell in row) and not row[0].strip().startswith("#")
    ]
    if not rows or tuple(c.strip().lower() for c in rows[0][1][:3]) != HEADER:
        raise ArrangementError(N_("The first line must be the header: date,kind,holiday."))
    years: dict[int, dict[date, ArrangedDay]] = {}
    for number, row in rows[1:]:
        day, arranged = _row(number, row)
        listed = years.setdefault(day.year, {})
        if day in listed:
            raise ArrangementError(N_("%(date)s is listed twice."), number, date=day.isoformat())
        listed[day] = arranged
    if not years:
        raise ArrangementError(N_("The file lists no dates."))
    for year, days in years.items():
        _check_statutory(year, days)
    return years


def _row(number: int, row: list[str]) -> tuple[date, ArrangedDay]:
    cells = [c.strip() for c in row] + ["", "", ""]
    text, kind, name = cells[0], cells[1].lower(), cells[2]
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ArrangementError(
            N_("%(text)s is not a date like 2027-01-01."), number, text=text
        ) from None
    holiday = _BY_CHINESE.get(name, name)
    if name and holiday not in HOLIDAY_NAMES:
        raise ArrangementError(
            N_("%(name)s is not a statutory holiday (one of: %(names)s)."),
            number,
            name=name,
            names=", ".join(HOLIDAY_NAMES),
        )
    if kind == HOLIDAY:
        if not holiday:
            raise ArrangementError(
                N_("A holiday row names its holiday, e.g. Spring Festival."), number
            )
        return day, ArrangedDay(False, holiday)
    if kind == WORKING:
        if day.weekday() < 5:
            raise ArrangementError(
                N_("%(date)s is a weekday, a working day anyway: a make-up day is a weekend day."),
                number,
                date=day.isoformat(),
            )
        return day, ArrangedDay(True, holiday)
    raise ArrangementError(
        N_("The kind must be holiday or working, not %(kind)s."), number, kind=cells[1]
    )


def _check_statutory(year: int, days: Mapping[date, ArrangedDay]) -> None:
    for day, name in statutory_days(year).items():
        arranged = days.get(day)
        if arranged is None or arranged.working:
            raise ArrangementError(
                N_("%(date)s (%(holiday)s) is a statutory holiday but is not listed as one."),
                date=day.isoformat(),
                holiday=name,
            )


def format_rows(days: Mapping[date, ArrangedDay]) -> str:
    """The file for these days, in date order (what `civic calendar export` prints)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for day in sorted(days):
        arranged = days[day]
        writer.writerow(
            [day.isoformat(), WORKING if arranged.working else HOLIDAY, arranged.holiday]
        )
    return out.getvalue()


def package_year(year: int) -> dict[date, ArrangedDay]:
    """The arrangement the installed chinesecalendar package knows for `year` (may be empty)."""
    days: dict[date, ArrangedDay] = {}
    for day, name in chinese_calendar.constants.holidays.items():
        if day.year == year and str(name) in HOLIDAY_NAMES:
            days[day] = ArrangedDay(False, str(name))
    for day, name in chinese_calendar.constants.workdays.items():
        if day.year == year and day.weekday() >= 5:
            days[day] = ArrangedDay(True, str(name) if str(name) in HOLIDAY_NAMES else "")
    return days
