"""The monthly ranking over a seeded database, through the service and as one hand-written
SQL query; prints one JSON line per figure.

    python -m bench.ranking --tickets 1000000   (PostgreSQL at 127.0.0.1:5432 by default)
    python -m bench.ranking --url sqlite:////tmp/bench.db --tickets 100000

A fresh database is created (PostgreSQL: a throwaway database on that server; SQLite: the
file), migrated, and bulk-seeded: generate_series on PostgreSQL, executemany on SQLite.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from service import migrate
from service.config import load_settings
from service.db import make_engine
from service.supervision import leagues, metrics

UNITS = 200
CLASSES = (
    "municipal_department",
    "district_government",
    "street_office",
    "enterprise",
    "district_department",
)
MONTH = "2026-06"
START = datetime(2025, 12, 31, 16, tzinfo=UTC)  # 2026-01-01 00:00 Asia/Shanghai


def emit(**figure: Any) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def _fresh_database(url: str) -> tuple[str, Any]:
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return url, lambda: None
    parsed = make_url(url)
    name = f"civic_bench_{uuid.uuid4().hex[:8]}"
    admin = (
        f"host={parsed.host} port={parsed.port or 5432} user={parsed.username} "
        f"dbname={parsed.database}"
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return parsed.set(database=name).render_as_string(hide_password=False), drop


def seed(engine: Engine, n: int) -> None:
    """n tickets over six months, 60% with an answered callback, answers varying by unit."""
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO area (code, level, name_zh, name_en, population) "
                "VALUES ('150200', 'district', '包头', 'Baotou', 2700000)"
            )
        )
        c.execute(
            text(
                "INSERT INTO unit (code, name_zh, name_en, unit_class, phone, active) "
                "VALUES (:code, :code, :code, :cls, '', true)"
            ),
            [{"code": f"U{i:03d}", "cls": CLASSES[i % len(CLASSES)]} for i in range(1, UNITS + 1)],
        )
        if engine.dialect.name == "postgresql":
            c.execute(
                text(f"""
                INSERT INTO ticket (id, number, access_code_hash, version, channel, type, urgency,
                  status, address, title, description, request_text, requester_name,
                  requester_phone, requester_email, anonymous, confidential, created_at,
                  updated_at, public_reply, disclosure_allowed, assessment_excluded,
                  exclusion_reason, lead_unit_id, district_id)
                SELECT g, 'B' || g, '', 1, 'hotline', 'complaint', 'normal', 'closed', '', 't', 'd',
                  '', '', '', '', false, false,
                  :start + (g % 4320) * interval '1 hour', :start, '', true, g % 97 = 0, '',
                  1 + g % {UNITS}, 1
                FROM generate_series(1, :n) AS g"""),
                {"start": START, "n": n},
            )
            c.execute(
                text(f"""
                INSERT INTO callback (ticket_id, unit_id, answered_at, contacted, resolved,
                  satisfied, comment, channel, unit_at_fault)
                SELECT g, 1 + g % {UNITS},
                  :start + (g % 4320) * interval '1 hour' + interval '3 days',
                  (g * 7) % 10 < 9,
                  (ARRAY['resolved','resolved','partly','not'])[1 + (g / {UNITS} + g % 13) % 4],
                  (ARRAY['satisfied','basically','satisfied','dissatisfied','satisfied'])
                    [1 + (g / {UNITS} + g % 11) % 5],
                  '', 'phone', true
                FROM generate_series(1, :n) AS g WHERE g % 5 < 3"""),
                {"start": START, "n": n},
            )
            c.execute(text("SELECT setval('ticket_id_seq', :n)"), {"n": n})
            c.execute(text("ANALYZE"))
            return
        answers_r = ("resolved", "resolved", "partly", "not")
        answers_s = ("satisfied", "basically", "satisfied", "dissatisfied", "satisfied")
        batch = 50_000
        for first in range(1, n + 1, batch):
            ids = range(first, min(first + batch, n + 1))
            c.exec_driver_sql(
                "INSERT INTO ticket (id, number, access_code_hash, version, channel, type, urgency,"
                " status, address, title, description, request_text, requester_name,"
                " requester_phone, requester_email, anonymous, confidential, created_at,"
                " updated_at, public_reply, disclosure_allowed, assessment_excluded,"
                " exclusion_reason, lead_unit_id, district_id) VALUES (?, ?, '', 1, 'hotline',"
                " 'complaint', 'normal', 'closed', '', 't', 'd', '', '', '', '', 0, 0, ?, ?, '',"
                " 1, ?, '', ?, 1)",
                [(g, f"B{g}", _at(g), _at(0), int(g % 97 == 0), 1 + g % UNITS) for g in ids],
            )
            c.exec_driver_sql(
                "INSERT INTO callback (ticket_id, unit_id, answered_at, contacted, resolved,"
                " satisfied, comment, channel, unit_at_fault)"
                " VALUES (?, ?, ?, ?, ?, ?, '', 'phone', 1)",
                [
                    (
                        g,
                        1 + g % UNITS,
                        _at(g, days=3),
                        int((g * 7) % 10 < 9),
                        answers_r[(g // UNITS + g % 13) % 4],
                        answers_s[(g // UNITS + g % 11) % 5],
                    )
                    for g in ids
                    if g % 5 < 3
                ],
            )
        c.exec_driver_sql("ANALYZE")


def _at(g: int, days: int = 0) -> str:
    moment = START + timedelta(hours=g % 4320, days=days)
    return moment.replace(tzinfo=None).isoformat(sep=" ")


HAND_SQL = """
WITH counts AS (
  SELECT c.unit_id, count(*) AS n,
    sum(CASE WHEN c.contacted THEN 1 ELSE 0 END) AS contacted,
    sum(CASE WHEN c.resolved = 'resolved' THEN 1 ELSE 0 END) AS resolved,
    sum(CASE WHEN c.resolved = 'partly' THEN 1 ELSE 0 END) AS partly,
    sum(CASE WHEN c.satisfied = 'satisfied' THEN 1 ELSE 0 END) AS satisfied,
    sum(CASE WHEN c.satisfied = 'basically' THEN 1 ELSE 0 END) AS basically
  FROM callback c JOIN ticket t ON t.id = c.ticket_id
  WHERE c.answered_at >= :start AND c.answered_at < :end AND NOT t.assessment_excluded
  GROUP BY c.unit_id
), scored AS (
  SELECT u.code, u.unit_class, k.n,
    100.0 * (10.0 * k.contacted + 45.0 * (k.resolved + 0.5 * k.partly)
             + 45.0 * (k.satisfied + 0.8 * k.basically)) / (100.0 * k.n) AS composite
  FROM counts k JOIN unit u ON u.id = k.unit_id
)
SELECT code, n, composite,
  RANK() OVER (PARTITION BY unit_class ORDER BY composite DESC) AS rank
