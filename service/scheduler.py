"""Every scheduled job in one list; `civic scheduler` runs them in their own process.

A job is a function (session, now) -> None; it must be idempotent, because a restart or a
second scheduler may run it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service import clock
from service.config import Settings
from service.db import make_engine, session_scope

log = logging.getLogger(__name__)
Job = Callable[[Session, datetime], None]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Job
    every_seconds: int


# Domains append their jobs here as they arrive (sweeps, ladder, callbacks, outbox, reports).
JOBS: list[ScheduledJob] = []


def _supervision_jobs() -> list[ScheduledJob]:
    from service.callbacks import jobs as callback_jobs
    from service.supervision import jobs as supervision_jobs

    return [
        ScheduledJob("survey_links", callback_jobs.issue_survey_links, 300),
        ScheduledJob("monthly_report", supervision_jobs.publish_last_month, 3600),
    ]


JOBS.extend(_supervision_jobs())


def _prune_staff_sessions(session: Session, now: datetime) -> None:
    from service.auth import sessions

    sessions.prune(session, now)


JOBS.append(ScheduledJob("prune_staff_sessions", _prune_staff_sessions, every_seconds=3600))


def run_once(engine: Engine, job: ScheduledJob) -> None:
    """One run of a job in its own transaction; a failure is logged and retried next tick."""
    try:
        with session_scope(engine) as session:
            job.run(session, clock.now())
    except Exception:
        log.exception("job %s failed", job.name)


def _configure(scheduler: BackgroundScheduler | BlockingScheduler, engine: Engine) -> None:
    for job in JOBS:
        scheduler.add_job(
            run_once,
            "interval",
            seconds=job.every_seconds,
            args=(engine, job),
            id=job.name,
            max_instances=1,
            coalesce=True,
        )


def run_blocking(settings: Settings) -> None:
    """The job process: runs until interrupted."""
    engine = make_engine(settings.effective_database_url)
    scheduler = BlockingScheduler(timezone=settings.timezone)
    _configure(scheduler, engine)
    log.info("scheduler started with %d jobs: %s", len(JOBS), ", ".join(j.name for j in JOBS))
    try:
        scheduler.start()
    finally:
        engine.dispose()


def start_background(settings: Settings) -> BackgroundScheduler:
    """The demo server runs the jobs in-process (one worker only)."""
    engine = make_engine(settings.effective_database_url)
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    _configure(scheduler, engine)
    scheduler.start()
    return scheduler
