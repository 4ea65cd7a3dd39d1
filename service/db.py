"""Engine, sessions and shared column types; the schema itself is made only by migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, String, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine
from sqlmodel.sql.sqltypes import AutoString

from service import writelock

# Stable constraint names let migrations drop and alter constraints on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite loses the offset, so it is restored on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: every stored time is aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its lowercase value in a plain VARCHAR (no database enum types)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum], length: int = 24) -> None:
        super().__init__(length=length)
        self.enum_class = enum_class

    def process_bind_param(self, value: StrEnum | str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum_class(value)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Migrations spell our column types as plain SQLAlchemy types, so they never import them."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, EnumText):
        return f"sa.String(length={getattr(obj.impl, 'length', None)})"
    return False


# How long a writer waits for its turn (SQLite) or a request for a pooled connection, unless
# the settings say otherwise (CIVIC_DATABASE_BUSY_SECONDS).
BUSY_SECONDS = 10.0


def _sqlite_pragmas(busy_seconds: float) -> Any:
    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers work while one writer commits; the busy timeout covers writers
        # outside the writer queue (another program); SQLite leaves foreign keys off.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return pragmas


def make_engine(url: str, *, echo: bool = False, busy_seconds: float = BUSY_SECONDS) -> Engine:
    """An engine for SQLite (WAL, foreign keys, queued writers) or PostgreSQL (psycopg 3)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Pooled connections: closing the last connection of a WAL database checkpoints it
        # (10 ms), which a request must not pay. The busy timeout is how long a writer queues
        # for the one write lock before the request answers 503.
        in_file = bool(path) and path != ":memory:"
        pooling: dict[str, Any] = (
            {
                "poolclass": QueuePool,
                "pool_size": 8,
                "max_overflow": 32,
                "pool_timeout": busy_seconds,
            }
            if in_file
            else {"poolclass": NullPool}
        )
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_seconds},
            **pooling,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_seconds))
        if in_file:
            writelock.install(engine, Path(path), busy_seconds)
        return engine
    # pre-ping: after a server restart the first request gets a fresh connection, not an error.
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=busy_seconds,
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction for a job or command: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
