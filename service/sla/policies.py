"""Pick the deadline policy for a ticket: the most specific matching row of the rule table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.sla.calendar import Duration

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(wd|wh|h)\s*$")
_UNITS = {"wd": "working_days", "wh": "working_hours", "h": "hours"}


class PolicyError(ValueError):
    """A policy row that cannot be used; the message says which value is wrong."""


def parse_duration(text: str) -> Duration:
    """'3wd' → 3 working days, '8wh' → 8 working hours, '2h' → 2 clock hours."""
    match = _DURATION.match(text or "")
    if not match:
        raise PolicyError(f"{text!r} is not a duration like 3wd, 8wh or 2h")
    amount, unit = float(match.group(1)), _UNITS[match.group(2)]
    if unit == "working_days" and not amount.is_integer():
        raise PolicyError(f"{text!r}: working days must be whole")
    return Duration(amount, unit)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PolicyRow:
    """The matching keys and clocks of one policy (None keys match anything)."""

    id: int
    ticket_type: str | None
    urgency: str | None
    category_prefix: str | None
    unit_class: str | None
    sign_for: str
    first_contact: str
    handling: str
    callback: str
    # The hotline office's waits (None: this row leaves them to a less specific one).
    dispatch: str | None = None
    return_review: str | None = None
    extension_review: str | None = None
    reply_review: str | None = None

    def matches(self, ticket_type: str, urgency: str, category_code: str, unit_class: str) -> bool:
        return (
            (self.ticket_type in (None, "", ticket_type))
            and (self.urgency in (None, "", urgency))
            and (self.unit_class in (None, "", unit_class))
            and (not self.category_prefix or _has_prefix(category_code, self.category_prefix))
        )

    def specificity(self) -> tuple[int, int]:
        """More keys set wins; among equals the longer category prefix wins."""
        keys = sum(bool(k) for k in (self.ticket_type, self.urgency, self.unit_class))
        prefix = len(self.category_prefix or "")
        return keys + (1 if prefix else 0), prefix


def _has_prefix(code: str, prefix: str) -> bool:
    # Codes are dotted paths: MR matches MR.FAKE.TRADEMARK but not MRX.
    return code == prefix or code.startswith(prefix + ".")


def choose(
    rows: Sequence[PolicyRow],
    *,
    ticket_type: str,
    urgency: str,
    category_code: str,
    unit_class: str,
) -> PolicyRow | None:
    """The most specific row that matches, or None when the table has no catch-all."""
    candidates = [r for r in rows if r.matches(ticket_type, urgency, category_code, unit_class)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.specificity(), -r.id))


OFFICE_CLOCKS = ("dispatch", "return_review", "extension_review", "reply_review")


def choose_office(
    rows: Sequence[PolicyRow],
    clock: str,
    *,
    ticket_type: str,
    urgency: str,
    category_code: str,
    unit_class: str,
) -> tuple[PolicyRow, str] | None:
    """The most specific matching row that sets this office clock, with its duration."""
    assert clock in OFFICE_CLOCKS, clock
    setting = [r for r in rows if getattr(r, clock)]
    row = choose(
        setting,
        ticket_type=ticket_type,
        urgency=urgency,
        category_code=category_code,
        unit_class=unit_class,
    )
    return None if row is None else (row, str(getattr(row, clock)))
