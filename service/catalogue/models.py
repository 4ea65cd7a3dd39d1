"""Categories are versioned as a whole tree; a ticket keeps the row it was filed under."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db import EnumText, UTCDateTime


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


class AttributeType(StrEnum):
    """The kinds of answer a category-specific question takes (the Open311 datatypes)."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLE = "singlevaluelist"
    MULTI = "multivaluelist"


class CategoryAttribute(SQLModel, table=True):
    """A question asked when filing under a category and under every category below it.

    Keyed by category code, not row, so a question survives new tree versions. `public`
    false keeps the answer (e.g. a licence plate) to staff: it never appears in open data.
    `variable` false is a notice shown to the citizen that takes no answer.
    """

    __tablename__ = "category_attribute"
    __table_args__ = (UniqueConstraint("category_code", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    category_code: str = Field(max_length=60, index=True)
    code: str = Field(max_length=40)
    datatype: AttributeType = Field(sa_type=EnumText(AttributeType, 16))
    required: bool = False
    variable: bool = True
    public: bool = True
    sort_order: int = 0
    description_zh: str = Field(max_length=200)
    description_en: str = Field(max_length=200)
    hint_zh: str = Field(default="", max_length=200)
    hint_en: str = Field(default="", max_length=200)
    # [{"key": "online", "name_zh": "网店", "name_en": "Online shop"}, ...] for the list types.
    choices: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
