"""Where a request happened: lat+long, address_string and/or address_id, as our areas.

address_id is one of our area codes (district, street or community); otherwise district,
street and community names found in address_string are used. Coordinates alone locate no
area (the city keeps no area boundaries): the ticket keeps them for the dispatcher.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlmodel import Session, select

from service.i18n import gettext as _
from service.intake.schemas import clean_text
from service.open311.formats import Problem
from service.open311.params import Pairs, single
from service.places.models import Area, AreaLevel

MAX_ADDRESS = 200


def _coordinate(pairs: Pairs, name: str, limit: float, problems: list[Problem]) -> float | None:
    text = single(pairs, name)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not -limit <= number <= limit:
        problems.append(
            Problem(
                400,
                _("%(name)s must be a number from -%(n)s to %(n)s (WGS84).")
                % {"name": name, "n": int(limit)},
            )
        )
        return None
    return number


@dataclass(frozen=True)
class Place:
    district: Area | None = None
    street: Area | None = None
    community: Area | None = None


def _area_chain(session: Session, area: Area) -> Place:
    """The district, street and community an area code stands for."""
    chain = {area.level: area}
    current = area
    while current.parent_id is not None:
        parent = session.get(Area, current.parent_id)
        if parent is None:
            break
        chain[parent.level] = parent
        current = parent
    return Place(
        chain.get(AreaLevel.DISTRICT), chain.get(AreaLevel.STREET), chain.get(AreaLevel.COMMUNITY)
    )


def _named_in(session: Session, text: str) -> Place:
    """The district and street (and community) whose names appear in an address, if any."""
    areas = session.exec(select(Area)).all()

    def longest(level: AreaLevel, parent: Area | None) -> Area | None:
        named = [
            a
            for a in areas
            if a.level is level
            and (parent is None or a.parent_id == parent.id)
            and any(n and n in text for n in (a.name_zh, a.name_en))
        ]
        return max(named, key=lambda a: len(a.name_zh), default=None)

    district = longest(AreaLevel.DISTRICT, None)
    street = longest(AreaLevel.STREET, district)
    if street is not None and district is None:
        district = next((a for a in areas if a.id == street.parent_id), None)
    community = longest(AreaLevel.COMMUNITY, street) if street is not None else None
    return Place(district, street, community)


def locate(
    session: Session, pairs: Pairs, problems: list[Problem]
) -> tuple[Place, str, float | None, float | None]:
    """(areas, address text, lat, long) from the spec's three ways of saying where."""
    lat = _coordinate(pairs, "lat", 90, problems)
    long = _coordinate(pairs, "long", 180, problems)
    if (single(pairs, "lat") is None) != (single(pairs, "long") is None):
        problems.append(Problem(400, _("lat and long go together: give both or neither.")))
    address = clean_text(single(pairs, "address_string"))
    if len(address) > MAX_ADDRESS:
        problems.append(
            Problem(
                400,
                _("address_string must be at most %(n)s characters.") % {"n": MAX_ADDRESS},
            )
        )
    address_id = single(pairs, "address_id")
    if address_id is None and not address and single(pairs, "lat") is None:
        problems.append(
            Problem(400, _("Say where: lat and long, address_string or address_id is required."))
        )
    place = Place()
    if address_id is not None:
        area = session.exec(select(Area).where(Area.code == address_id)).first()
        if area is None:
            problems.append(
                Problem(
                    400,
                    _("address_id %(id)s is not one of our area codes.") % {"id": address_id},
                )
            )
        else:
            place = _area_chain(session, area)
    if place.district is None and address:
        place = _named_in(session, address)
    return place, address, lat, long
