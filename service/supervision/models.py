"""Frozen monthly report snapshots and the adopted monthly topic (每月一题)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class ReportSnapshot(SQLModel, table=True):
    """A published month: content is canonical JSON text and sha256 its hash; never updated."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("period", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, index=True)  # YYYY-MM
    version: int = Field(ge=1)
    published_at: datetime = Field(sa_type=UTCDateTime)
    published_by: int | None = Field(default=None, foreign_key="staff_user.id")
    note: str = Field(default="", max_length=200)
    content: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)


class MonthlyTopic(SQLModel, table=True):
    __tablename__ = "monthly_topic"
    __table_args__ = (UniqueConstraint("month"),)

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7)  # YYYY-MM
    category_id: int = Field(foreign_key="category.id")
    area_id: int | None = Field(default=None, foreign_key="area.id")
    adopted_by: int | None = Field(default=None, foreign_key="staff_user.id")
    adopted_at: datetime = Field(sa_type=UTCDateTime)
