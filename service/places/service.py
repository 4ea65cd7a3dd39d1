"""Reads of the area tree and the handling units, each list in a single query."""

from __future__ import annotations

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service.places.models import Area, AreaLevel, Unit


def list_areas(
    session: Session, *, level: AreaLevel | None = None, parent_code: str | None = None
) -> list[tuple[Area, str | None]]:
    """Areas with their parent's code, ordered by code (a district's streets follow it)."""
    parent = aliased(Area)
    query = select(Area, parent.code).join(parent, col(Area.parent_id) == parent.id, isouter=True)
    if level is not None:
        query = query.where(Area.level == level)
    if parent_code is not None:
        query = query.where(parent.code == parent_code)
    return [(area, code) for area, code in session.exec(query.order_by(Area.code))]


def list_units(session: Session) -> list[tuple[Unit, str | None]]:
    """Active units with their district's code."""
    district = aliased(Area)
    query = (
        select(Unit, district.code)
        .join(district, col(Unit.district_id) == district.id, isouter=True)
        .where(col(Unit.active).is_(True))
        .order_by(Unit.code)
    )
    return [(unit, code) for unit, code in session.exec(query)]


def area_by_code(session: Session, code: str) -> Area | None:
    return session.exec(select(Area).where(Area.code == code)).first()


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()
