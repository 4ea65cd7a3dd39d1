"""GET /api/v1/staff/me: who the session cookie belongs to (for staff-side scripts and tests)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlmodel import select

from service.auth.deps import CurrentUser
from service.deps import SessionDep
from service.places.models import Unit

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


@router.get("/me", summary="The signed-in staff user (401 when signed out)")
def me(user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    unit = session.exec(select(Unit.code).where(Unit.id == user.unit_id)).first()
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "unit": unit,
    }
