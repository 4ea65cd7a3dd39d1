"""Statutory holidays of any year from the national rules (《全国年节及纪念日放假办法》).

Pure code. The rules fix which days are statutory holidays; the State Council's yearly notice
then arranges the breaks around them (bridging days off, weekend make-up working days), which
no rule can predict. Since 2025 the statutory days are: New Year's Day (1 Jan), the Spring
Festival (New Year's Eve and the first three days of the first lunar month), Tomb-sweeping Day
(the Qingming solar term), Labour Day (1-2 May), the Dragon Boat Festival (5th day of the 5th
lunar month), the Mid-autumn Festival (15th day of the 8th lunar month) and National Day
(1-3 Oct). From 2014 to 2024 the Spring Festival had no New Year's Eve and Labour Day one day.
Names are the ``chinesecalendar`` package's English names, as traces store them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

from lunar_python import Lunar  # type: ignore[import-untyped, unused-ignore]

__all__ = ["HOLIDAY_NAMES", "RULES_SINCE", "ArrangedDay", "statutory_days"]

NEW_YEAR = "New Year's Day"
SPRING = "Spring Festival"
QINGMING = "Tomb-sweeping Day"
LABOUR = "Labour Day"
DRAGON_BOAT = "Dragon Boat Festival"
MID_AUTUMN = "Mid-autumn Festival"
NATIONAL = "National Day"

#: The holidays an arrangement may name, in calendar order.
HOLIDAY_NAMES: tuple[str, ...] = (
    NEW_YEAR,
    SPRING,
    QINGMING,
    LABOUR,
    DRAGON_BOAT,
    MID_AUTUMN,
    NATIONAL,
)


@dataclass(frozen=True)
class ArrangedDay:
    """One day of a year's official arrangement: a holiday (rest day) or a make-up working day."""

    working: bool
    holiday: str  # the holiday's English name; may be empty for a make-up day


#: The year the current rules (State Council decree 2024 No. 795) took effect.
RULES_SINCE = 2025

# The lunar-calendar library converts dates between 1 and 9999 but its tables are only
# astronomy-grade for a few centuries; deadlines never reach that far.
_LUNAR_YEARS = range(1901, 2200)


@functools.lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[date, str]:
    """The statutory holidays of `year` by the national rules, each with its holiday's name.

    Where two holidays fall on one day (Mid-autumn on 1-3 October) the day keeps the first.
    Years outside the lunar tables get the fixed-date holidays only.
    """
    days: dict[date, str] = {}

    def add(day: date, name: str) -> None:
        days.setdefault(day, name)

    add(date(year, 1, 1), NEW_YEAR)
    if year in _LUNAR_YEARS:
        new_year = _solar(year, 1, 1)
        first = -1 if year >= RULES_SINCE else 0  # New Year's Eve is statutory since 2025
        for offset in range(first, 3):
            add(new_year + timedelta(days=offset), SPRING)
        add(_qingming(year), QINGMING)
    add(date(year, 5, 1), LABOUR)
    if year >= RULES_SINCE:
        add(date(year, 5, 2), LABOUR)
    if year in _LUNAR_YEARS:
        add(_solar(year, 5, 5), DRAGON_BOAT)
    for day in (1, 2, 3):
        add(date(year, 10, day), NATIONAL)
    if year in _LUNAR_YEARS:
        add(_solar(year, 8, 15), MID_AUTUMN)
    return dict(sorted(days.items()))


def _solar(lunar_year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    # The Qingming solar term of the lunar year that starts in this solar year falls in April.
    term = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(term.getYear(), term.getMonth(), term.getDay())
