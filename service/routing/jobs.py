"""Scheduled routing work: retrain the classifier when new closed tickets have arrived."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.routing import learning
from service.tickets.models import Ticket
from service.tickets.states import Status

log = logging.getLogger(__name__)


def retrain(session: Session, now: datetime) -> None:
    """Train a new version only if tickets closed since the newest model was trained."""
    current = learning.latest(session)
    if current is not None:
        newer = session.exec(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.status == Status.CLOSED, col(Ticket.closed_at) > current.trained_at)
        ).one()
        if not newer:
            return
    try:
        row = learning.train(session)
    except learning.NotEnoughDataError as exc:
        log.info("routing model not trained: %s", exc)
        return
    log.info(
        "routing model v%d trained on %d examples (%s)", row.version, row.n_samples, row.source
    )
