"""A database lease per job: whoever holds it runs the job's tick; the others skip it.

Acquiring is one atomic UPDATE (take the lease if it expired or is already mine), and an
INSERT the first time a job is seen; a racing INSERT loses on the primary key. The same SQL
works on SQLite and PostgreSQL, and each attempt is its own short transaction, so a scheduler
never holds a database lock while a job runs.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from service.sla.models import JobLease


def new_holder() -> str:
    """An id for this scheduler process: host, pid and a random suffix (pids get reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """True when `holder` now holds the lease on `name` until now + ttl."""
    until = now + ttl
    with engine.begin() as connection:
        taken = connection.execute(
            update(JobLease)
            .where(
                col(JobLease.name) == name,
                (col(JobLease.expires_at) <= now) | (col(JobLease.holder) == holder),
            )
            .values(holder=holder, expires_at=until)
        )
        if taken.rowcount == 1:
            return True
    try:
        with engine.begin() as connection:
            connection.execute(insert(JobLease).values(name=name, holder=holder, expires_at=until))
    except IntegrityError:
        return False  # someone else holds it (or just took it first)
    return True


def mark_run(engine: Engine, name: str, holder: str, at: datetime) -> None:
    """Record when the holder last ran the job (for people reading the lease table)."""
    with engine.begin() as connection:
        connection.execute(
            update(JobLease)
            .where(col(JobLease.name) == name, col(JobLease.holder) == holder)
            .values(last_run_at=at)
        )
