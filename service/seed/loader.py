"""Load areas, units, the category tree, tags and category questions from CSV files; each load is
all-or-nothing."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from service import clock
from service.catalogue.models import (
    AttributeType,
    Category,
    CategoryAttribute,
    CategoryTag,
    CategoryTree,
    Tag,
)
from service.places.models import Area, AreaLevel, Unit, UnitClass, WindowSector
from service.sla.models import DeadlinePolicy
from service.sla.policies import OFFICE_CLOCKS, PolicyError, parse_duration

DATA_DIR = Path(__file__).parent / "data"

# The cross-cutting tags the seed plan tracks; category rows may only use these.
TAGS: dict[str, tuple[str, str]] = {
    "fake_goods": ("假冒伪劣", "Fake and shoddy goods"),
    "elderly": ("老年人权益", "Rights of the elderly"),
    "women": ("妇女权益", "Rights of women"),
    "minors": ("未成年人权益", "Rights of minors"),
    "disabled": ("残疾人权益", "Rights of the disabled"),
    "consumers": ("消费者权益", "Consumer rights"),
    "workers": ("劳动者权益", "Workers' rights"),
    "street_order": ("街面秩序", "Street order"),
    "window_industry": ("窗口行业", "Window service industries"),
}


class SeedError(ValueError):
    """A reference file is inconsistent; the message names the file and line."""


@dataclass(frozen=True)
class LoadSummary:
    areas: int
    units: int
    categories: int
    tree_version: int
    policies: int
    questions: int = 0


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            yield line_no, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def load_areas(session: Session, path: Path) -> int:
    """Areas in file order; a parent must come before its children."""
    ids: dict[str, int] = {a.code: a.id for a in session.exec(select(Area)) if a.id}
    count = 0
    for line, row in _rows(path):
        parent = row["parent_code"]
        if parent and parent not in ids:
            raise SeedError(f"{path.name}:{line}: unknown parent area {parent!r}")
        area = Area(
            code=row["code"],
            parent_id=ids[parent] if parent else None,
            level=AreaLevel(row["level"]),
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            population=int(row["population"] or 0),
        )
        session.add(area)
        session.flush()
        assert area.id is not None
        ids[area.code] = area.id
        count += 1
    return count


def load_units(session: Session, path: Path) -> int:
    """Units; parents may appear later in the file, so they are linked in a second pass."""
    areas = {a.code: a.id for a in session.exec(select(Area))}
    units: dict[str, Unit] = {}
    parents: dict[str, str] = {}
    for line, row in _rows(path):
        district = row.get("district_code", "")
        if district and district not in areas:
            raise SeedError(f"{path.name}:{line}: unknown district {district!r}")
        unit = Unit(
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            unit_class=UnitClass(row["unit_class"]),
            district_id=areas[district] if district else None,
            phone=row.get("phone", ""),
            window_sector=WindowSector(row["window_sector"]) if row.get("window_sector") else None,
        )
        session.add(unit)
        units[unit.code] = unit
        if row.get("parent_code"):
            parents[unit.code] = row["parent_code"]
    session.flush()
    for code, parent_code in parents.items():
        if parent_code not in units:
            raise SeedError(f"{path.name}: unit {code} has unknown parent {parent_code!r}")
        units[code].parent_id = units[parent_code].id
    session.flush()
    return len(units)


def ensure_tags(session: Session) -> None:
    """The fixed tag list exists (idempotent)."""
    existing = set(session.exec(select(Tag.code)))
    for code, (zh, en) in TAGS.items():
        if code not in existing:
            session.add(Tag(code=code, name_zh=zh, name_en=en))
    session.flush()


def load_category_tree(session: Session, path: Path, *, note: str = "") -> tuple[int, int]:
    """Publish the file as a new tree version; older versions stay for old tickets."""
    ensure_tags(session)
    units = {u.code: u.id for u in session.exec(select(Unit))}
    latest = max(session.exec(select(CategoryTree.version)).all(), default=0)
    version = latest + 1
    session.add(CategoryTree(version=version, published_at=clock.now(), note=note[:200]))
    session.flush()
    ids: dict[str, int] = {}
    depths: dict[str, int] = {}
    count = 0
    for line, row in _rows(path):
        parent = row["parent_code"]
        if parent and parent not in ids:
            raise SeedError(f"{path.name}:{line}: unknown parent category {parent!r}")
        unit_code = row.get("default_unit", "")
        if unit_code and unit_code not in units:
            raise SeedError(f"{path.name}:{line}: unknown unit {unit_code!r}")
        tags = [t for t in row.get("tags", "").split("|") if t]
        unknown = [t for t in tags if t not in TAGS]
        if unknown:
            raise SeedError(f"{path.name}:{line}: unknown tags {unknown}")
        depth = depths[parent] + 1 if parent else 1
        category = Category(
            tree_version=version,
            code=row["code"],
            parent_id=ids[parent] if parent else None,
            depth=depth,
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            synonyms=row.get("synonyms", ""),
            default_unit_id=units[unit_code] if unit_code else None,
            service_code=row.get("service_code") or None,
            sort_order=count,
        )
        session.add(category)
        session.flush()
        assert category.id is not None
        ids[category.code] = category.id
        depths[category.code] = depth
        for tag in tags:
            session.add(CategoryTag(category_id=category.id, tag_code=tag))
        count += 1
    session.flush()
    return version, count


def _choices(path: Path, line: int, text: str) -> list[dict[str, str]]:
    """`key:名称:Name|key2:...` as [{"key", "name_zh", "name_en"}]."""
    choices = []
    for item in (part for part in text.split("|") if part):
        key, _sep, names = item.partition(":")
        name_zh, _sep, name_en = names.partition(":")
        if not key or not name_zh:
            raise SeedError(f"{path.name}:{line}: a choice needs key:名称:Name, got {item!r}")
        choices.append({"key": key, "name_zh": name_zh, "name_en": name_en or name_zh})
    return choices


def load_category_attributes(session: Session, path: Path) -> int:
    """Questions per category code; the code must exist in some tree version."""
    known = set(session.exec(select(Category.code)).all())
    count = 0
    for line, row in _rows(path):
        if row["category_code"] not in known:
            raise SeedError(f"{path.name}:{line}: unknown category {row['category_code']!r}")
        try:
            datatype = AttributeType(row["datatype"])
        except ValueError as exc:
            raise SeedError(f"{path.name}:{line}: unknown datatype {row['datatype']!r}") from exc
        choices = _choices(path, line, row.get("choices", ""))
        if (datatype in (AttributeType.SINGLE, AttributeType.MULTI)) != bool(choices):
            raise SeedError(f"{path.name}:{line}: only the list types have choices, and they must")
        session.add(
            CategoryAttribute(
                category_code=row["category_code"],
                code=row["code"],
                datatype=datatype,
                required=row["required"] == "true",
                variable=row["variable"] != "false",
                public=row["public"] != "false",
                sort_order=int(row["sort_order"] or 0),
                description_zh=row["description_zh"],
                description_en=row["description_en"],
                hint_zh=row.get("hint_zh", ""),
                hint_en=row.get("hint_en", ""),
                choices=choices,
            )
        )
        count += 1
    session.flush()
    return count


def load_deadline_policies(session: Session, path: Path) -> int:
    """The clock rule table; every duration is checked before anything is stored."""
    count = 0
    for line, row in _rows(path):
        clocks = {name: row[name] for name in ("sign_for", "first_contact", "handling", "callback")}
        # The hotline office's clocks may be left empty: a less specific row then sets them.
        office = {name: (row.get(name) or "").strip() or None for name in OFFICE_CLOCKS}
        for name, value in [*clocks.items(), *((n, v) for n, v in office.items() if v)]:
            try:
                parse_duration(value or "")
            except PolicyError as exc:
                raise SeedError(f"{path.name}:{line}: {name}: {exc}") from exc
        session.add(
            DeadlinePolicy(
                ticket_type=row["ticket_type"] or None,
                urgency=row["urgency"] or None,
                category_prefix=row["category_prefix"] or None,
                unit_class=row["unit_class"] or None,
                sign_for=clocks["sign_for"],
                first_contact=clocks["first_contact"],
                handling=clocks["handling"],
                callback=clocks["callback"],
                dispatch=office["dispatch"],
                return_review=office["return_review"],
                extension_review=office["extension_review"],
                reply_review=office["reply_review"],
            )
        )
        count += 1
    session.flush()
    return count


def load_reference_data(session: Session, data_dir: Path = DATA_DIR) -> LoadSummary:
    """The demo city: areas, units, the first category tree, its questions, deadline rules."""
    areas = load_areas(session, data_dir / "areas.csv")
    units = load_units(session, data_dir / "units.csv")
    version, categories = load_category_tree(
        session, data_dir / "categories.csv", note="demo city seed"
    )
    policies = load_deadline_policies(session, data_dir / "deadline_policies.csv")
    questions = load_category_attributes(session, data_dir / "category_attributes.csv")
    return LoadSummary(
        areas=areas,
        units=units,
        categories=categories,
        tree_version=version,
        policies=policies,
        questions=questions,
    )
