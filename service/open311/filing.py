"""POST requests: an Open311 submission checked, then filed through the portal's intake path.

The ticket is created by intake.service.file_complaint like a portal or API complaint (channel
api): routed at once, deadlines started, the confirmation queued in the outbox, photos sniffed
and stripped of metadata. A submission without a name, phone or e-mail is anonymous. Where it
happened is one or more of lat+long, address_string (district and street names in it are
recognised) and address_id (one of our area codes).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, BinaryIO

from jinja2 import Environment
from sqlmodel import Session

from service import clock
from service.auth.models import ApiKey
from service.auth.service import find_api_key
from service.catalogue import attributes as questions
from service.catalogue import service as catalogue
from service.config import Settings
from service.i18n import gettext as _
from service.intake import attachments as files_
from service.intake import ratelimit
from service.intake import service as intake
from service.intake.schemas import ComplaintData, Contact, clean_text, parse_contact
from service.open311 import attributes, location
from service.open311.formats import Problem
from service.open311.models import Open311Request
from service.open311.params import Pairs, single
from service.open311.services import Service
from service.tickets.models import Channel, TicketType

MAX_DESCRIPTION = 4000
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
    place, address, lat, long = location.locate(session, pairs, problems)
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
    answers, answer_problems = attributes.check_answers(
        asked, attributes.given_answers(pairs), settings.tz
    )
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
