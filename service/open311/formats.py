"""One body, two formats: JSON, or XML with the element names GeoReport v2 clients parse.

A body is plain data (dicts, lists, strings, numbers, booleans, None). In XML a list is an
element holding one child per item, named by ITEM_NAMES (`<services><service>`), None is an
empty element, booleans are `true`/`false`, and there are no namespaces or attributes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - we only write XML, never parse it
from zoneinfo import ZoneInfo

from fastapi.responses import Response

FORMATS = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
# The element name of one item, by the name of the list that holds it.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}
# Characters XML 1.0 cannot carry at all, even escaped; free text loses them on the way out.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Problem:
    """One entry of an Open311 error array."""

    code: int
    description: str


def stamp(value: datetime | None, tz: ZoneInfo) -> str | None:
    """An aware time as RFC 3339 in local time with its offset (2026-11-29T10:00:00+08:00)."""
    if value is None:
        return None
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def format_of(path: str) -> str:
    """The format a path asks for by its suffix; JSON when it names none we serve."""
    return "xml" if path.lower().endswith(".xml") else "json"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, str(key), item)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        child = ITEM_NAMES.get(name, "item")
        for item in value:
            _append(element, child, item)
    else:
        element.text = _text(value)


def to_xml(body: Any, root: str) -> bytes:
    """The body under one root element, with an XML declaration, as UTF-8 bytes."""
    element = ET.Element(root)
    _fill(element, root, body)
    text = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def to_json(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def respond(body: Any, fmt: str, *, root: str, status: int = 200) -> Response:
    """The body in the asked format; `root` names the XML document element."""
    content = to_xml(body, root) if fmt == "xml" else to_json(body)
    return Response(content, status_code=status, media_type=FORMATS[fmt])


def errors(problems: Sequence[Problem], fmt: str, status: int) -> Response:
    """An error array, one entry per problem: [{code, description}] / <errors><error>."""
    body = [{"code": p.code, "description": p.description} for p in problems]
    response = respond(body, fmt, root="errors", status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


# GeoReport v2 clients know 400, 403 and 404; these are what other statuses mean to them.
_AS_OPEN311 = {401: 403, 422: 400}


def error_status(status: int) -> int:
    """The status an Open311 client expects for one of ours (a failed check is 400, no key 403)."""
    return _AS_OPEN311.get(status, status)
