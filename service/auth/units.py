"""Administrators create, edit and deactivate handling units; a unit is never deleted."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from service.places.models import Area, AreaLevel, Unit, UnitClass, WindowSector


class UnitError(ValueError):
    """A unit that cannot be saved; field names the form field to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class UnitInput:
    code: str
    name_zh: str
    name_en: str
    unit_class: str
    district_code: str = ""
    parent_code: str = ""
    phone: str = ""
    window_sector: str = ""  # empty: not a window industry
    active: bool = True


def save_unit(session: Session, data: UnitInput, *, existing: Unit | None = None) -> Unit:
    """Codes are unique; a unit cannot be its own parent; a deactivated unit keeps its tickets."""
    code = data.code.strip()
    if not code or len(code) > 40:
        raise UnitError("code", "A code of 1 to 40 characters is required.")
    clash = session.exec(select(Unit).where(Unit.code == code)).first()
    if clash is not None and clash is not existing:
        raise UnitError("code", "Another unit already has this code.")
    if not data.name_zh.strip() or len(data.name_zh) > 120:
        raise UnitError("name_zh", "A Chinese name of 1 to 120 characters is required.")
    if len(data.name_en) > 160:
        raise UnitError("name_en", "At most 160 characters.")
    try:
        unit_class = UnitClass(data.unit_class)
    except ValueError:
        raise UnitError("unit_class", "Choose a unit class.") from None
    try:
        sector = WindowSector(data.window_sector) if data.window_sector.strip() else None
    except ValueError:
        raise UnitError("window_sector", "Choose a window industry, or none.") from None
    district_id = None
    if data.district_code.strip():
        district = session.exec(
            select(Area).where(
                Area.code == data.district_code.strip(), Area.level == AreaLevel.DISTRICT
            )
        ).first()
        if district is None:
            raise UnitError("district_code", "No district has this code.")
        district_id = district.id
    parent_id = None
    if data.parent_code.strip():
        parent = session.exec(select(Unit).where(Unit.code == data.parent_code.strip())).first()
        if parent is None:
            raise UnitError("parent_code", "No unit has this code.")
        if existing is not None and parent.id == existing.id:
            raise UnitError("parent_code", "A unit cannot be its own parent.")
        parent_id = parent.id
    unit = existing or Unit(code=code, name_zh="", name_en="", unit_class=unit_class)
    unit.code = code
    unit.name_zh = data.name_zh.strip()
    unit.name_en = data.name_en.strip() or code
    unit.unit_class = unit_class
    unit.district_id = district_id
    unit.parent_id = parent_id
    unit.phone = data.phone.strip()[:40]
    unit.window_sector = sector
    unit.active = data.active
    session.add(unit)
    session.flush()
    return unit
