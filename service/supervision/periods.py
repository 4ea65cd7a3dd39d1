"""Assessment periods by label: a month (2026-11), a quarter (2026-Q4) or a year (2026), each a
range of whole local months, and the period of the same kind just before it."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from service.supervision import metrics

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR = re.compile(r"^(\d{4})$")


class Kind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def kind_of(label: str) -> Kind:
    """The kind a label names; anything else is refused with ValueError."""
    if MONTH.match(label):
        return Kind.MONTH
    if QUARTER.match(label):
        return Kind.QUARTER
    if YEAR.match(label):
        return Kind.YEAR
    raise ValueError(f"not a period: {label!r} (2026-11, 2026-Q4 or 2026)")


def months_of(label: str) -> tuple[str, str]:
    """The first and last month of the period."""
    kind = kind_of(label)
    if kind is Kind.MONTH:
        return label, label
    year = int(label[:4])
    if kind is Kind.QUARTER:
        first = 3 * int(label[-1]) - 2
        return f"{year:04d}-{first:02d}", f"{year:04d}-{first + 2:02d}"
    return f"{year:04d}-01", f"{year:04d}-12"


def period_of(label: str, tz: ZoneInfo) -> metrics.Period:
    """The period as a UTC range of whole local months."""
    first, last = months_of(label)
    return metrics.Period(
        label, metrics.month_period(first, tz).start, metrics.month_period(last, tz).end
    )


def previous(label: str) -> str:
    """The period of the same kind just before: 2026-01 → 2025-12, 2026-Q1 → 2025-Q4."""
    kind = kind_of(label)
    if kind is Kind.MONTH:
        return metrics.previous_month(label)
    year = int(label[:4])
    if kind is Kind.QUARTER:
        quarter = int(label[-1])
        return f"{year - 1:04d}-Q4" if quarter == 1 else f"{year:04d}-Q{quarter - 1}"
    return f"{year - 1:04d}"


def months_back(last_month: str, count: int) -> list[str]:
    """The `count` months ending with last_month, oldest first."""
    months = [last_month]
    while len(months) < count:
        months.append(metrics.previous_month(months[-1]))
    return months[::-1]


def is_label(label: str) -> bool:
    """Whether the text names a month, a quarter or a year."""
    try:
        kind_of(label)
    except ValueError:
        return False
    return True


def month_list(label: str) -> list[str]:
    """The months a period covers, in order."""
    months = [months_of(label)[0]]
    while months[-1] != months_of(label)[1]:
        year, month = int(months[-1][:4]), int(months[-1][5:])
        months.append(f"{year + (month == 12):04d}-{month % 12 + 1:02d}")
    return months


def last_complete(kind: Kind, now: datetime, tz: ZoneInfo) -> str:
    """The last complete month, quarter or year before `now` (local time)."""
    local = now.astimezone(tz)
    if kind is Kind.MONTH:
        year, month = local.year - (local.month == 1), (local.month - 2) % 12 + 1
        return f"{year:04d}-{month:02d}"
    if kind is Kind.QUARTER:
        quarter = (local.month - 1) // 3  # the current quarter, counted from 0
        return f"{local.year - 1:04d}-Q4" if quarter == 0 else f"{local.year:04d}-Q{quarter}"
    return f"{local.year - 1:04d}"
