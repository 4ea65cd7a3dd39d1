"""Reading Open311 parameters the way clients send them; pure, so it is tested without a database.

An empty parameter (`status=`) is the same as an absent one. Lists are comma-separated and
may also repeat (`service_code=A,B&service_code=C`). Times accept `Z`, offsets with or without
a colon, fractional seconds, and an offset whose `+` arrived as a space; a time without an
offset is local time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.i18n import gettext as _
from service.open311.formats import Problem
from service.tickets.states import Status

MAX_WINDOW = timedelta(days=90)
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
# Everything before closed is open; a merged request lives on in its parent, so it is closed.
CLOSED_STATES: frozenset[Status] = frozenset({Status.CLOSED, Status.MERGED})
OPEN_STATES: frozenset[Status] = frozenset(set(Status) - CLOSED_STATES)
_STATUSES = {"open": OPEN_STATES, "closed": CLOSED_STATES}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
# "2026-11-29T10:00:00 08:00": the `+` of the offset was decoded as a space.
_SPACED_OFFSET = re.compile(r"^(.*\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s+(\d{2}(?::?\d{2})?)$")


Pairs = Iterable[tuple[str, str]]


def values(pairs: Pairs, name: str) -> list[str]:
    """Every non-empty value given for `name`, trimmed, in order."""
    return [v.strip() for k, v in pairs if k == name and v.strip()]


def single(pairs: Pairs, name: str) -> str | None:
    """The last non-empty value of `name`, or None when it is absent or empty."""
    found = values(pairs, name)
    return found[-1] if found else None


def listed(pairs: Pairs, name: str) -> list[str]:
    """A comma list (possibly repeated) without blanks or repeats, in order."""
    seen: dict[str, None] = {}
    for value in values(pairs, name):
        for part in value.split(","):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return list(seen)


def parse_when(text: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 / RFC 3339 time, leniently; raises ValueError when it is not one."""
    cleaned = text.strip()
    spaced = _SPACED_OFFSET.match(cleaned)
    if spaced:
        cleaned = f"{spaced.group(1)}+{spaced.group(2)}"
    if cleaned[-1:] in ("z", "Z"):
        cleaned = cleaned[:-1] + "+00:00"
    # Python keeps microseconds; clients may send nanoseconds.
    cleaned = re.sub(r"([.,]\d{6})\d+", r"\1", cleaned).replace(",", ".")
    parsed = datetime.fromisoformat(cleaned)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _time(pairs: Pairs, name: str, tz: ZoneInfo, problems: list[Problem]) -> datetime | None:
    text = single(pairs, name)
    if text is None:
        return None
    try:
        return parse_when(text, tz)
    except ValueError:
        problems.append(
            Problem(
                400,
                _("%(name)s is not a date and time such as 2026-11-29T10:00:00+08:00.")
                % {"name": name},
            )
        )
        return None


def _count(
    pairs: Pairs, name: str, default: int, largest: int | None, problems: list[Problem]
) -> int:
    text = single(pairs, name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1 or (largest is not None and int(text) > largest):
        bound = (
            _("a whole number from 1 to %(n)s") % {"n": largest}
            if largest
            else _("a whole number from 1")
        )
        problems.append(
            Problem(400, _("%(name)s must be %(bound)s.") % {"name": name, "bound": bound})
        )
        return default
    return int(text)


Window = tuple[datetime, datetime]
# An updated_after / updated_before pair; either end may be open.
Bounds = tuple[datetime | None, datetime | None]


def window(
    low: datetime | None,
    high: datetime | None,
    *,
    now: datetime,
    names: tuple[str, str],
    problems: list[Problem],
) -> Window | None:
    """A range of at most 90 days: both ends as given, one end plus or minus 90 days, or the
    last 90 days."""
    if low is not None and high is not None:
        if high < low:
            problems.append(
                Problem(400, _("%(b)s is before %(a)s.") % {"a": names[0], "b": names[1]})
            )
            return None
        if high - low > MAX_WINDOW:
            problems.append(
                Problem(
                    400,
                    _("%(a)s and %(b)s may be at most 90 days apart.")
                    % {"a": names[0], "b": names[1]},
                )
            )
            return None
        return low, high
    if low is not None:
        return low, low + MAX_WINDOW
    if high is not None:
        return high - MAX_WINDOW, high
    return now - MAX_WINDOW, now


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: ids override every other filter; windows bound requested/updated times."""

    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: frozenset[Status] | None = None
    requested: Window | None = None
    updated: Bounds | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    extensions: bool = False


def flag(pairs: Pairs, name: str, problems: list[Problem]) -> bool:
    """true/false (also 1/0, yes/no); absent is false."""
    text = (single(pairs, name) or "false").lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        problems.append(Problem(400, _("%(name)s must be true or false.") % {"name": name}))
    return False


def request_query(
    pairs: Pairs, *, now: datetime, tz: ZoneInfo
) -> tuple[RequestQuery | None, list[Problem]]:
    """The filters of GET requests, or one problem per bad parameter.

    Without start_date or end_date the search covers the last 90 days of requested_datetime,
    unless updated_after/updated_before are given: then those 90 days bound updated_datetime,
    so a client polling for changes also sees old requests that changed.
    """
    pairs = list(pairs)
    problems: list[Problem] = []
    page = _count(pairs, "page", 1, None, problems)
    page_size = _count(pairs, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, problems)
    extensions = flag(pairs, "extensions", problems)
    ids = tuple(i.upper() for i in listed(pairs, "service_request_id"))
    if ids:
        query = RequestQuery(ids=ids, page=page, page_size=page_size, extensions=extensions)
        return (None, problems) if problems else (query, [])

    statuses: set[Status] | None = None
    for word in listed(pairs, "status"):
        if word.lower() not in _STATUSES:
            problems.append(
                Problem(400, _("status must be open or closed, not %(value)s.") % {"value": word})
            )
            continue
        statuses = (statuses or set()) | _STATUSES[word.lower()]
    start = _time(pairs, "start_date", tz, problems)
    end = _time(pairs, "end_date", tz, problems)
    after = _time(pairs, "updated_after", tz, problems)
    before = _time(pairs, "updated_before", tz, problems)
    if problems:
        return None, problems
    requested: Window | None = None
    updated: Bounds | None = None
    dated = start is not None or end is not None
    if dated or (after is None and before is None):
        requested = window(start, end, now=now, names=("start_date", "end_date"), problems=problems)
    if after is not None or before is not None:
        if dated:
            # The requested window already bounds the search; the update times only filter.
            if after is not None and before is not None and before < after:
                problems.append(Problem(400, _("updated_before is before updated_after.")))
            updated = (after, before)
        else:
            names = ("updated_after", "updated_before")
            updated = window(after, before, now=now, names=names, problems=problems)
    if problems:
        return None, problems
    query = RequestQuery(
        service_codes=tuple(listed(pairs, "service_code")),
        statuses=frozenset(statuses) if statuses is not None else None,
        requested=requested,
        updated=updated,
        page=page,
        page_size=page_size,
        extensions=extensions,
    )
    return query, []
