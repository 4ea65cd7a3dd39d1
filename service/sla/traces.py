"""A deadline's calculation trace in words, in the page's language, from the steps stored as data.

The calendar (``service.sla.calendar``) and the clock operations record each step as
``{"step": KIND, ...}`` with ISO dates and moments, numbers and the official holidays' English
names (the ``chinesecalendar`` package's keys); this module turns them into one line each, in
the current locale (``service.i18n``), with dates through Babel. Kinds and their parameters
(optional ones are left out when they do not apply):

============================  ==================================================================
``start``                     ``at``; ``position``: rest_day / before_hours / after_hours /
                              between_windows (a working-hours clock waiting for the next window)
``start_rest_day``            ``at``: a working-day clock started on a rest day (counting starts
                              on the next working day, due at close of business)
``no_official_data``          ``year``, ``covered`` [first, last]: Mon–Fri assumed that year
                              (written before provisional years had their statutory holidays)
``provisional``               ``year``: no official arrangement entered for it; statutory
                              holidays from the national rules, no make-up days
``recomputed``                ``year``, ``at`` (the previous deadline): computed again when the
                              year's arrangement was entered
``skip``                      ``first``, ``last`` (dates), ``reasons`` [holiday / weekend /
                              local_rest], ``holidays`` [names]
``count_days``                ``first``, ``last``, ``from``, ``to``: plain working days n..m
``count_day``                 ``day``, ``kind`` (make_up / local_work), ``holiday``, ``n``
``count_full_days``           ``first``, ``last``, ``days``, ``seconds``, ``total_seconds``
``count_hours``               ``day``, ``ranges`` [[start, end] times], ``kind``, ``holiday``,
                              ``seconds``, ``total_seconds``
``clock_hours``               ``seconds`` of elapsed time (nights and holidays count)
``due``                       ``at``; ``note``: zero_days / zero_hours / close_of_business
``no_policy``                 no deadline policy matched the ticket
``rule_duration``             ``amount``, ``unit``: the dispatch rule set the handling clock
``paused``                    ``at``, ``until``, ``hours``: working hours the clock stood still
``pause_shift``               ``at`` (the old deadline), ``hours`` added
``extension``                 ``id``, ``at``, ``by``: an extension approved
``previous_due``              ``at``
``requested_due``             ``at``
``granted_due``               ``at``, ``differs`` (true when not the requested date)
============================  ==================================================================

Events written before traces were data hold plain (English) strings; those are shown as stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Protocol

import chinese_calendar  # type: ignore[import-untyped, unused-ignore]
from babel.dates import format_date, format_interval, format_skeleton
from babel.numbers import format_decimal

from service.i18n import current_locale, gettext, ngettext
from service.sla.calendar import Duration, TraceStep
from service.tickets import reasons

_ = gettext


@dataclass(frozen=True)
class _Style:
    """What a language needs besides its catalogue: CLDR data and how lists are joined."""

    babel: str  # Babel locale for dates and numbers
    names: str  # between holiday names
    reasons: str  # between the reasons of one skipped run
    units: str  # between "1 h" and "30 min"


# English traces have always read day-first ("Tue 30 Sep"), so English dates come from en_GB.
_STYLES = {
    "zh_CN": _Style(babel="zh_CN", names="、", reasons="，", units=""),
    "en": _Style(babel="en_GB", names=" / ", reasons=", ", units=" "),
}


def _style() -> _Style:
    return _STYLES.get(current_locale(), _STYLES["en"])


#: The steps a calendar computation starts with (its start moment is their ``at``).
START_STEPS = ("start", "start_rest_day")

# ---- building the steps that are not calendar arithmetic --------------------------------------


def recomputed(year: int, previous: datetime) -> TraceStep:
    """The deadline was computed again when the year's arrangement was entered."""
    return {"step": "recomputed", "year": year, "at": previous.isoformat()}


def no_policy() -> TraceStep:
    """No deadline policy matched the ticket, so its clocks are not set."""
    return {"step": "no_policy"}


def rule_duration(duration: Duration) -> TraceStep:
    """The dispatch rule, not the policy table, set the handling clock to this duration."""
    return {"step": "rule_duration", "amount": duration.amount, "unit": duration.unit}


