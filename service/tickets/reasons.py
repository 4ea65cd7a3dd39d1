"""Reasons the system writes on events: kept as an English message id with its arguments and
shown in the reader's language; reasons people type are shown as typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from service.i18n import gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Marks a message for translation where it is written; it is translated where shown."""
    return message


class _Event(Protocol):
    reason: str
    data: dict[str, Any]


def system_reason(message: str, **args: object) -> dict[str, Any]:
    """Event data for a system reason; `message` is an N_()-marked English message id."""
    return {"reason_msg": message, "reason_args": args}


def render(data: Mapping[str, Any] | None) -> str | None:
    """The system reason in the current language, or None when the event carries none."""
    message = (data or {}).get("reason_msg")
    if not isinstance(message, str) or not message:
        return None
    args = (data or {}).get("reason_args") or {}
    try:
        return gettext(message) % args if args else gettext(message)
    except (KeyError, TypeError, ValueError):
        # Stored data outlives code: arguments that no longer fit show the message as stored.
        return message


def shown(event: _Event) -> str:
    """What a page shows as an event's reason: a system reason translated, else the text."""
    rendered = render(event.data)
    return rendered if rendered is not None else str(event.reason or "")
