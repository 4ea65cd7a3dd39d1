"""`civic calendar ...`: working-day arithmetic from the command line, for checking deadlines.

    civic calendar add-working-days START N [--lang en|zh_CN]

START is an ISO 8601 datetime (``2025-09-30T10:00``, ``2025-09-30 10:00+08:00``,
``2025-09-30T02:00Z``). Without an offset it is Asia/Shanghai local time. A bare date
(``2025-09-30``) means the opening of working hours (08:30) local time on that date. N is a whole
number of working days >= 0. Output: the due moment as ISO 8601 with offset on the first line,
then the trace, one step per line, in English unless ``--lang zh_CN`` asks for the Chinese the
ticket pages show. Bad input: one line on stderr and exit status 2.

``run`` takes the arguments after ``civic calendar``; a leading ``calendar`` is tolerated.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import NoReturn

from service import i18n
from service.sla import traces
from service.sla.calendar import WorkCalendar

_PROG = "civic calendar"


class _UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit so the caller gets one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_PROG, description="Working-day calendar arithmetic (Chinese calendar).")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    add = commands.add_parser(
        "add-working-days",
        help="due moment N working days after START",
        description=(
            "Print the due moment N working days after START (ISO 8601 with offset), then the "
            "steps. START without an offset is Asia/Shanghai time; a bare date means 08:30."
        ),
    )
    add.add_argument("start", metavar="START", help="ISO 8601 datetime or date")
    add.add_argument("n", metavar="N", help="whole number of working days (>= 0)")
    add.add_argument(
        "--lang", choices=i18n.LOCALES, default="en", help="language of the trace (default: en)"
    )
    return parser


def parse_start(text: str, calendar: WorkCalendar) -> datetime:
    """ISO 8601 datetime, local time if it has no offset; a bare date means opening time."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime.combine(day, calendar.opening_time, tzinfo=calendar.tz)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"START {text!r} is not an ISO 8601 date or datetime (e.g. 2025-09-30T10:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.tz)
    return moment


def _parse_n(text: str) -> int:
    try:
        n = int(text.strip())
    except ValueError:
        raise ValueError(f"N {text!r} is not a whole number of working days") from None
    if n < 0:
        raise ValueError(f"N must not be negative, got {n}")
    return n


def run(argv: list[str]) -> int:
    """Run `civic calendar` with the arguments after it; returns the process exit status."""
    args_list = list(argv)
    if args_list[:1] == ["calendar"]:
        args_list = args_list[1:]
    calendar = WorkCalendar()
    try:
        args = _build_parser().parse_args(args_list)
        start = parse_start(args.start, calendar)
        n = _parse_n(args.n)
        due = calendar.add_working_days(start, n)
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    except (_UsageError, ValueError, TypeError, OverflowError) as error:
        print(f"{_PROG}: error: {error}", file=sys.stderr)
        return 2
    print(due.at.isoformat())
    with i18n.use_locale(args.lang):
        for line in traces.render(due.trace):
            print(line)
    return 0


def main() -> int:
    """Entry point for running this module directly."""
    return run(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
