"""Masking of requesters' personal data on staff pages: surname only, phone as 138****0000."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A phone, ID-card or account number written into free text: seven digits or more, allowing the
# spaces and hyphens people type inside them (138 0000 0000, 0472-1234567), and a final X.
_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])(?:\+?[0-9][ -]?){6,}[0-9Xx]")


def mask_name(name: str) -> str:
    """Keep the surname (the first character of a Chinese name, the first word otherwise)."""
    name = name.strip()
    if not name:
        return ""
    if " " in name:
        return name.split()[0] + " *"
    return name[0] + "*" * max(1, min(len(name) - 1, 2))


def mask_phone(phone: str) -> str:
    """A mobile number keeps its first three and last four digits; short numbers their last two."""
    digits = phone.strip()
    # Numbers are stored in E.164; the mask reads like the number people dial (138****0000).
    if digits.startswith("+86"):
        digits = digits[3:]
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_email(email: str) -> str:
    """First letter of the mailbox and the domain: z***@example.com."""
    local, at, domain = email.strip().partition("@")
    if not at:
        return mask_phone(email)
    return (local[:1] + "***@" + domain) if local else "***@" + domain


def mask_text(text: str, *, names: Iterable[str] = ()) -> str:
    """Free text (a title) as staff lists may show it: every long number masked like a phone,
    and each of the given names (the requester's) reduced to its surname."""
    masked = _NUMBER_IN_TEXT.sub(lambda m: mask_phone(re.sub(r"[ -]", "", m.group())), text)
    for name in names:
        name = name.strip()
        if len(name) >= 2:
            masked = masked.replace(name, mask_name(name))
    return masked
