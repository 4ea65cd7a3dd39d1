"""What the public may read of a request through Open311 (anyone may call GET requests).

Never: the requester's name, phone or e-mail, nor the account or device a client sent.
Only for a disclosed request — public disclosure allowed, not confidential, and not a complaint
about a person's own rights (the elderly, women, minors, the disabled) — the description, the
unit's public reply, the exact address and coordinates, public answers and the photo. Others
show their category, status, dates, unit and district/street only. Disclosed free text still
passes through `redact`, which removes phone numbers, e-mail addresses, ID card numbers and
the requester's own name where the citizen typed them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from service.intake.service import PERSONAL_TAGS

__all__ = ["PERSONAL_TAGS", "disclosed", "redact"]

HIDDEN = "***"
_PATTERNS = (
    # E-mail addresses.
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # Resident ID card numbers (18 characters, the last may be X).
    re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"),
    # Mainland mobile numbers, with or without +86 and separators.
    re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"),
    # Landlines with an area code, e.g. 0472-5123456.
    re.compile(r"(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"),
    # A local number without its area code, and any other long run of digits.
    re.compile(r"(?<!\d)\d{7,}(?!\d)"),
)


def disclosed(*, disclosure_allowed: bool, confidential: bool, personal: bool) -> bool:
    """Whether the request's free text and exact place may be published."""
    return disclosure_allowed and not confidential and not personal


def redact(text: str, names: Iterable[str] = ()) -> str:
    """The text without contact details, ID numbers, or any of these names (two or more chars)."""
    for pattern in _PATTERNS:
        text = pattern.sub(HIDDEN, text)
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            text = text.replace(name, HIDDEN)
    return text
