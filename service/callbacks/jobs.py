"""Scheduled callback work: one survey link per web ticket waiting for a callback, and one per
co-requester per round, sent out; direct answers drawn for a callback or closed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session

from service.callbacks import co_requesters, direct_answers
from service.callbacks import service as callbacks
from service.config import Settings, load_settings
from service.web.templating import make_templates

log = logging.getLogger(__name__)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def send_survey_links(session: Session, settings: Settings) -> int:
    """Idempotent: a ticket that already has a link gets no second one, nor does a
    co-requester for the same round; returns how many links were queued."""
    if settings.is_prod and urlsplit(settings.public_url).hostname in LOOPBACK:
        # Links to 127.0.0.1 reach no citizen; say so loudly rather than send them quietly.
        log.warning("CIVIC_PUBLIC_URL is %s: survey links will not work", settings.public_url)
    emails = make_templates(settings).env
    issued = 0
    for ticket in callbacks.tickets_needing_survey(session):
        callbacks.issue_survey(session, ticket, settings=settings, emails=emails)
        log.info("survey link queued for ticket %s", ticket.number)
        issued += 1
    for person, ticket in co_requesters.needing_survey(session):
        co_requesters.issue_survey(session, person, ticket, settings=settings, emails=emails)
        log.info("survey link queued for a co-requester of ticket %s", ticket.number)
        issued += 1
    return issued


def issue_survey_links(session: Session, now: datetime) -> None:
    """Scheduled job: the link and its SMS/e-mail are committed together or not at all."""
    send_survey_links(session, load_settings())


def settle_direct_answers(session: Session, now: datetime) -> None:
    """Scheduled job: direct answers are drawn once for a callback, the unsampled closed
    after CIVIC_DIRECT_ANSWER_CLOSE_AFTER_DAYS; a second run moves nothing twice."""
    settings = load_settings()
    result = direct_answers.settle(
        session,
        now,
        share=settings.direct_answer_sample_share,
        after=timedelta(days=settings.direct_answer_close_after_days),
    )
    if result.sampled or result.closed:
        log.info(
            "direct answers: %d drawn for a callback, %d not, %d closed",
            result.sampled,
            result.not_sampled,
            result.closed,
        )
