"""`civic calendar ...`: working-day arithmetic, and entering a year's holiday arrangement.

    civic calendar add-working-days START N [--lang en|zh_CN]
    civic calendar import FILE [--lang en|zh_CN]
    civic calendar export YEAR
    civic calendar recompute YEAR [--lang en|zh_CN]

START is an ISO 8601 datetime (``2025-09-30T10:00``, ``2025-09-30 10:00+08:00``,
``2025-09-30T02:00Z``). Without an offset it is Asia/Shanghai local time. A bare date
(``2025-09-30``) means the opening of working hours (08:30) local time on that date. N is a whole
number of working days >= 0. Output: the due moment as ISO 8601 with offset on the first line,
then the trace, one step per line, in English unless ``--lang zh_CN`` asks for the Chinese the
ticket pages show. When the deadline falls in a year whose official arrangement has not been
entered, the second line says it is provisional. The calendar is the database's (entered
arrangements and the city's own days) when the configured database is there, the built-in one
(package and national rules) otherwise. Bad input: one line on stderr and exit status 2.

``import`` enters the arrangement file (format: ``service.sla.arrangement_file``; each year in it
replaces that year's) and then recomputes the stored deadlines of open tickets reaching into it,
a batch per transaction, printing each one that moved. ``export`` prints a year's arrangement in
the file format: the entered one, else the package's, else the statutory days of the rules.
``recompute`` computes again, on today's calendar, the stored deadlines of open tickets reaching
into YEAR without entering anything: for deadlines stored before the calendar knew a provisional
year's statutory holidays, or after a change of the city's own days.

``run`` takes the arguments after ``civic calendar``; a leading ``calendar`` is tolerated.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from service import clock, i18n
from service.sla import arrangement_file, arrangements, recompute, traces
from service.sla.calendar import SHANGHAI, WorkCalendar
from service.sla.holidays import ArrangedDay, statutory_days
from service.sla.models import CalendarArrangement

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from service.config import Settings

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
    enter = commands.add_parser(
        "import",
        help="enter the official holiday arrangement from FILE and move the deadlines",
        description="Enter each year of the arrangement FILE (CSV: date,kind,holiday), then "
        "recompute the stored deadlines of open tickets that reach into it.",
    )
    enter.add_argument("file", metavar="FILE", help="the arrangement file (UTF-8 CSV)")
    enter.add_argument(
        "--lang", choices=i18n.LOCALES, default="en", help="language of the output (default: en)"
    )
    export = commands.add_parser(
        "export", help="print a year's arrangement in the file format", description=""
    )
    export.add_argument("year", metavar="YEAR", type=int, help="the year, e.g. 2027")
    again = commands.add_parser(
        "recompute",
        help="compute again the stored deadlines of open tickets reaching into YEAR",
        description="",
    )
    again.add_argument("year", metavar="YEAR", type=int, help="the year, e.g. 2027")
    again.add_argument(
        "--lang", choices=i18n.LOCALES, default="en", help="language of the output (default: en)"
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


def run(argv: list[str], settings: Settings | None = None) -> int:
    """Run `civic calendar` with the arguments after it; returns the process exit status."""
    args_list = list(argv)
    if args_list[:1] == ["calendar"]:
        args_list = args_list[1:]
    try:
        args = _build_parser().parse_args(args_list)
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    except _UsageError as error:
        return _fail(str(error))
    engine = _engine(settings)
    try:
        if args.command == "import":
            return _import(args, engine)
        if args.command == "export":
            return _export(args.year, engine)
        if args.command == "recompute":
            with i18n.use_locale(args.lang):
                return _recompute(args.year, engine)
        return _add_working_days(args, engine)
    finally:
        if engine is not None:
            engine.dispose()


def _fail(message: str) -> int:
    print(f"{_PROG}: error: {message}", file=sys.stderr)
    return 2


def _engine(settings: Settings | None) -> Engine | None:
    """The configured database, or None when there is none yet (a SQLite file not created)."""
    from service.config import load_settings
    from service.db import make_engine

    try:
        url = (settings or load_settings()).effective_database_url
    except ValueError:
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return None
    return make_engine(url)


def _calendar(engine: Engine | None) -> WorkCalendar:
    """The database's calendar (arrangements, overrides); the built-in one without a database."""
    if engine is None:
        return WorkCalendar()
    from sqlmodel import Session

    try:
        with Session(engine) as session:
            return arrangements.load_calendar(session)
    except SQLAlchemyError:  # not migrated yet: the built-in calendar is still right
        return WorkCalendar()


