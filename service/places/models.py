"""An area sits in a district → street → community tree; a unit handles tickets."""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel

from service.db import EnumText


class AreaLevel(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


class UnitClass(StrEnum):
    MUNICIPAL_DEPARTMENT = "municipal_department"
    DISTRICT_GOVERNMENT = "district_government"
    DISTRICT_DEPARTMENT = "district_department"
    STREET_OFFICE = "street_office"
    ENTERPRISE = "enterprise"


class WindowSector(StrEnum):
    """The "window" service industries (窗口行业) whose counters the public meets every day;
    a unit of any class may be one, and is then also assessed in the window-industries league."""

    BANK = "bank"
    HOSPITAL = "hospital"
    TRANSPORT = "transport"
    UTILITY = "utility"
    GOVERNMENT_HALL = "government_hall"


class Area(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    parent_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    level: AreaLevel = Field(sa_type=EnumText(AreaLevel, 12))
    name_zh: str = Field(max_length=80)
    name_en: str = Field(max_length=120)
    population: int = Field(default=0, ge=0)


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_zh: str = Field(max_length=120)
    name_en: str = Field(max_length=160)
    unit_class: UnitClass = Field(sa_type=EnumText(UnitClass, 24), index=True)
    district_id: int | None = Field(default=None, foreign_key="area.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    phone: str = Field(default="", max_length=40)
    active: bool = True
    # None: not a window industry. Set for banks, hospitals, transport, utilities and halls.
    window_sector: WindowSector | None = Field(
        default=None, sa_type=EnumText(WindowSector, 16), nullable=True
    )
