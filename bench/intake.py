"""Filings under load beside the same stack's insert-only reference: `python -m bench.intake`.

For each database (a throwaway SQLite file; a throwaway PostgreSQL database), the demo city is
migrated and seeded, then `civic serve --workers 2` takes POST /api/v1/complaints from N
concurrent keep-alive clients for a fixed time with valid, varied complaints (bench/load.py).
In the same run, against the same database, the reference (bench/reference_app.py: FastAPI,
uvicorn with 2 workers, one INSERT of a row of the same size and a commit) takes the same load.
One JSON line per figure: filings/s, p50/p95/p99, errors by status, and the ratio of filings/s
to the reference's. Afterwards every number answered with a 201 is looked up: each must be in
the database exactly once. Per-address and per-phone rate limits are lifted for the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from bench import load, reference_app
from bench.servers import Server, civic_command, free_port
from service import migrate
from service.db import make_engine, session_scope
from service.seed.demo import seed_demo
from service.tickets.models import Ticket

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def sqlite_database(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'bench.db'}"


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    """A database of its own for the run, dropped afterwards."""
    parsed = make_url(admin_url)
    name = f"civic_bench_{uuid.uuid4().hex[:10]}"
    conninfo = (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'postgres'}"
    )
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str) -> None:
    """Schema from the migrations, the demo city, and the reference's own table."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        seed_demo(session)
    reference_app.create_table(engine)
    engine.dispose()


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        "CIVIC_DATABASE_URL": url,
        "CIVIC_DATA_DIR": str(data_dir),
        "CIVIC_ENV": "dev",
        "CIVIC_RATE_LIMIT_PER_IP_PER_HOUR": "100000000",
        "CIVIC_RATE_LIMIT_PER_PHONE_PER_DAY": "100000000",
    }


def service_server(url: str, folder: Path, workers: int) -> Server:
    port = free_port()
    argv = [
        *civic_command(),
        "serve",
        "--workers",
        str(workers),
        "--port",
        str(port),
        "--no-access-log",
    ]
    return Server(argv, port=port, env=_env(url, folder / "data"), log=folder / "service.log")


def reference_server(url: str, folder: Path, workers: int) -> Server:
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.reference_app:app",
        "--workers",
        str(workers),
        "--port",
        str(port),
        "--no-access-log",
    ]
    return Server(argv, port=port, env=_env(url, folder / "data"), log=folder / "reference.log")


def stored_once(url: str, numbers: list[str]) -> dict[str, int]:
    """How many answered numbers are missing from the database, or stored more than once."""
    engine = make_engine(url)
    missing = duplicated = 0
    with session_scope(engine) as session:
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            counts = dict(
                session.execute(
                    select(col(Ticket.number), func.count())
                    .where(col(Ticket.number).in_(chunk))
                    .group_by(col(Ticket.number))
                ).all()
            )
            missing += sum(1 for n in chunk if n not in counts)
            duplicated += sum(1 for c in counts.values() if c > 1)
    engine.dispose()
    return {"answered_201": len(numbers), "missing": missing, "duplicated": duplicated}


def run(backend: str, url: str, folder: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    prepare(url)
    lines: list[dict[str, Any]] = []
    numbers: list[str] = []
    for clients in args.clients:
        measured: dict[str, dict[str, Any]] = {}
        for name, make_server, path in (
            ("filing", service_server, "/api/v1/complaints"),
            ("reference", reference_server, "/bench/reference"),
        ):
            with make_server(url, folder, args.workers) as server:
                # A short warm-up fills the pools; its requests are not counted.
                asyncio.run(load.drive(server.url, path, load.complaint, clients=4, seconds=1))
                cpu_before = server.cpu_seconds()
                result = asyncio.run(
                    load.drive(
                        server.url, path, load.complaint, clients=clients, seconds=args.seconds
                    )
                )
                result.server_cpu_seconds = server.cpu_seconds() - cpu_before
            if name == "filing":
                numbers.extend(result.numbers)
            measured[name] = result.figures()
            line = {"backend": backend, "clients": clients, "endpoint": name, **measured[name]}
            lines.append(line)
            print(json.dumps(line, ensure_ascii=False), flush=True)
        reference = measured["reference"]["requests_per_s"] or 1.0
        ratio = {
            "backend": backend,
            "clients": clients,
            "ratio_to_reference": round(measured["filing"]["requests_per_s"] / reference, 3),
        }
        lines.append(ratio)
        print(json.dumps(ratio), flush=True)
    check = {"backend": backend, **stored_once(url, numbers)}
    print(json.dumps(check), flush=True)
    lines.append(check)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="each load run (15)")
    parser.add_argument(
        "--clients", type=lambda v: [int(x) for x in v.split(",")], default=[32, 64]
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=PG_URL, help="a PostgreSQL server to make a database on")
    args = parser.parse_args(argv)
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"civic-bench-{backend}-") as tmp:
            folder = Path(tmp)
            database = sqlite_database(folder) if backend == "sqlite" else pg_database(args.pg)
            with database as url:
                run(backend, url, folder, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
