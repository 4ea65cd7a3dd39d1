"""POST requests: an Open311 submission checked, then filed through the portal's intake path.

The ticket is created by intake.service.file_complaint like a portal or API complaint (channel
api): routed at once, deadlines started, the confirmation queued in the outbox, photos sniffed
and stripped of metadata. A submission without a name, phone or e-mail is anonymous. Where it
happened is one or more of lat+long, address_string (district and street names in it are
recognised) and address_id (one of our area codes).
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlmodel import Session, select

from service import clock
from service.auth.models import ApiKey
from service.auth.service import find_api_key
from service.catalogue import attributes as questions
from service.catalogue import service as catalogue
from service.catalogue.models import AttributeType, CategoryAttribute
from service.config import Settings
from service.i18n import gettext as _
from service.i18n import localized_name
from service.intake import attachments as files_
from service.intake import ratelimit
from service.intake import service as intake
from service.intake.schemas import ComplaintData, Contact, clean_text, parse_contact
from service.open311.formats import Problem
from service.open311.models import Open311Request
from service.open311.params import Pairs, parse_when, single
from service.open311.services import Service
from service.places.models import Area, AreaLevel
from service.tickets.models import Channel, TicketType

MAX_DESCRIPTION = 4000
MAX_ADDRESS = 200
MAX_ANSWER = {AttributeType.STRING: 200, AttributeType.TEXT: 2000}
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


@dataclass
class Checked:
    """A submission that passed every check, ready to file."""

    service: Service
    data: ComplaintData
    refs: intake.References
    answers: dict[str, str | list[str]]
    media_url: str | None
    device_id: str
    account_id: str | None
    uploads: list[files_.CleanFile] = field(default_factory=list)


def api_key_of(session: Session, pairs: Pairs, headers: dict[str, str]) -> ApiKey | None:
    """The client's active key: the spec's api_key field, else X-API-Key or a Bearer token."""
    plain = single(pairs, "api_key") or headers.get("x-api-key", "").strip()
    if not plain:
        scheme, _sep, value = headers.get("authorization", "").partition(" ")
        plain = value.strip() if scheme.lower() == "bearer" else ""
    return find_api_key(session, plain) if plain else None


def given_answers(pairs: Pairs) -> dict[str, list[str]]:
    """attribute[CODE]=v and attribute[CODE][]=v (repeated for lists) by CODE, blanks dropped."""
    given: dict[str, list[str]] = {}
    for key, value in pairs:
        match = _ATTRIBUTE.match(key)
        if match and value.strip():
            given.setdefault(match.group(1), []).append(value.strip())
    return given


def _answer(
    question: CategoryAttribute, raw: list[str], tz: ZoneInfo
) -> tuple[str | list[str] | None, str]:
    """The stored form of one answer, or a message saying what is wrong with it."""
    keys = [str(c["key"]) for c in question.choices]
    if question.datatype is AttributeType.MULTI:
        unknown = [v for v in raw if v not in keys]
        if unknown:
            return None, _("choose from %(keys)s.") % {"keys": ", ".join(keys)}
        return list(dict.fromkeys(raw)), ""
    value = clean_text(raw[-1])
    if question.datatype is AttributeType.SINGLE:
        if value not in keys:
            return None, _("choose one of %(keys)s.") % {"keys": ", ".join(keys)}
        return value, ""
    if question.datatype is AttributeType.NUMBER:
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, _("enter a number.")
        return value, ""
    if question.datatype is AttributeType.DATETIME:
        try:
            return parse_when(value, tz).isoformat(), ""
        except ValueError:
            return None, _("enter a date and time such as 2026-11-20T18:30:00+08:00.")
    limit = MAX_ANSWER[question.datatype]
    if len(value) > limit:
        return None, _("keep it under %(n)s characters.") % {"n": limit}
    return value, ""


def check_answers(
    asked: Sequence[CategoryAttribute], given: dict[str, list[str]], tz: ZoneInfo
) -> tuple[dict[str, str | list[str]], list[Problem]]:
    """Answers to the service's questions; unknown attributes are ignored, as clients expect."""
    answers: dict[str, str | list[str]] = {}
    problems = []
    for question in asked:
        if not question.variable:
            continue
        label = localized_name(question.description_zh, question.description_en)
        raw = given.get(question.code, [])
        if not raw:
            if question.required:
                problems.append(
                    Problem(
                        400,
                        _("attribute[%(code)s] (%(label)s) is required.")
                        % {"code": question.code, "label": label},
                    )
                )
            continue
        value, message = _answer(question, raw, tz)
        if value is None:
            problems.append(
                Problem(
                    400,
                    _("attribute[%(code)s] (%(label)s): %(message)s")
                    % {"code": question.code, "label": label, "message": message},
                )
            )
            continue
        answers[question.code] = value
    return answers, problems


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


