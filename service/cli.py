"""The `civic` command: serve, migrate, seed, accounts, keys and the job process.

A user mistake ends with one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from service.config import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Handler = Callable[[argparse.Namespace, Settings], int]


class UserError(Exception):
    """Something the person running the command can fix; printed as one line."""


def _settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"configuration: {first.get('msg', exc)}") from exc


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from service import migrate

    migrate.upgrade(settings.effective_database_url)
    print(f"database at head: {_safe_url(settings)}")
    return 0


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from service.db import make_engine, session_scope
    from service.seed.demo import seed_demo

    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as session:
            summary = seed_demo(session)
        if summary is None:
            print("demo city already present; nothing changed")
        else:
            print(
                f"seeded {settings.city_name_en}: {summary.areas} areas, {summary.units} units, "
                f"{summary.categories} categories (tree version {summary.tree_version}), "
                f"{summary.policies} deadline rules"
            )
        if getattr(args, "activity", False):
            _seed_activity(
                engine, settings, months=args.months, seed=args.seed, tickets=args.tickets
            )
    finally:
        engine.dispose()
    return 0


def _seed_activity(
    engine: Engine, settings: Settings, *, months: int, seed: int, tickets: int | None
) -> None:
    """Generate the demo history with a progress bar; a database with tickets is left alone."""
    from tqdm import tqdm

    from service.db import session_scope
    from service.seed.activity import ActivityError, generate

    bar: tqdm[None] | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="day", desc="demo history", leave=False)
        bar.update(done - bar.n)

    started = time.monotonic()
    try:
        with session_scope(engine) as session:
            history = generate(
                session, settings, months=months, seed=seed, tickets=tickets, progress=progress
            )
    except ActivityError as exc:
        raise UserError(str(exc)) from exc
    finally:
        if bar is not None:
            bar.close()
    if history is None:
        print("the database already has tickets; no demo history added")
        return
    states = ", ".join(f"{n} {status}" for status, n in history.statuses.items())
    print(
        f"demo history: {history.tickets} tickets ({states}), {history.events} events, "
        f"{history.callbacks} callbacks, reports {', '.join(history.reports) or 'none'} "
        f"published, in {time.monotonic() - started:.1f} s"
    )
    for number, code in history.tracking:
        print(f"  follow {number} on /track with access code {code}")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.demo:
        from service.seed.demo import DEMO_PASSWORD, demo_logins

        cmd_migrate(args, settings)
        args.activity = not args.no_history
        args.months, args.seed, args.tickets = 3, 0, None
        cmd_seed_demo(args, settings)
        print(f"civic demo city: http://{args.host}:{args.port}/")
        print(f"staff sign-in: http://{args.host}:{args.port}/staff/login")
        for login in demo_logins():
            unit = f" (unit {login.unit})" if login.unit else ""
            print(f"  {login.role.value:<11} {login.username:<14} {DEMO_PASSWORD}{unit}")
    if args.demo:
        from service.scheduler import start_background

        start_background(settings)
    if args.workers > 1:
        uvicorn.run(
            "service.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            access_log=not args.no_access_log,
        )
    else:
        from service.app import create_app

        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            proxy_headers=True,
            access_log=not args.no_access_log,
        )
    return 0


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> int:
    from service.auth import service as auth
    from service.auth.models import Role
    from service.db import make_engine, session_scope

    if not args.password_stdin:
        raise UserError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as session:
            user = auth.create_user(
                session,
                username=args.username,
                role=Role(args.role),
                password=password,
                unit_code=args.unit,
                email=args.email or "",
            )
            print(f"created {user.role.value} {user.username}")
    except auth.AccountError as exc:
        raise UserError(str(exc)) from exc
    finally:
        engine.dispose()
    return 0


def cmd_api_key_create(args: argparse.Namespace, settings: Settings) -> int:
    from service.auth import service as auth
    from service.db import make_engine, session_scope

    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as session:
            key, plain = auth.create_api_key(session, name=args.name)
            print(f"API key {key.name!r} created; it is shown only once:")
            print(plain)
    except auth.AccountError as exc:
        raise UserError(str(exc)) from exc
    finally:
        engine.dispose()
    return 0


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from service.scheduler import run_blocking

    run_blocking(settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from service.auth.models import Role

    parser = argparse.ArgumentParser(prog="civic", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--demo",
        action="store_true",
        help="migrate, seed the demo city and three months of history if empty, run the "
        "scheduler in-process",
    )
    serve.add_argument(
        "--no-history", action="store_true", help="with --demo: the demo city without tickets"
    )
    serve.add_argument(
        "--no-access-log",
        action="store_true",
        help="no line per request (behind a proxy that keeps its own access log)",
    )
    serve.set_defaults(handler=cmd_serve)

    sub.add_parser("migrate", help="bring the database schema to the newest revision").set_defaults(
        handler=cmd_migrate
    )
    seed = sub.add_parser("seed-demo", help="load the demo city into an empty database")
    seed.add_argument(
        "--activity",
        action="store_true",
        help="also live months of tickets through the real services (only if there are none)",
    )
    seed.add_argument("--months", type=_positive, default=3, help="months of history (3)")
    seed.add_argument("--seed", type=int, default=0, help="random seed of the history (0)")
    seed.add_argument(
        "--tickets", type=_positive, default=None, help="tickets in all (300 a month)"
    )
    seed.set_defaults(handler=cmd_seed_demo)

    user = sub.add_parser("user", help="staff accounts").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    create = user.add_parser("create", help="create a staff account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--unit", help="unit code, for handlers")
    create.add_argument("--email", help="address published reports are e-mailed to (readers)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(handler=cmd_user_create)

    api_key = sub.add_parser("api-key", help="API keys for machine clients").add_subparsers(
        dest="key_command", required=True, metavar="ACTION"
    )
    key_create = api_key.add_parser("create", help="create an API key (printed once, last line)")
    key_create.add_argument("--name", required=True)
    key_create.set_defaults(handler=cmd_api_key_create)

    sub.add_parser("scheduler", help="run the scheduled jobs (one process)").set_defaults(
        handler=cmd_scheduler
    )
    for register in _extensions():
        register(sub)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _register_calendar(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    calendar = sub.add_parser(
        "calendar",
        help="working days: civic calendar add-working-days START N | import FILE | export YEAR",
        add_help=False,
        prefix_chars="+",  # every option (--help too) belongs to `civic calendar` itself
    )
    calendar.add_argument("calendar_args", nargs=argparse.REMAINDER)
    calendar.set_defaults(handler=cmd_calendar)


def cmd_calendar(args: argparse.Namespace, settings: Settings) -> int:
    from service.sla import cli as calendar_cli

    return calendar_cli.run(list(args.calendar_args), settings)


def _extensions() -> list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]]:
    """Domains add their own commands here (routing, calendar, calls)."""
    from service.calls.cli import register as register_calls
    from service.routing import cli as routing_cli

    return [_register_calendar, register_calls, routing_cli.register]


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `civic` console script."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = _settings()
        handler: Handler = args.handler
        return handler(args, settings)
    except UserError as exc:
        print(f"civic: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"civic: cannot reach the database: {reason}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
