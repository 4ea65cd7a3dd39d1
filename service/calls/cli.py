"""`civic import-calls FILE`: load a telephony export (CSV or JSON lines) with a progress bar."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from service.config import Settings


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import-calls",
        help="load call records from a CSV or JSON-lines file (idempotent on call_id)",
        description=(
            "Load call records (call_id, caller_number, called_number, started_at, ended_at, "
            "agent, direction, outcome, recording_url). Records already loaded are counted as "
            "duplicates; a bad row is listed on stderr with its line number and the rest load. "
            "Exit status 1 when any row was invalid."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        help="default: from the file name (.csv, otherwise JSON lines)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=cmd_import_calls)


def cmd_import_calls(args: argparse.Namespace, settings: Settings) -> int:
    from service.cli import UserError
    from service.db import make_engine

    path: Path = args.file
    if not path.is_file():
        raise UserError(f"no such file: {path}")
    kind = args.format or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    engine = make_engine(settings.effective_database_url)
    try:
        summary = run_import(engine, path, kind=kind, tz=settings.tz, progress=not args.quiet)
    finally:
        engine.dispose()
    for row in summary.invalid:
        print(f"{path.name}:{row.line}: {row.reason}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.invalid else 0


def run_import(engine: Any, path: Path, *, kind: str, tz: Any, progress: bool) -> Any:
    """Load the file in chunks, committing each, so a rerun after a crash only adds the rest."""
    from sqlmodel import Session

    from service.calls import readers
    from service.calls import service as calls
    from service.cli import UserError

    total = _count_lines(path) - (1 if kind == "csv" else 0)
    bar = tqdm(
        total=max(total, 0),
        unit="rows",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
        mininterval=0.5,
        desc="import-calls",
    )
    with path.open(encoding="utf-8-sig", newline="") as handle, bar:
        records = readers.from_csv(handle) if kind == "csv" else readers.from_json_lines(handle)
        with Session(engine, expire_on_commit=False) as session:

            def after_chunk(count: int) -> None:
                session.commit()
                bar.update(count)

            try:
                return calls.import_records(session, records, tz=tz, after_chunk=after_chunk)
            except readers.FormatError as exc:
                raise UserError(f"{path.name}: {exc}") from exc
            except UnicodeDecodeError as exc:
                raise UserError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc


def _count_lines(path: Path) -> int:
    """Lines in the file, for the progress bar's total (read in binary, fast)."""
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (0 if last == b"\n" else 1)