def _add_working_days(args: argparse.Namespace, engine: Engine | None) -> int:
    calendar = _calendar(engine)
    try:
        start = parse_start(args.start, calendar)
        n = _parse_n(args.n)
        due = calendar.add_working_days(start, n)
    except (ValueError, TypeError, OverflowError) as error:
        return _fail(str(error))
    print(due.at.isoformat())
    with i18n.use_locale(args.lang):
        if not calendar.is_arranged(due.at.year):
            print(
                i18n.gettext(
                    "provisional: the official holiday arrangement for %(year)s has not been "
                    "entered; the date may move when it is"
                )
                % {"year": due.at.year}
            )
        for line in traces.render(due.trace):
            print(line)
    return 0


def _import(args: argparse.Namespace, engine: Engine | None) -> int:
    from service.db import session_scope

    with i18n.use_locale(args.lang):
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            return _fail(str(error))
        try:
            years = arrangement_file.parse(text)
        except arrangement_file.ArrangementError as error:
            return _fail(error.render())
        if engine is None:
            return _fail(i18n.gettext("no database yet: run `civic migrate` first"))
        with session_scope(engine) as session:
            arrangements.enter(session, years, source=Path(args.file).name, now=clock.now())
        for year, days in sorted(years.items()):
            print(_entered_line(year, days))
        moved = 0
        for year in sorted(years):
            while True:
                with session_scope(engine) as session:
                    row = session.get(CalendarArrangement, year)
                    if row is None or row.recompute_after is None:
                        break
                    for move in recompute.recompute_batch(session, row, clock.now()):
                        moved += 1
                        print(_move_line(move))
        print(i18n.ngettext("%(n)s deadline moved", "%(n)s deadlines moved", moved) % {"n": moved})
    return 0


def _recompute(year: int, engine: Engine | None) -> int:
    from service.db import session_scope

    if engine is None:
        return _fail(i18n.gettext("no database yet: run `civic migrate` first"))
    moved, after = 0, 0
    while True:  # one transaction a batch
        with session_scope(engine) as session:
            moves, last = recompute.recompute_year(session, year, clock.now(), after=after)
        for move in moves:
            print(_move_line(move))
        moved += len(moves)
        if last is None:
            break
        after = last
    print(i18n.ngettext("%(n)s deadline moved", "%(n)s deadlines moved", moved) % {"n": moved})
    return 0


def _entered_line(year: int, days: dict[date, ArrangedDay]) -> str:
    rest = sum(1 for d in days.values() if not d.working)
    work = len(days) - rest
    return i18n.gettext(
        "entered the arrangement for %(year)s: %(rest)s holidays, %(work)s make-up working days"
    ) % {"year": year, "rest": rest, "work": work}


def _move_line(move: recompute.Move) -> str:
    old, new = (moment.astimezone(SHANGHAI).isoformat() for moment in (move.old, move.new))
    return f"{move.ticket} {move.clock}: {old} -> {new}"


def _export(year: int, engine: Engine | None) -> int:
    calendar = _calendar(engine)
    days = calendar.arrangements.get(year) or arrangement_file.package_year(year)
    if not days:
        days = {d: ArrangedDay(False, name) for d, name in statutory_days(year).items()}
    print(arrangement_file.format_rows(days), end="")
    return 0


def main() -> int:
    """Entry point for running this module directly."""
    return run(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
