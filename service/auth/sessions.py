"""Staff sign-in: throttled password checks, server-side sessions with expiry and idle timeout."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from service import clock
from service.auth.models import LoginFailure, StaffSession, User
from service.auth.secrets import hash_password, verify_password
from service.config import Settings

# Writing last_seen_at on every request would make each page a write; a minute is precise
# enough for an idle timeout counted in tens of minutes.
TOUCH_EVERY = timedelta(seconds=60)
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = hash_password("no-such-user-dummy-password")


class SignInRefusedError(Exception):
    """Sign-in did not succeed; the message is safe to show (it never says which part was wrong)."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


@dataclass(frozen=True)
class Throttle:
    """Recent failures for the account and the address, and whether either is over its limit."""

    account_failures: int
    address_failures: int
    account_blocked: bool
    address_blocked: bool
    retry_after: datetime | None


def token_hash(token: str) -> str:
    """Session tokens carry 256 random bits, so SHA-256 suffices and keeps lookups indexed."""
    return hashlib.sha256(token.encode()).hexdigest()


def throttle_state(session: Session, settings: Settings, username: str, addr: str) -> Throttle:
    """Count failures inside the window, per account and per client address, in SQL."""
    since = clock.now() - timedelta(minutes=settings.login_failure_window_minutes)
    account, account_oldest = session.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.username == username, col(LoginFailure.at) >= since
        )
    ).one()
    address, address_oldest = session.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.client_addr == addr, col(LoginFailure.at) >= since
        )
    ).one()
    account_blocked = account >= settings.login_max_failures_per_account
    address_blocked = address >= settings.login_max_failures_per_address
    window = timedelta(minutes=settings.login_failure_window_minutes)
    oldest = [
        t
        for t, blocked in ((account_oldest, account_blocked), (address_oldest, address_blocked))
        if blocked and t is not None
    ]
    retry_after = max(_aware(t) for t in oldest) + window if oldest else None
    return Throttle(account, address, account_blocked, address_blocked, retry_after)


def authenticate(
    session: Session, settings: Settings, *, username: str, password: str, addr: str
) -> User:
    """The active user with this password; refused when throttled, whatever the password."""
    username = username.strip()[:60]
    state = throttle_state(session, settings, username, addr)
    if state.account_blocked or state.address_blocked:
        raise SignInRefusedError("Too many failed sign-ins.", throttled=True)
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok or not user.active:
        session.add(LoginFailure(username=username, client_addr=addr[:64], at=clock.now()))
        session.flush()
        raise SignInRefusedError(
            "The username or password is not right, or the account is disabled."
        )
    # A success clears the account's count; the address keeps its own.
    session.execute(delete(LoginFailure).where(col(LoginFailure.username) == username))
    return user


def start(session: Session, settings: Settings, user: User, *, addr: str) -> str:
    """A new session for the user; the plain token goes into the cookie and nowhere else."""
    token = secrets.token_urlsafe(32)
    at = clock.now()
    assert user.id is not None
    session.add(
        StaffSession(
            token_hash=token_hash(token),
            user_id=user.id,
            created_at=at,
            last_seen_at=at,
            expires_at=at + timedelta(hours=settings.session_max_age_hours),
            client_addr=addr[:64],
        )
    )
    session.flush()
    return token


def resolve(session: Session, settings: Settings, token: str) -> User | None:
    """The active user behind a live session token; an expired or idle session is removed."""
    row = session.exec(
        select(StaffSession, User)
        .join(User, col(User.id) == StaffSession.user_id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    staff_session, user = row
    at = clock.now()
    # This runs as a dependency before the handler has changed anything, so committing the
    # removal or the touch here cannot commit half of a handler's work.
    idle_limit = timedelta(minutes=settings.session_idle_minutes)
    if (
        not user.active
        or staff_session.expires_at <= at
        or at - staff_session.last_seen_at > idle_limit
    ):
        session.delete(staff_session)
        session.commit()
        return None
    if at - staff_session.last_seen_at >= TOUCH_EVERY:
        staff_session.last_seen_at = at
        session.add(staff_session)
        session.commit()
    return user


def end(session: Session, token: str) -> None:
    """Sign-out deletes the session row, so the cookie is worthless even if copied."""
    session.execute(delete(StaffSession).where(col(StaffSession.token_hash) == token_hash(token)))


def end_all_for(session: Session, user_id: int) -> None:
    """Deactivation and password resets sign the user out everywhere."""
    session.execute(delete(StaffSession).where(col(StaffSession.user_id) == user_id))


def prune(session: Session, now: datetime) -> None:
    """Drop expired sessions and failures older than a day (the throttle needs minutes)."""
    session.execute(delete(StaffSession).where(col(StaffSession.expires_at) <= now))
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < now - timedelta(days=1)))


def _aware(value: datetime) -> datetime:
    # SQLite returns aggregates (min) without the column type, so the offset must be restored.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=clock.now().tzinfo)
