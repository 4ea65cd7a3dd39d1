"""Test databases: SQLite and PostgreSQL, each with the schema made by the migrations.

Every database test runs once per backend. PostgreSQL tests are skipped, with a message,
when no server answers at CIVIC_TEST_PG_URL (default: the local `test` database).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from service import migrate
from service.app import create_app
from service.config import Settings, load_settings
from service.db import make_engine

PG_URL = os.environ.get("CIVIC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("CIVIC_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _pg_conninfo(url: str) -> str:
    parsed = make_url(url)
    return (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'postgres'}"
    )


def _pg_reason() -> str | None:
    try:
        with psycopg.connect(_pg_conninfo(PG_URL), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_URL}: {str(exc).strip().splitlines()[0]}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a fresh copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this run, migrated once, dropped at the end."""
    reason = _pg_reason()
    if reason and os.environ.get("CIVIC_TEST_REQUIRE_PG"):
        pytest.fail(f"{reason} (CIVIC_TEST_REQUIRE_PG is set)")
    if reason:
        pytest.skip(reason)
    name = f"civic_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_conninfo(PG_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database_of_its_own(backend: str, tmp_path: Path, revision: str = "head") -> Iterator[str]:
    """A fresh database for one test (migration tests move it down and up), at `revision`;
    a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'own.db'}"
        migrate.upgrade(url, revision)
        yield url
        return
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    name = f"civic_own_{uuid.uuid4().hex[:10]}"
    admin = _pg_conninfo(PG_URL)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url, revision)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "civic.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")
    _truncate_all(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        env="test", database_url=db_url, data_dir=tmp_path / "data", secret_key=TEST_SECRET
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client
