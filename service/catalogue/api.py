"""Read-only JSON list of the current category tree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.catalogue import service as catalogue
from service.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["reference data"])


@router.get("/categories")
def list_categories(session: SessionDep, q: str | None = None) -> list[dict[str, Any]]:
    """The current tree, optionally filtered by a keyword over names and synonyms."""
    categories = catalogue.list_categories(session)
    if q:
        categories = catalogue.search(categories, q)
    return [
        {
            "code": c.code,
            "parent": c.parent_code,
            "depth": c.depth,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "synonyms": list(c.synonyms),
            "tags": list(c.tags),
            "service_code": c.service_code,
            "default_unit": c.default_unit_code,
            "version": c.version,
        }
        for c in categories
    ]
