"""The hot text cluster job and the hot topics page on a city-sized database; one JSON line per
figure.

    python -m bench.text_clusters                       (PostgreSQL at 127.0.0.1:5432)
    python -m bench.text_clusters --per-week 5000 --url sqlite:////tmp/bench.db

A fresh database is created, migrated and seeded with `--weeks` weeks of `--per-week` tickets
(20,000 a week is about a million a year), whose titles and descriptions are real citizen
messages ($CIVIC_DATA_SHARED, as bench.routing_eval reads them) cut at random places, plus a
planted burst of 60 near-identical complaints this week. Then it times the clustering job with
the default settings (in a process of its own, with its peak memory), one text topic's trend
counted live, the topic_trends job for twelve text topics, and the whole hot topics page as a
supervisor opens it (it reads the stored clusters and counts).
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import random
import resource
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from bench.routing_eval import data_dir
from service import clock, migrate
from service.app import create_app
from service.auth.deps import get_current_user
from service.auth.models import Role, User
from service.config import load_settings
from service.db import make_engine
from service.supervision import hot_topics, text_clusters
from service.supervision.models import MonthlyTopic

NOW = datetime.fromisoformat("2026-11-26T12:00:00+08:00")
BURST = 60
NOISE = "某小区夜间施工噪音扰民"


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


def _messages() -> list[tuple[str, str]]:
    path = data_dir() / "messages_dev.csv"
    if not path.is_file():
        sys.exit(f"bench.text_clusters: no such file: {path} (set CIVIC_DATA_SHARED)")
    with path.open(encoding="utf-8") as handle:
        return [(r["title"], r["text"]) for r in csv.DictReader(handle) if r["text"]]


def seed(engine: Engine, weeks: int, per_week: int) -> None:
    rng = random.Random(0)
    messages = _messages()
    placeholder = "%s" if engine.dialect.name == "postgresql" else "?"
    sql = (
        "INSERT INTO ticket (number, access_code_hash, version, channel, type, urgency, status,"
        " address, title, description, request_text, requester_name, requester_phone,"
        " requester_email, anonymous, confidential, created_at, updated_at, public_reply,"
        " disclosure_allowed, assessment_excluded, exclusion_reason) VALUES ("
        + ", ".join([placeholder] * 22)
        + ")"
    )
    serial = 0

    def row(at: datetime, title: str, body: str) -> tuple[Any, ...]:
        nonlocal serial
        serial += 1
        # SQLite keeps UTC without an offset, as the UTCDateTime column type writes it.
        moment = (
            at if engine.dialect.name == "postgresql" else at.astimezone(UTC).replace(tzinfo=None)
        )
        return (
            f"B{serial}", "", 1, "hotline", "complaint", "normal", "closed", "", title[:120],
            body, "", "", f"+86139{serial:08d}", "", False, False, moment, moment, "", True,
            False, "",
        )  # fmt: skip

    rows = []
    for week in range(weeks):
        for _ in range(per_week):
            title, text = rng.choice(messages)
            start = rng.randrange(max(1, len(text) // 2))
            at = NOW - timedelta(weeks=week, seconds=rng.randrange(7 * 86400))
            rows.append(row(at, title, text[start : start + 300]))
    for i in range(BURST):
        at = NOW - timedelta(seconds=rng.randrange(7 * 86400))
        rows.append(row(at, NOISE, f"第{i}号楼旁工地每天夜里十点以后还在施工，噪音很大。"))
    with engine.begin() as connection:
        for first in range(0, len(rows), 20_000):
            connection.exec_driver_sql(sql, rows[first : first + 20_000])
        connection.exec_driver_sql("ANALYZE")


def _cluster_job(url: str, backend: str, per_week: int) -> None:
    engine = make_engine(url)
    rule = text_clusters.Rule.from_settings(load_settings(database_url=url))
    with Session(engine) as session:
        started = time.perf_counter()
        found = text_clusters.refresh(session, NOW, rule)
        session.commit()
        emit(
            figure="cluster_job_seconds",
            backend=backend,
            per_week=per_week,
            read=min(per_week, rule.max_tickets) * rule.weeks,
            value=_seconds(started),
            hot_clusters=len(found),
            largest=[(c.terms, c.size, c.usual) for c in found[:3]],
            peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        )
    engine.dispose()


def _seconds(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--per-week", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    url, drop = _fresh_database(args.url)
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        backend = engine.dialect.name
        tickets = args.weeks * args.per_week + BURST
        started = time.perf_counter()
        seed(engine, args.weeks, args.per_week)
        emit(figure="seed_seconds", backend=backend, tickets=tickets, value=_seconds(started))
        settings = load_settings(database_url=url)
        context = multiprocessing.get_context("spawn")
        for _ in range(args.repeat):
            # In a process of its own, as the scheduler runs it, so its peak memory is its own.
            job = context.Process(target=_cluster_job, args=(url, backend, args.per_week))
            job.start()
            job.join()
        with Session(engine, expire_on_commit=False) as session:
            user = User(
                username="bench", display_name="bench", password_hash="x",
                role=Role.SUPERVISOR, created_at=NOW,
            )  # fmt: skip
            session.add(user)
            topics = [
                MonthlyTopic(month=f"2026-{m:02d}", terms=terms, adopted_at=NOW)
                for m, terms in enumerate(
                    ["噪音 夜间 扰民", "物业 收费", "拖欠 工资", "学校 学生", "公交 线路"] * 3, 1
                )
            ][:12]
            session.add_all(topics)
            session.commit()
            with clock.frozen(NOW):
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    trend = hot_topics.trend(session, topics[0], tz=settings.tz)
                    emit(
                        figure="text_topic_trend_seconds",
                        backend=backend,
                        tickets=tickets,
                        weeks=12,
                        value=_seconds(started),
                        this_week=trend[-1][1] if trend else 0,
                    )
                    started = time.perf_counter()
                    hot_topics.recount(session, topics, tz=settings.tz)
                    session.commit()
                    emit(
                        figure="topic_trends_job_seconds",
                        backend=backend,
                        tickets=tickets,
                        value=_seconds(started),
                        note="12 text topics x 12 weeks, one query, stored for the page",
                    )
                app = create_app(load_settings(database_url=url, env="test"))
                app.dependency_overrides[get_current_user] = lambda: user
                with TestClient(app) as client:
                    for _ in range(args.repeat):
                        started = time.perf_counter()
                        page = client.get("/staff/supervision/hot-topics")
                        emit(
                            figure="hot_topics_page_seconds",
                            backend=backend,
                            tickets=tickets,
                            status=page.status_code,
                            value=_seconds(started),
                            note="category surges + stored clusters + 12 stored topic trends",
                        )
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
