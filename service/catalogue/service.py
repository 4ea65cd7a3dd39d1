"""Reads of the current category tree: the newest published version is the one in use."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service.catalogue.models import Category, CategoryTag, CategoryTree
from service.places.models import Unit


@dataclass(frozen=True)
class CategoryView:
    """A category as lists and pickers show it."""

    id: int
    code: str
    parent_code: str | None
    depth: int
    name_zh: str
    name_en: str
    synonyms: tuple[str, ...]
    tags: tuple[str, ...]
    service_code: str | None
    default_unit_code: str | None
    version: int


def current_version(session: Session) -> int | None:
    """The newest published tree version, or None before any tree is loaded."""
    return session.exec(select(func.max(CategoryTree.version))).one()


def list_categories(session: Session, *, version: int | None = None) -> list[CategoryView]:
    """Every category of one tree version (default: current), in tree order, in two queries."""
    version = version if version is not None else current_version(session)
    if version is None:
        return []
    parent = aliased(Category)
    rows = session.exec(
        select(Category, parent.code, Unit.code)
        .join(parent, col(Category.parent_id) == parent.id, isouter=True)
        .join(Unit, col(Category.default_unit_id) == Unit.id, isouter=True)
        .where(Category.tree_version == version)
        .order_by(Category.code)
    ).all()
    tags: dict[int, list[str]] = defaultdict(list)
    for category_id, tag_code in session.exec(
        select(CategoryTag.category_id, CategoryTag.tag_code)
        .join(Category, col(Category.id) == CategoryTag.category_id)
        .where(Category.tree_version == version)
        .order_by(CategoryTag.tag_code)
    ):
        tags[category_id].append(tag_code)
    return [
        CategoryView(
            id=category.id or 0,
            code=category.code,
            parent_code=parent_code,
            depth=category.depth,
            name_zh=category.name_zh,
            name_en=category.name_en,
            synonyms=tuple(s for s in category.synonyms.split("|") if s),
            tags=tuple(tags.get(category.id or 0, ())),
            service_code=category.service_code,
            default_unit_code=unit_code,
            version=version,
        )
        for category, parent_code, unit_code in rows
    ]


def search(categories: list[CategoryView], query: str) -> list[CategoryView]:
    """Categories whose names, code or synonyms contain the query (case-insensitive)."""
    needle = query.strip().lower()
    if not needle:
        return list(categories)
    return [
        c
        for c in categories
        if needle in c.name_zh.lower()
        or needle in c.name_en.lower()
        or needle in c.code.lower()
        or any(needle in s.lower() for s in c.synonyms)
    ]


def category_by_code(session: Session, code: str) -> Category | None:
    """The category with this code in the current tree."""
    version = current_version(session)
    if version is None:
        return None
    return session.exec(
        select(Category).where(Category.tree_version == version, Category.code == code)
    ).first()
