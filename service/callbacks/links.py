"""One-time survey links: a random token in the message, only its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session

from service import clock
from service.callbacks.models import SurveyToken
from service.config import Settings

# The citizen's survey page; pages.py serves it, messages link to it.
SURVEY_PATH = "/survey/{token}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(settings: Settings, token: str) -> str:
    return settings.public_url.rstrip("/") + SURVEY_PATH.format(token=token)


def new_token(
    session: Session, *, ticket_id: int, settings: Settings, co_requester_id: int | None = None
) -> tuple[str, datetime]:
    """Store a fresh token's hash, valid for `survey_link_days`; returns (token, expires_at)."""
    token = secrets.token_urlsafe(24)
    at = clock.now()
    expires_at = at + timedelta(days=settings.survey_link_days)
    session.add(
        SurveyToken(
            ticket_id=ticket_id,
            co_requester_id=co_requester_id,
            token_hash=hash_token(token),
            created_at=at,
            expires_at=expires_at,
        )
    )
    return token, expires_at
