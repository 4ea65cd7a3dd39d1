"""What a complaint must look like; one validator serves the portal form and the JSON API.

Every problem is reported per field in the visitor's language, so a page can show it next to
the field and the API can return one entry per field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.i18n import gettext as _
from service.intake.phones import contact_number
from service.tickets.models import TicketType

# The types a citizen can choose, in the order the form offers them.
OFFERED_TYPES: tuple[TicketType, ...] = (
    TicketType.COMPLAINT,
    TicketType.REPORT,
    TicketType.HELP,
    TicketType.SUGGESTION,
    TicketType.CONSULTATION,
    TicketType.PRAISE,
)
MAX_LENGTH = {
    "title": 120,
    "description": 4000,
    "request": 1000,
    "address": 200,
    "name": 60,
    "email": 120,
    "phone": 30,
    "information": 2000,
    "reason": 1000,
}
MIN_LENGTH = {"title": 4, "description": 10}
TEXT_FIELDS = (
    "type",
    "category",
    "title",
    "description",
    "request",
    "district",
    "street",
    "address",
    "lat",
    "long",
    "occurred_at",
    "name",
    "phone",
    "email",
)
BOOL_FIELDS = ("anonymous", "confidential", "consent")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
# Control characters other than tab and newline never belong in what a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"1", "true", "on", "yes"}
# Clocks on phones drift; an incident a few minutes "in the future" is still plausible.
_FUTURE_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class Contact:
    """A person's contact details, already checked; the phone in its stored form (phones.py)."""

    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class ComplaintData:
    """A checked complaint; reference codes are resolved against the database afterwards."""

    type: TicketType
    category_code: str
    title: str
    description: str
    request_text: str
    district_code: str
    street_code: str
    address: str
    lat: float | None
    long: float | None
    occurred_at: datetime | None
    contact: Contact
    anonymous: bool
    confidential: bool

    def fingerprint_fields(self) -> dict[str, Any]:
        """The content that identifies a request, for idempotency fingerprints."""
        return {
            "type": self.type.value,
            "category": self.category_code,
            "title": self.title,
            "description": self.description,
            "request": self.request_text,
            "district": self.district_code,
            "street": self.street_code,
            "address": self.address,
            "lat": self.lat,
            "long": self.long,
            "occurred_at": self.occurred_at.isoformat() if self.occurred_at else None,
            "name": self.contact.name,
            "phone": self.contact.phone,
            "email": self.contact.email,
            "anonymous": self.anonymous,
            "confidential": self.confidential,
        }


Errors = dict[str, str]


def clean_text(value: Any) -> str:
    """Trimmed text with unified line breaks and no control characters."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def as_bool(value: Any) -> bool:
    """Checkbox values ("on") and JSON booleans alike."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def check_length(errors: Errors, field: str, value: str, *, required: bool = False) -> None:
    """Adds a message when a text is missing, too short or too long."""
    if not value:
        if required:
            errors[field] = _("This field is required.")
        return
    if len(value) > MAX_LENGTH[field]:
        errors[field] = _("Please keep this under %(n)s characters (now %(m)s).") % {
            "n": MAX_LENGTH[field],
            "m": len(value),
        }
    elif len(value) < MIN_LENGTH.get(field, 0):
        errors[field] = _("Please write at least %(n)s characters.") % {"n": MIN_LENGTH[field]}


def parse_contact(raw: Mapping[str, Any], errors: Errors, *, required: bool) -> Contact:
    """Name and phone are needed to reach someone; e-mail is optional."""
    name = clean_text(raw.get("name"))
    phone_raw = clean_text(raw.get("phone"))
    email = clean_text(raw.get("email"))
    check_length(errors, "name", name, required=required)
    phone = ""
    if not phone_raw:
        if required:
            errors["phone"] = _("Please give a phone number so the handling unit can reach you.")
    elif len(phone_raw) > MAX_LENGTH["phone"] or (normalised := contact_number(phone_raw)) is None:
        errors["phone"] = _(
            "Please enter a mainland China mobile or landline number, "
            "for example 13812345678 or 0472-1234567."
        )
    else:
        phone = normalised
    if email and (len(email) > MAX_LENGTH["email"] or not _EMAIL.match(email)):
        errors["email"] = _("Please enter an e-mail address like name@example.com.")
    return Contact(name=name, phone=phone, email=email.lower())