def paused(start: datetime, until: datetime, hours: float) -> TraceStep:
    """The clock stood still from start until the resume: this many working hours."""
    return {"step": "paused", "at": start.isoformat(), "until": until.isoformat(), "hours": hours}


def pause_shift(old_due: datetime, hours: float) -> TraceStep:
    """The deadline moves by the working hours of the pause."""
    return {"step": "pause_shift", "at": old_due.isoformat(), "hours": hours}


def extension(request_id: int | None, at: datetime, by: str) -> TraceStep:
    """An extension request approved at this moment by this person."""
    return {"step": "extension", "id": request_id, "at": at.isoformat(), "by": by}


def moment_step(kind: str, at: datetime, **params: Any) -> TraceStep:
    """A step that names one moment: previous_due, requested_due, granted_due."""
    return {"step": kind, "at": at.isoformat(), **params}


# ---- rendering ----------------------------------------------------------------------------------


def render(steps: Sequence[object]) -> list[str]:
    """Each step as one line in the current locale; stored strings (old events) as they are.

    Days in the start's year are shown without the year, as a reader of the trace expects.
    """
    year = _reference_year(steps)
    return [render_step(step, year) for step in steps]


def render_step(step: object, year: int | None = None) -> str:
    """One step in the current locale; a string is shown as stored."""
    if not isinstance(step, Mapping):
        return str(step)
    renderer = _RENDERERS.get(str(step.get("step")))
    if renderer is None:
        return _raw(step)
    try:
        return renderer(step, year)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        # Stored data outlives code: a malformed or older step shows as data, never as a 500.
        return _raw(step)


class _Event(Protocol):
    reason: str
    data: dict[str, Any]


def event_reason(event: _Event) -> str:
    """An event's reason for the page: typed text as typed; a system reason (tickets.reasons)
    or a deadline engine's reason, stored as a step (``data["reason_step"]``), in the current
    locale."""
    system = reasons.render(event.data)
    if system is not None:
        return system
    if event.reason:
        return str(event.reason)
    step = (event.data or {}).get("reason_step")
    return render_step(step) if step else ""


def _raw(step: Mapping[str, Any]) -> str:
    return json.dumps(step, ensure_ascii=False, sort_keys=True, default=str)


def _reference_year(steps: Sequence[object]) -> int | None:
    moments = [s for s in steps if isinstance(s, Mapping) and isinstance(s.get("at"), str)]
    starts = [s for s in moments if s.get("step") in ("start", "start_rest_day")]
    for step in starts or moments:
        try:
            return datetime.fromisoformat(step["at"]).year
        except ValueError:
            continue
    return None


# ---- words and formats ------------------------------------------------------------------------


def _moment(text: str) -> str:
    """A stored moment in its own (local) wall-clock time: weekday, date and time."""
    moment = datetime.fromisoformat(text)
    day = moment.date()
    babel = _style().babel
    return _("%(weekday)s %(date)s %(time)s") % {
        "weekday": format_date(day, "EEE", locale=babel),
        "date": format_skeleton("yMMMd", day, locale=babel),
        "iso": day.isoformat(),
        "time": _clock(moment.time()),
    }


def _day(day: date, year: int | None) -> str:
    babel = _style().babel
    return _("%(weekday)s %(date)s") % {
        "weekday": format_date(day, "EEE", locale=babel),
        "date": format_skeleton("MMMd" if day.year == year else "yMMMd", day, locale=babel),
    }


def _span(first_text: str, last_text: str, year: int | None) -> str:
    first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
    if first == last:
        return _day(first, year)
    # Both ends carry the year, or neither: "Sat 2 Jan 2027–Sun 3 Jan 2027".
    shown = year if first.year == last.year == year else None
    return _("%(first)s–%(last)s") % {
        "first": _day(first, shown),
        "last": _day(last, shown),
        "interval": format_interval(
            first, last, "MMMd" if shown else "yMMMd", locale=_style().babel
        ),
    }


