"""E-mail attachments named by reference in an outbox row's payload and made at delivery, so
a row stays small; each kind of reference has one maker, listed here."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from service.config import Settings


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # maintype/subtype
    body: bytes


Maker = Callable[[Session, dict[str, Any], Settings], Attachment]
# kind -> "module:function"; imported at delivery, so the outbox does not depend on the
# domains that attach things (a published report's PDF is rendered from its snapshot).
MAKERS: dict[str, str] = {
    "report_pdf": "service.supervision.delivery:report_pdf",
}


class AttachmentError(RuntimeError):
    """A referenced attachment cannot be made now; the message waits and is retried."""


def refs_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    refs = payload.get("attachments") or []
    return [r for r in refs if isinstance(r, dict)]


def make(session: Session, ref: dict[str, Any], settings: Settings) -> Attachment:
    """The attachment a reference names; AttachmentError when its kind or source is missing."""
    target = MAKERS.get(str(ref.get("kind")))
    if target is None:
        raise AttachmentError(f"unknown attachment kind {ref.get('kind')!r}")
    module, _, name = target.partition(":")
    maker: Maker = getattr(importlib.import_module(module), name)
    try:
        return maker(session, ref, settings)
    except (LookupError, RuntimeError, OSError) as exc:
        raise AttachmentError(f"{ref.get('filename', ref.get('kind'))}: {exc}") from exc
