"""The deadline sweep's cost with 10x more closed history: `python -m bench.sweep [--pg URL]`.

Seeds 20k and 200k closed tickets next to the same 2k open ones (bulk inserts), then times
the ladder's sweep query (service.sla.jobs.handling_sweep_query, the query the job runs) and
prints the database's plan for it. One JSON line per figure.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine, make_url

from service import migrate
from service.db import make_engine
from service.sla.jobs import handling_sweep_query
from service.tickets.models import Ticket
from service.tickets.states import Status

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
OPEN = 2_000
SIZES = (20_000, 200_000)
CHUNK = 10_000
OPEN_STATES = (Status.PENDING_SIGN_FOR, Status.HANDLING, Status.REPLY_REVIEW)


def _row(i: int, status: Status, due: datetime) -> dict[str, Any]:
    created = due - timedelta(days=21)
    return {
        "number": f"BB{i:010d}",
        "access_code_hash": "",
        "version": 1,
        "channel": "web",
        "type": "complaint",
        "urgency": "normal",
        "status": status.value,
        "title": "bench",
        "description": "bench",
        "request_text": "",
        "requester_name": "",
        "requester_phone": "",
        "requester_email": "",
        "address": "",
        "anonymous": False,
        "confidential": False,
        "created_at": created,
        "updated_at": created,
        "handling_due": due,
        "sign_for_due": created + timedelta(days=1),
        "closed_at": due if status is Status.CLOSED else None,
        "close_reason": "resolved" if status is Status.CLOSED else None,
        "public_reply": "",
        "disclosure_allowed": True,
        "assessment_excluded": False,
        "exclusion_reason": "",
    }


def _seed(engine: Engine, closed: int, start: int, rng: random.Random) -> None:
    """Closed history spread over ten years before NOW; open tickets due within ±30 days."""
    table = Ticket.__table__  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = []
    with engine.begin() as connection:
        for i in range(start, start + closed):
            due = NOW - timedelta(days=rng.uniform(1, 3650))
            rows.append(_row(i, Status.CLOSED, due))
            if len(rows) == CHUNK:
                connection.execute(insert(table), rows)
                rows = []
        if rows:
            connection.execute(insert(table), rows)


def _seed_open(engine: Engine, rng: random.Random) -> None:
    table = Ticket.__table__  # type: ignore[attr-defined]
    rows = [
        _row(i, rng.choice(OPEN_STATES), NOW + timedelta(days=rng.uniform(-30, 30)))
        for i in range(OPEN)
    ]
    with engine.begin() as connection:
        connection.execute(insert(table), rows)


def _analyze(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def _time_sweep(engine: Engine, runs: int = 15) -> tuple[float, int]:
    query = handling_sweep_query(NOW)
    timings: list[float] = []
    count = 0
    with engine.connect() as connection:
        connection.execute(query).all()  # warm the cache, as a running scheduler would be
        for _ in range(runs):
            started = time.perf_counter()
            count = len(connection.execute(query).all())
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), count


def _plan(engine: Engine) -> list[str]:
    query = handling_sweep_query(NOW)
    with engine.connect() as connection:
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        if engine.dialect.name == "sqlite":
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            return [str(r[-1]) for r in rows]
        rows = connection.execute(text(f"EXPLAIN {compiled}")).all()
        return [str(r[0]) for r in rows]


def _emit(**figure: Any) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def _run(engine: Engine, backend: str) -> None:
    rng = random.Random(12345)
    _seed_open(engine, rng)
    seeded = 0
    for size in SIZES:
        _seed(engine, size - seeded, OPEN + seeded, rng)
        seeded = size
        _analyze(engine)
        ms, rows = _time_sweep(engine)
        common = {"backend": backend, "closed": size, "open": OPEN}
        _emit(figure="sweep_query_median_ms", value=round(ms, 3), rows_returned=rows, **common)
        _emit(figure="sweep_query_plan", value=_plan(engine), **common)


def _sqlite() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            _run(engine, "sqlite")
        finally:
            engine.dispose()


def _postgres(admin_url: str) -> None:
    import psycopg

    parsed = make_url(admin_url)
    name = f"civic_bench_{uuid.uuid4().hex[:8]}"
    conninfo = (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'postgres'}"
    )
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = parsed.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        migrate.upgrade(url)
        _run(engine, "postgresql")
    finally:
        engine.dispose()
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__)
    parser.add_argument("--pg", help="also run on PostgreSQL (a throwaway database is made)")
    args = parser.parse_args()
    _sqlite()
    if args.pg:
        _postgres(args.pg)


if __name__ == "__main__":
    main()