FROM scored WHERE n >= :min_sample ORDER BY code
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url, drop = _fresh_database(args.url)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        seed(engine, args.tickets)
        backend = engine.dialect.name
        emit(
            figure="seed_seconds",
            backend=backend,
            tickets=args.tickets,
            value=round(time.perf_counter() - started, 2),
        )
        # The hand-written query scores the three callback rates only: the service is run
        # with timeliness and criticisms weighed at 0 and the 10/45/45 weights, so the two
        # must agree to the millionth of a point.
        settings = load_settings(
            database_url=url,
            composite_weights_default=(10, 45, 45),
            timeliness_weights_default=(0, 0),
            criticism_points=0,
        )
        period = metrics.month_period(MONTH, settings.tz)
        for _ in range(args.repeat):
            with Session(engine) as session:
                started = time.perf_counter()
                tables = leagues.tables(session, MONTH, settings).leagues
                service_seconds = time.perf_counter() - started
                started = time.perf_counter()
                hand = session.execute(
                    text(HAND_SQL),
                    {
                        "start": period.start,
                        "end": period.end,
                        "min_sample": settings.metrics_min_sample,
                    },
                ).all()
                hand_seconds = time.perf_counter() - started
            emit(
                figure="ranking_service_seconds",
                backend=backend,
                tickets=args.tickets,
                month=MONTH,
                value=round(service_seconds, 3),
                note="6 leagues from three GROUP BYs a month: this + previous (change, flags)",
            )
            emit(
                figure="ranking_hand_sql_seconds",
                backend=backend,
                tickets=args.tickets,
                month=MONTH,
                value=round(hand_seconds, 3),
                note="this month only, one query",
            )
        ours = {
            s.code: (s.answered, round(s.composite or 0, 6), s.rank)
            for table in tables.values()
            for s in table
            if s.ranked
        }
        theirs = {code: (n, round(float(c), 6), int(r)) for code, n, c, r in hand}
        differing = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        emit(
            figure="ranked_units",
            backend=backend,
            value=len(ours),
            same_as_hand_sql=not differing,
            differing=[(k, ours.get(k), theirs.get(k)) for k in differing[:3]],
        )
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
