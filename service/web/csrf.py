"""Forms carry a CSRF token bound to a per-browser cookie and signed with the secret key."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

CSRF_COOKIE = "civic_csrf"
CSRF_FIELD = "csrf_token"
MAX_AGE_SECONDS = 8 * 3600


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="csrf")


def browser_id(request: Request) -> str:
    """The random per-browser id the token is bound to (set as a cookie by the middleware)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing:
        return existing
    fresh = getattr(request.state, "csrf_browser_id", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(24)
        request.state.csrf_browser_id = fresh
    return str(fresh)


def issue_token(request: Request, secret_key: str) -> str:
    """A token for a form on this page."""
    return _serializer(secret_key).dumps(browser_id(request))


def token_is_valid(request: Request, token: str | None, secret_key: str) -> bool:
    """True when the token was issued to this browser within the last eight hours."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not token or not cookie:
        return False
    try:
        bound = _serializer(secret_key).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return False
    return hmac.compare_digest(str(bound), cookie)