def _clock(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def _number(value: float) -> str:
    return format_decimal(value, format="#,##0.##", locale=_style().babel)


def _delta(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [_("%(n)s h") % {"n": hours}] if hours else []
    if minutes or not (hours or secs):
        parts.append(_("%(n)s min") % {"n": minutes})
    if secs:
        parts.append(_("%(n)s s") % {"n": secs})
    return _style().units.join(parts)


def holiday_name(name: str) -> str:
    """The official holiday's name in the current language (the package has both)."""
    if current_locale() != "zh_CN":
        return name
    try:
        return str(chinese_calendar.Holiday(name).chinese)
    except ValueError:  # a name the installed package does not know: show it as stored
        return name


def _duration(amount: float, unit: str) -> str:
    n = 1 if amount == 1 else 2  # the plural form; the amount itself may be fractional
    values = {"n": _number(amount)}
    if unit == "hours":
        return ngettext("%(n)s hour", "%(n)s hours", n) % values
    if unit == "working_hours":
        return ngettext("%(n)s working hour", "%(n)s working hours", n) % values
    if unit == "working_days":
        return ngettext("%(n)s working day", "%(n)s working days", n) % values
    raise ValueError(unit)


def _special(step: Mapping[str, Any]) -> str:
    """Why a weekend or holiday date is a working day."""
    if step.get("kind") == "local_work":
        return _("local working day")
    if step.get("holiday"):
        return _("make-up working day for %(holiday)s") % {"holiday": holiday_name(step["holiday"])}
    return _("make-up working day")


# ---- one function per kind ----------------------------------------------------------------------

_Renderer = Callable[[Mapping[str, Any], int | None], str]


def _start(step: Mapping[str, Any], year: int | None) -> str:
    moment = {"moment": _moment(step["at"])}
    position = step.get("position")
    if position == "rest_day":
        return _("start %(moment)s (rest day)") % moment
    if position == "before_hours":
        return _("start %(moment)s (before working hours)") % moment
    if position == "after_hours":
        return _("start %(moment)s (after working hours)") % moment
    if position == "between_windows":
        return _("start %(moment)s (between working-hours windows)") % moment
    return _("start %(moment)s") % moment


def _start_rest_day(step: Mapping[str, Any], year: int | None) -> str:
    return _(
        "start %(moment)s on a rest day: counting starts on the next working day, "
        "due at close of business"
    ) % {"moment": _moment(step["at"])}


def _no_official_data(step: Mapping[str, Any], year: int | None) -> str:
    first, last = step["covered"]
    return _(
        "note: no official holiday data for %(year)s (chinesecalendar covers "
        "%(first)s–%(last)s); assuming Mon–Fri working days"
    ) % {"year": int(step["year"]), "first": int(first), "last": int(last)}


def _provisional(step: Mapping[str, Any], year: int | None) -> str:
    return _(
        "provisional: the official holiday arrangement for %(year)s has not been entered; "
        "counting its statutory holidays by the national rules, without make-up working days"
    ) % {"year": int(step["year"])}


def _recomputed(step: Mapping[str, Any], year: int | None) -> str:
    return _(
        "computed again when the official arrangement for %(year)s was entered (it was %(moment)s)"
    ) % {"year": int(step["year"]), "moment": _moment(step["at"])}


def _skip(step: Mapping[str, Any], year: int | None) -> str:
    style = _style()
    reasons: list[str] = []
    for reason in step["reasons"]:
        if reason == "holiday":
            names = style.names.join(holiday_name(name) for name in step.get("holidays") or [])
            reasons.append(_("%(names)s holiday") % {"names": names})
        elif reason == "local_rest":
            reasons.append(_("local rest day"))
        else:
            reasons.append(_("weekend"))
    return _("skip %(span)s: %(reasons)s") % {
        "span": _span(step["first"], step["last"], year),
        "reasons": style.reasons.join(reasons),
    }


def _count_days(step: Mapping[str, Any], year: int | None) -> str:
    span = _span(step["first"], step["last"], year)
    first, last = int(step["from"]), int(step["to"])
    if first == last:
        return _("count %(span)s: working day %(n)s") % {"span": span, "n": first}
    return _("count %(span)s: working days %(first)s–%(last)s") % {
        "span": span,
        "first": first,
        "last": last,
    }


def _count_day(step: Mapping[str, Any], year: int | None) -> str:
    return _("count %(day)s: %(label)s (working day %(n)s)") % {
        "day": _day(date.fromisoformat(step["day"]), year),
        "label": _special(step),
        "n": int(step["n"]),
    }


def _count_full_days(step: Mapping[str, Any], year: int | None) -> str:
    days = int(step["days"])
    return _("count %(span)s: %(days)s, %(hours)s (total %(total)s)") % {
        "span": _span(step["first"], step["last"], year),
        "days": ngettext("%(n)s full working day", "%(n)s full working days", days) % {"n": days},
        "hours": _delta(step["seconds"]),
        "total": _delta(step["total_seconds"]),
    }


def _count_hours(step: Mapping[str, Any], year: int | None) -> str:
    values = {
        "day": _day(date.fromisoformat(step["day"]), year),
        "ranges": _style().reasons.join(
            f"{_clock(time.fromisoformat(a))}–{_clock(time.fromisoformat(b))}"
            for a, b in step["ranges"]
        ),
        "hours": _delta(step["seconds"]),
        "total": _delta(step["total_seconds"]),
    }
    if step.get("kind"):
        return _("count %(day)s %(ranges)s: %(label)s, %(hours)s (total %(total)s)") % {
            **values,
            "label": _special(step),
        }
    return _("count %(day)s %(ranges)s: %(hours)s (total %(total)s)") % values


def _clock_hours(step: Mapping[str, Any], year: int | None) -> str:
    return _("add %(hours)s of clock time (nights, weekends and holidays count)") % {
        "hours": _delta(step["seconds"])
    }


def _due(step: Mapping[str, Any], year: int | None) -> str:
    moment = {"moment": _moment(step["at"])}
    note = step.get("note")
    if note == "zero_days":
        return _("due %(moment)s (0 working days: due at the start)") % moment
    if note == "zero_hours":
        return _("due %(moment)s (0 working hours: due at the start)") % moment
    if note == "close_of_business":
        return _("due %(moment)s (close of business)") % moment
    return _("due %(moment)s") % moment


def _no_policy(step: Mapping[str, Any], year: int | None) -> str:
    return _("no deadline policy matches this ticket")


def _rule_duration(step: Mapping[str, Any], year: int | None) -> str:
    return _("handling deadline of %(duration)s set by the dispatch rule") % {
        "duration": _duration(float(step["amount"]), str(step["unit"]))
    }


def _paused(step: Mapping[str, Any], year: int | None) -> str:
    return _("paused %(start)s → %(end)s: %(hours)s working hours stood still") % {
        "start": _moment(step["at"]),
        "end": _moment(step["until"]),
        "hours": _number(float(step["hours"])),
    }


def _pause_shift(step: Mapping[str, Any], year: int | None) -> str:
    return _("handling deadline %(moment)s + %(hours)s working hours") % {
        "moment": _moment(step["at"]),
        "hours": _number(float(step["hours"])),
    }


def _extension(step: Mapping[str, Any], year: int | None) -> str:
    return _("extension #%(id)s approved %(moment)s by %(by)s") % {
        "id": step["id"],
        "moment": _moment(step["at"]),
        "by": step["by"],
    }


def _previous_due(step: Mapping[str, Any], year: int | None) -> str:
    return _("previous deadline %(moment)s") % {"moment": _moment(step["at"])}


def _requested_due(step: Mapping[str, Any], year: int | None) -> str:
    return _("requested %(moment)s") % {"moment": _moment(step["at"])}


def _granted_due(step: Mapping[str, Any], year: int | None) -> str:
    moment = {"moment": _moment(step["at"])}
    if step.get("differs"):
        return _("granted %(moment)s (a different date than requested)") % moment
    return _("granted %(moment)s") % moment


_RENDERERS: dict[str, _Renderer] = {
    "start": _start,
    "start_rest_day": _start_rest_day,
    "no_official_data": _no_official_data,
    "provisional": _provisional,
    "recomputed": _recomputed,
    "skip": _skip,
    "count_days": _count_days,
    "count_day": _count_day,
    "count_full_days": _count_full_days,
    "count_hours": _count_hours,
    "clock_hours": _clock_hours,
    "due": _due,
    "no_policy": _no_policy,
    "rule_duration": _rule_duration,
    "paused": _paused,
    "pause_shift": _pause_shift,
    "extension": _extension,
    "previous_due": _previous_due,
    "requested_due": _requested_due,
    "granted_due": _granted_due,
}
