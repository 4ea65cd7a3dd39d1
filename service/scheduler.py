"""Every scheduled job in one list; `civic scheduler` runs them in their own process.

A job is a function (session, now) -> None; it must be idempotent, because a restart or a
second scheduler may run it again. Each tick of each job first takes that job's database
lease (service/sla/lease.py), so two schedulers started by mistake run every tick once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service import clock
from service.config import Settings
from service.db import make_engine, session_scope
from service.intake.ratelimit import prune_rate_limit_hits
from service.notifications.jobs import deliver_outbox, deliver_webhooks
from service.routing.jobs import retrain as retrain_routing_model
from service.sla import lease
from service.sla.jobs import office_ladder, supervision_ladder
from service.sla.recompute import recompute_deadlines

log = logging.getLogger(__name__)
Job = Callable[[Session, datetime], None]


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Job
    every_seconds: int


# Domains append their jobs here as they arrive (sweeps, ladder, callbacks, outbox, reports).
JOBS: list[ScheduledJob] = [
    # E-mail over SMTP; SMS only logged in dev/test (no gateway: held in prod with the reason).
    ScheduledJob("deliver_outbox", deliver_outbox, every_seconds=30),
    ScheduledJob("prune_rate_limit_hits", prune_rate_limit_hits, every_seconds=3600),
    # Reminder, supervision notice, public criticism; overdue sign-fors (service/sla/jobs.py).
    ScheduledJob("supervision_ladder", supervision_ladder, every_seconds=300),
    # Deadlines moved by a newly entered holiday arrangement, a batch a tick (service/sla).
    ScheduledJob("recompute_deadlines", recompute_deadlines, every_seconds=60),
    # The same ladder on the hotline office's own waits: dispatch, return/extension/reply review.
    ScheduledJob("office_ladder", office_ladder, every_seconds=300),
    # The callback queue (branch supervision) and the monthly report register here too.
    ScheduledJob("deliver_webhooks", deliver_webhooks, every_seconds=30),
    ScheduledJob("retrain_routing_model", retrain_routing_model, every_seconds=24 * 3600),
]


def _supervision_jobs() -> list[ScheduledJob]:
    from service.callbacks import jobs as callback_jobs
    from service.supervision import jobs as supervision_jobs

    return [
        ScheduledJob("survey_links", callback_jobs.issue_survey_links, 300),
        # Direct answers (直办): a share drawn for a callback, the rest closed after a delay.
        ScheduledJob("direct_answers", callback_jobs.settle_direct_answers, 600),
        ScheduledJob("monthly_report", supervision_jobs.publish_last_month, 3600),
        ScheduledJob("quarterly_report", supervision_jobs.publish_last_quarter, 3600),
        ScheduledJob("yearly_report", supervision_jobs.publish_last_year, 3600),
        # Clustering takes seconds to a minute on a big city's week; pages read its result.
        ScheduledJob("text_clusters", supervision_jobs.refresh_text_clusters, 3600),
        # A text topic's trend scans weeks of ticket texts: counted here, read by the page.
        ScheduledJob("topic_trends", supervision_jobs.recount_topic_trends, 3600),
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


class Runner:
    """Runs each job tick only while holding that job's lease; one Runner per process."""

    def __init__(
        self, engine: Engine, jobs: Sequence[ScheduledJob], *, holder: str | None = None
    ) -> None:
        self.engine = engine
        self.jobs = list(jobs)
        self.holder = holder or lease.new_holder()

    def run_job(self, job: ScheduledJob) -> bool:
        """True when this runner held the lease and ran the job (successfully or not).

        The lease lasts one interval, so the holder keeps the job tick after tick and another
        runner takes over only when the holder stops ticking (crashed or stopped).
        """
        now = clock.now()
        ttl = timedelta(seconds=job.every_seconds)
        try:
            held = lease.acquire(self.engine, job.name, self.holder, now, ttl)
        except Exception:
            log.exception("job %s: could not reach the lease table", job.name)
            return False
        if not held:
            log.debug("job %s: another scheduler holds the lease", job.name)
            return False
        run_once(self.engine, job)
        lease.mark_run(self.engine, job.name, self.holder, now)
        return True

    def tick(self) -> list[str]:
        """Try every job once; the names of the jobs this runner ran."""
        return [job.name for job in self.jobs if self.run_job(job)]


def _configure(scheduler: BackgroundScheduler | BlockingScheduler, runner: Runner) -> None:
    for job in runner.jobs:
        scheduler.add_job(
            runner.run_job,
            "interval",
            seconds=job.every_seconds,
            args=(job,),
            id=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=clock.now(),  # run at start-up, then every interval
        )


def run_blocking(settings: Settings) -> None:
    """The job process: runs until interrupted."""
    engine = make_engine(settings.effective_database_url)
    runner = Runner(engine, JOBS)
    scheduler = BlockingScheduler(timezone=settings.timezone)
    _configure(scheduler, runner)
    log.info(
        "scheduler %s started with %d jobs: %s",
        runner.holder,
        len(JOBS),
        ", ".join(j.name for j in JOBS),
    )
    try:
        scheduler.start()
    finally:
        engine.dispose()


def start_background(settings: Settings) -> BackgroundScheduler:
    """The demo server runs the jobs in-process (one worker only)."""
    engine = make_engine(settings.effective_database_url)
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    _configure(scheduler, Runner(engine, JOBS))
    scheduler.start()
    return scheduler
