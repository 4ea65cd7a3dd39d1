"""The one stored form of a phone number, for every channel: E.164 when valid, else digits.

The portal, the hotline console, the call-log feed and every look-up pass numbers through
`normalise`, so a caller who filed online is recognised when they phone in. Numbers the
phone-number library cannot read as real numbers (short codes such as 12345, numbers typed
without an area code) keep their digits, so a call record is never rejected for its number.
"""

from __future__ import annotations

import phonenumbers

REGION = "CN"
# What a person may give as their own contact number: a line that can be called back.
_CONTACT_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def _parse(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise(raw: str) -> str:
    """E.164 (+8613812345678) for a valid number, else its digits without a +86/0086 prefix.

    Normalising a stored number again changes nothing, so stored forms can be compared.
    """
    text = raw.strip()
    # Stripping punctuation or a prefix can make a valid number out of what was typed
    # (e.g. "0086 138..."); repeat until the form is stable. Each step only shortens it.
    while True:
        number = _parse(text)
        if number is not None:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        shorter = _digits(text)
        if shorter == text:
            return text
        text = shorter


def _digits(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    # A short code dialled with the country prefix is still the short code.
    if text.startswith("+86"):
        return digits[2:]
    if digits.startswith("0086"):
        return digits[4:]
    # Another country's number keeps its +, so it is never read as a mainland one later.
    return "+" + digits if text.startswith("+") and digits else digits


def contact_number(raw: str) -> str | None:
    """A mainland China mobile or landline number in its stored form, or None when it is not one.

    Citizens giving their own number must give one a unit can call back; the stored form is
    the same `normalise` gives, so look-ups across channels match.
    """
    number = _parse(raw.strip())
    if number is None or phonenumbers.region_code_for_number(number) != REGION:
        return None
    if phonenumbers.number_type(number) not in _CONTACT_TYPES:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
