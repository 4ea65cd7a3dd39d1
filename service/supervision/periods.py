"""Report periods: a month (2026-11), a quarter (2026-Q4) or a year (2026), as local ranges."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from service.supervision.metrics import Period, month_period

LABEL = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2])|-Q(?P<quarter>[1-4]))?$")


class Kind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def kind_of(label: str) -> Kind:
    """Which kind of period a label names; ValueError for anything else."""
    match = LABEL.match(label)
    if not match:
        raise ValueError(f"not a report period: {label!r} (2026-11, 2026-Q4 or 2026)")
    if match["month"]:
        return Kind.MONTH
    return Kind.QUARTER if match["quarter"] else Kind.YEAR


def is_label(label: str) -> bool:
    return LABEL.match(label) is not None


def period_of(label: str, tz: ZoneInfo) -> Period:
    """The local calendar month, quarter or year as a UTC range [start, end)."""
    kind = kind_of(label)
    if kind is Kind.MONTH:
        return month_period(label, tz)
    year = int(label[:4])
    first, months = (3 * (int(label[-1]) - 1) + 1, 3) if kind is Kind.QUARTER else (1, 12)
    start = datetime(year, first, 1, tzinfo=tz)
    last = first + months
    end = datetime(year + (last > 12), (last - 1) % 12 + 1, 1, tzinfo=tz)
    return Period(label, start.astimezone(UTC), end.astimezone(UTC))


def months_of(label: str) -> list[str]:
    """The months a period covers, in order."""
    kind = kind_of(label)
    if kind is Kind.MONTH:
        return [label]
    year = label[:4]
    first, count = (3 * (int(label[-1]) - 1) + 1, 3) if kind is Kind.QUARTER else (1, 12)
    return [f"{year}-{m:02d}" for m in range(first, first + count)]


def previous(kind: Kind, now: datetime, tz: ZoneInfo) -> str:
    """The last complete month, quarter or year before `now` (local time)."""
    local = now.astimezone(tz)
    if kind is Kind.MONTH:
        year, month = local.year - (local.month == 1), (local.month - 2) % 12 + 1
        return f"{year:04d}-{month:02d}"
    if kind is Kind.QUARTER:
        quarter = (local.month - 1) // 3  # the current quarter, counted from 0
        return f"{local.year - 1:04d}-Q4" if quarter == 0 else f"{local.year:04d}-Q{quarter}"
    return f"{local.year - 1:04d}"