def parse_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    """An ISO date-time; one without an offset is local time (what a datetime-local field sends)."""
    text = clean_text(value)
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def _parse_coordinate(errors: Errors, field: str, value: Any, limit: float) -> float | None:
    text = clean_text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        errors[field] = _("Please enter a number such as 40.6574.")
        return None
    if not -limit <= number <= limit:
        errors[field] = _("Please enter a number between -%(n)s and %(n)s.") % {"n": int(limit)}
        return None
    return number


def parse_complaint(
    raw: Mapping[str, Any], *, tz: ZoneInfo, now: datetime, require_consent: bool
) -> tuple[ComplaintData | None, Errors]:
    """Check every field and return the complaint, or the problems keyed by field name."""
    errors: Errors = {}
    for field in TEXT_FIELDS:
        value = raw.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[field] = _("Please enter text here.")
    if errors:
        return None, errors

    type_text = clean_text(raw.get("type"))
    ticket_type = next((t for t in OFFERED_TYPES if t.value == type_text), None)
    if ticket_type is None:
        errors["type"] = _("Please choose what kind of request this is.")
    category = clean_text(raw.get("category"))
    if not category:
        errors["category"] = _("Please choose a category.")
    title = clean_text(raw.get("title"))
    check_length(errors, "title", title, required=True)
    description = clean_text(raw.get("description"))
    check_length(errors, "description", description, required=True)
    request_text = clean_text(raw.get("request"))
    check_length(errors, "request", request_text)
    district = clean_text(raw.get("district"))
    if not district:
        errors["district"] = _("Please choose a district.")
    street = clean_text(raw.get("street"))
    if not street:
        errors["street"] = _("Please choose a street or township.")
    address = clean_text(raw.get("address"))
    check_length(errors, "address", address)

    lat = _parse_coordinate(errors, "lat", raw.get("lat"), 90)
    long = _parse_coordinate(errors, "long", raw.get("long"), 180)
    if (lat is None) != (long is None) and "lat" not in errors and "long" not in errors:
        errors["lat" if lat is None else "long"] = _(
            "Please give both latitude and longitude, or neither."
        )

    occurred_at = None
    try:
        occurred_at = parse_datetime(raw.get("occurred_at"), tz)
    except ValueError:
        errors["occurred_at"] = _("Please enter a date and time such as 2026-11-28 14:30.")
    if occurred_at is not None and occurred_at > now + _FUTURE_SLACK:
        errors["occurred_at"] = _("This time is in the future.")

    anonymous = as_bool(raw.get("anonymous"))
    contact = parse_contact(raw, errors, required=not anonymous)
    if anonymous:
        # An anonymous complaint keeps no contact details at all.
        contact = Contact(name="", phone="", email="")
        for field in ("name", "phone", "email"):
            errors.pop(field, None)
    if require_consent and not as_bool(raw.get("consent")):
        errors["consent"] = _("Please agree to the privacy notice so we can handle your request.")
    if errors or ticket_type is None:
        return None, errors
    return (
        ComplaintData(
            type=ticket_type,
            category_code=category,
            title=title,
            description=description,
            request_text=request_text,
            district_code=district,
            street_code=street,
            address=address,
            lat=lat,
            long=long,
            occurred_at=occurred_at,
            contact=contact,
            anonymous=anonymous,
            # Confidentiality protects an identity; an anonymous request has none to protect.
            confidential=as_bool(raw.get("confidential")) and not anonymous,
        ),
        errors,
    )