def _name(pairs: Pairs) -> str:
    first = single(pairs, "first_name") or ""
    last = single(pairs, "last_name") or ""
    # Chinese names read family name first, without a space.
    if re.search(r"[\u4e00-\u9fff]", first + last):
        return clean_text(last + first)
    return clean_text(f"{first} {last}")


def title_for(description: str, service_name: str) -> str:
    """A ticket title: the description's first line, shortened, or the service name."""
    first = description.split("\n", 1)[0].strip()
    if not first:
        return service_name[:120]
    return first if len(first) <= 40 else first[:39] + "…"


def check(
    session: Session,
    settings: Settings,
    service: Service,
    pairs: Pairs,
    media: list[tuple[str, BinaryIO]],
) -> tuple[Checked | None, list[Problem]]:
    """Every problem with the submission (each its own entry), or the checked submission."""
    pairs = list(pairs)
    problems: list[Problem] = []
    description = clean_text(single(pairs, "description"))
    if len(description) > MAX_DESCRIPTION:
        problems.append(
            Problem(
                400,
                _("description must be at most %(n)s characters (it has %(m)s).")
                % {"n": MAX_DESCRIPTION, "m": len(description)},
            )
        )
    place, address, lat, long = locate(session, pairs, problems)
    contact_errors: dict[str, str] = {}
    contact = parse_contact(
        {"name": _name(pairs), "phone": single(pairs, "phone"), "email": single(pairs, "email")},
        contact_errors,
        required=False,
    )
    shown = {"name": "first_name/last_name", "phone": "phone", "email": "email"}
    problems += [
        Problem(400, f"{shown[name]}: {message}") for name, message in contact_errors.items()
    ]
    media_url = single(pairs, "media_url")
    if media_url is not None and (len(media_url) > 2000 or not _URL.match(media_url)):
        problems.append(Problem(400, _("media_url must be an http or https address.")))
    asked = questions.questions_for(session, service.category.code)
    answers, answer_problems = check_answers(asked, given_answers(pairs), settings.tz)
    problems += answer_problems
    uploads: list[files_.CleanFile] = []
    try:
        uploads = files_.read_uploads(
            media, max_files=settings.upload_max_files, max_bytes=settings.upload_max_bytes
        )
    except files_.UploadError as rejected:
        problems.append(Problem(400, f"media: {rejected.message}"))
    category = catalogue.category_by_code(session, service.category.code)
    if problems or category is None:
        return None, problems
    anonymous = not (contact.name or contact.phone or contact.email)
    data = ComplaintData(
        type=TicketType.COMPLAINT,
        category_code=category.code,
        title=title_for(description, service.name),
        description=description,
        request_text="",
        district_code=place.district.code if place.district else "",
        street_code=place.street.code if place.street else "",
        address=address,
        lat=lat,
        long=long,
        occurred_at=None,
        contact=Contact(name="", phone="", email="") if anonymous else contact,
        anonymous=anonymous,
        confidential=False,
    )
    refs = intake.References(
        category=category, district=place.district, street=place.street, community=place.community
    )
    checked = Checked(
        service=service,
        data=data,
        refs=refs,
        answers=answers,
        media_url=media_url,
        device_id=single(pairs, "device_id") or "",
        account_id=single(pairs, "account_id"),
        uploads=uploads,
    )
    return checked, []


def limits(settings: Settings, checked: Checked) -> list[ratelimit.Limit]:
    """Apps post for many people from one address, so the per-citizen limits apply: per phone
    number and per device, each at the portal's daily limit per phone."""
    day = timedelta(days=1)
    most = settings.rate_limit_per_phone_per_day
    return [
        ratelimit.Limit("phone", checked.data.contact.phone, most, day),
        ratelimit.Limit("device", checked.device_id, most, day),
    ]


def file(
    session: Session,
    settings: Settings,
    checked: Checked,
    *,
    api_key: ApiKey,
    emails: Environment,
) -> tuple[intake.Filed, str]:
    """File the ticket like the portal does and remember the client's token; (filed, token)."""
    filed = intake.file_complaint(
        session,
        settings,
        checked.data,
        checked.refs,
        checked.uploads,
        channel=Channel.API,
        emails=emails,
        answers=checked.answers,
    )
    assert filed.ticket.id is not None and api_key.id is not None
    token = secrets.token_urlsafe(18)
    session.add(
        Open311Request(
            ticket_id=filed.ticket.id,
            token=token,
            api_key_id=api_key.id,
            media_url=checked.media_url,
            created_at=clock.now(),
        )
    )
    session.flush()
    return filed, token


def receipt(
    filed: intake.Filed, token: str, account_id: str | None, notice: str | None
) -> dict[str, Any]:
    """The POST answer's one entry."""
    return {
        "service_request_id": filed.ticket.number,
        "token": token,
        "service_notice": notice,
        "account_id": account_id,
    }
