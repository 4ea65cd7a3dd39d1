"""Categories are versioned as a whole tree; a ticket keeps the row it was filed under."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class CategoryTree(SQLModel, table=True):
    __tablename__ = "category_tree"

    version: int = Field(primary_key=True)
    published_at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", max_length=200)


class Category(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tree_version", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    tree_version: int = Field(foreign_key="category_tree.version", index=True)
    code: str = Field(max_length=60)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    depth: int = Field(default=1, ge=1, le=4)
    name_zh: str = Field(max_length=80)
    name_en: str = Field(max_length=120)
    # '|'-separated words citizens actually type; searched together with the names.
    synonyms: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    default_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    service_code: str | None = Field(default=None, max_length=40, index=True)
    sort_order: int = 0


class Tag(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=40)
    name_zh: str = Field(max_length=40)
    name_en: str = Field(max_length=60)


class CategoryTag(SQLModel, table=True):
    __tablename__ = "category_tag"

    category_id: int = Field(foreign_key="category.id", primary_key=True)
    tag_code: str = Field(foreign_key="tag.code", primary_key=True, max_length=40)
