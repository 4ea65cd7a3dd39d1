"""Frozen report snapshots (months, quarters, years) with their revisions ledger and readers'
notices, the adopted monthly topic (每月一题) and the latest hot clusters of similar ticket
texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class ReportSnapshot(SQLModel, table=True):
    """A published period: content is canonical JSON text and sha256 its hash; never updated."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("period", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=7, index=True)  # YYYY-MM, YYYY-Qn or YYYY
    version: int = Field(ge=1)
    published_at: datetime = Field(sa_type=UTCDateTime)
    published_by: int | None = Field(default=None, foreign_key="staff_user.id")
    note: str = Field(default="", max_length=200)
    # Why this version replaces the one before (mandatory from version 2 on; empty for v1).
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    content: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)


class ReportRevision(SQLModel, table=True):
    """One published figure changed by a later version: the ledger deputies read."""

    __tablename__ = "report_revision"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="report_snapshot.id", index=True)  # the new version
    period: str = Field(max_length=7, index=True)
    version: int  # the version that made the change
    previous_version: int
    figure: str = Field(max_length=200)  # a path into the report, e.g. totals.satisfaction
    before: float | None = None
    after: float | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    revised_at: datetime = Field(sa_type=UTCDateTime)
    revised_by: int | None = Field(default=None, foreign_key="staff_user.id")


class ReportNotice(SQLModel, table=True):
    """A published report waiting on a reader's start page until they read it."""

    __tablename__ = "report_notice"
    __table_args__ = (UniqueConstraint("user_id", "snapshot_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff_user.id", index=True)
    snapshot_id: int = Field(foreign_key="report_snapshot.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MonthlyTopic(SQLModel, table=True):
    """A category (and district) topic, or a text topic followed through its key terms."""

    __tablename__ = "monthly_topic"
    __table_args__ = (
        UniqueConstraint("month"),
        CheckConstraint("category_id IS NOT NULL OR terms <> ''", name="category_or_terms"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7)  # YYYY-MM
    category_id: int | None = Field(default=None, foreign_key="category.id")
    area_id: int | None = Field(default=None, foreign_key="area.id")
    # Space-separated key terms of an adopted text cluster; the topic's tickets are those whose
    # title or description contains any of them. Empty for a category topic.
    terms: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    adopted_by: int | None = Field(default=None, foreign_key="staff_user.id")
    adopted_at: datetime = Field(sa_type=UTCDateTime)
    # When its weekly counts (monthly_topic_week) were last made; None before the first count.
    counted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def term_list(self) -> list[str]:
        return self.terms.split()


class MonthlyTopicWeek(SQLModel, table=True):
    """A monthly topic's tickets in one week as last counted (on adoption, then hourly by the
    topic_trends job): the hot topics page reads these, so it never scans ticket texts."""

    __tablename__ = "monthly_topic_week"

    topic_id: int = Field(foreign_key="monthly_topic.id", primary_key=True)
    week: str = Field(max_length=10, primary_key=True)  # its Monday, local date
    tickets: int


class TextCluster(SQLModel, table=True):
    """A hot cluster of similar texts from the latest clustering run (the job replaces them
    all each run): tickets of the last seven days, against their usual weekly level."""

    __tablename__ = "text_cluster"

    id: int | None = Field(default=None, primary_key=True)
    computed_at: datetime = Field(sa_type=UTCDateTime)
    terms: str = Field(max_length=200)  # space-separated, best first
    size: int  # tickets of the last seven days in the cluster
    usual: float  # similar tickets a week, on average, in the weeks before
    requesters: int  # distinct requesters among the members
    districts: int  # distinct districts among the members
    category_id: int | None = Field(default=None, foreign_key="category.id")  # the most frequent
    district_id: int | None = Field(default=None, foreign_key="area.id")  # the most frequent

    @property
    def term_list(self) -> list[str]:
        return self.terms.split()


class TextClusterTicket(SQLModel, table=True):
    """The tickets behind a hot text cluster."""

    __tablename__ = "text_cluster_ticket"

    cluster_id: int = Field(foreign_key="text_cluster.id", primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, index=True)


class VulnerableTarget(SQLModel, table=True):
    """The city's target for one vulnerable group: complaints a month per 10,000 residents
    that the city means to stay under (the "falling complaint rate" of the seed plan)."""

    __tablename__ = "vulnerable_target"

    tag_code: str = Field(foreign_key="tag.code", primary_key=True, max_length=40)
    per_10k: float = Field(ge=0)
    set_by: int | None = Field(default=None, foreign_key="staff_user.id")
    set_at: datetime = Field(sa_type=UTCDateTime)
