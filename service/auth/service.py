"""Staff accounts and API keys: created by administrators, secrets stored only as hashes."""

from __future__ import annotations

from sqlmodel import Session, select

from service import clock
from service.auth.models import ApiKey, Role, User
from service.auth.secrets import hash_api_key, hash_password, new_api_key
from service.auth.sessions import end_all_for
from service.places.models import Unit

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user mistake when creating an account; the message says what to fix.

    `field` names the form field the mistake belongs to and `page_message` is the wording for
    a page (the plain message speaks to someone at the command line).
    """

    def __init__(self, message: str, field: str = "", page_message: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.page_message = page_message or message


def create_user(
    session: Session,
    *,
    username: str,
    role: Role,
    password: str,
    unit_code: str | None = None,
    display_name: str = "",
    email: str = "",
) -> User:
    """A handler must belong to exactly one unit; other roles belong to none."""
    username = username.strip()
    if not username or len(username) > 60:
        raise AccountError(
            "username must be 1 to 60 characters",
            "username",
            "Give a username of 1 to 60 characters.",
        )
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(
            f"user {username!r} already exists", "username", "This username is taken."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters",
            "password",
            "The password must be at least 10 characters.",
        )
    unit_id = _unit_for_role(session, role, unit_code)
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit_id,
        email=email.strip()[:255],
        created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    return user


def _unit_for_role(session: Session, role: Role, unit_code: str | None) -> int | None:
    if role is Role.HANDLER:
        if not unit_code:
            raise AccountError(
                "a handler needs --unit CODE (the unit they work for)",
                "unit_code",
                "Choose the unit this handler works for.",
            )
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise AccountError(
                f"unknown unit {unit_code!r}; see GET /api/v1/units",
                "unit_code",
                "No unit has this code.",
            )
        if not unit.active:
            raise AccountError(
                f"unit {unit_code!r} is inactive", "unit_code", "The unit is inactive."
            )
        return unit.id
    if unit_code:
        raise AccountError(
            f"only handlers belong to a unit, not the {role.value} role",
            "unit_code",
            "Only handlers belong to a unit.",
        )
    return None


def update_user(
    session: Session,
    user: User,
    *,
    acting: User,
    display_name: str,
    role: Role,
    unit_code: str | None,
    active: bool,
    email: str | None = None,
) -> None:
    """Change role, unit or status; a change of role, unit or status signs the user out.

    An administrator cannot disable their own account or drop their own admin role, so the
    system never loses its last way in by accident.
    """
    if user.id == acting.id and (not active or role is not Role.ADMIN):
        raise AccountError(
            "you cannot disable yourself or remove your own admin role",
            "role",
            "You cannot disable yourself or remove your own admin role.",
        )
    unit_id = _unit_for_role(session, role, unit_code)
    signs_out = (role, unit_id, active) != (user.role, user.unit_id, user.active)
    user.display_name = (display_name.strip() or user.username)[:80]
    user.role = role
    user.unit_id = unit_id
    user.active = active
    if email is not None:  # None: the caller does not edit the address
        user.email = email.strip()[:255]
    session.add(user)
    session.flush()
    if signs_out and user.id is not None:
        end_all_for(session, user.id)


def reset_password(session: Session, user: User, password: str) -> None:
    """A new password set by an administrator; every session of the user ends."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters",
            "password",
            "The password must be at least 10 characters.",
        )
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    if user.id is not None:
        end_all_for(session, user.id)


def create_api_key(session: Session, *, name: str) -> tuple[ApiKey, str]:
    """A new key; the plain key is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("key name must be 1 to 80 characters")
    plain = new_api_key()
    key = ApiKey(name=name, prefix=plain[:12], key_hash=hash_api_key(plain), created_at=clock.now())
    session.add(key)
    session.flush()
    return key, plain


def find_api_key(session: Session, plain: str) -> ApiKey | None:
    """The active key matching this plain key, if any."""
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_api_key(plain))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key
