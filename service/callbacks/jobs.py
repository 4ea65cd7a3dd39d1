"""Scheduled callback work: issue one survey link per web ticket waiting for a callback."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from service.callbacks import service as callbacks
from service.config import load_settings

log = logging.getLogger(__name__)


def issue_survey_links(session: Session, now: datetime) -> None:
    """Idempotent: a ticket that already has a link gets no second one."""
    days = load_settings().survey_link_days
    for ticket in callbacks.tickets_needing_survey(session):
        callbacks.issue_survey(session, ticket, days=days)
        # Delivery (e-mail/SMS) goes through the notifications outbox once that lands.
        log.info("survey link issued for ticket %s", ticket.number)
