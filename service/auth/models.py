"""Staff users carry one role; handlers are bound to one unit. API keys are stored hashed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


class Role(StrEnum):
    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    DEPUTY = "deputy"
    ADMIN = "admin"


class User(SQLModel, table=True):
    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True)
    display_name: str = Field(default="", max_length=80)
    # Where published reports are e-mailed (readers); empty: start-page notice only.
    email: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    password_hash: str = Field(max_length=255)
    role: Role = Field(sa_type=EnumText(Role, 20))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=12, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffSession(SQLModel, table=True):
    """A signed-in browser; only the SHA-256 of its cookie token is stored."""

    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    client_addr: str = Field(default="", max_length=64)


class LoginFailure(SQLModel, table=True):
    """One failed sign-in; recent rows per account and per address throttle further tries."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_client_addr_at", "client_addr", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60)
    client_addr: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)


class PiiAccess(SQLModel, table=True):
    """Who saw a requester's unmasked personal data, when, on which ticket, and why (PIPL)."""

    __tablename__ = "pii_access_log"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    client_addr: str = Field(default="", max_length=64)
