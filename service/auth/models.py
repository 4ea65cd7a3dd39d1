"""Staff users carry one role; handlers are bound to one unit. API keys are stored hashed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
