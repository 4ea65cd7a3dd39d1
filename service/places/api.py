"""Read-only JSON lists of areas and handling units."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.deps import SessionDep
from service.places import service as places
from service.places.models import AreaLevel

router = APIRouter(prefix="/api/v1", tags=["reference data"])


@router.get("/areas")
def list_areas(
    session: SessionDep, level: AreaLevel | None = None, parent: str | None = None
) -> list[dict[str, Any]]:
    """Districts, streets and communities, each with its parent's code and population."""
    return [
        {
            "code": area.code,
            "parent": parent_code,
            "level": area.level.value,
            "name_zh": area.name_zh,
            "name_en": area.name_en,
            "population": area.population,
        }
        for area, parent_code in places.list_areas(session, level=level, parent_code=parent)
    ]


@router.get("/units")
def list_units(session: SessionDep) -> list[dict[str, Any]]:
    """Active handling units with their class and district."""
    return [
        {
            "code": unit.code,
            "name_zh": unit.name_zh,
            "name_en": unit.name_en,
            "unit_class": unit.unit_class.value,
            "district": district_code,
        }
        for unit, district_code in places.list_units(session)
    ]
