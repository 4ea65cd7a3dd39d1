"""Read call records from CSV, JSON lines or a JSON array, numbered by line (or position)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from service.calls.records import REQUIRED

Numbered = tuple[int, dict[str, Any] | str]


class FormatError(ValueError):
    """The input as a whole is unreadable (not one bad row): nothing is loaded."""


def from_csv(lines: Iterable[str]) -> Iterator[Numbered]:
    """Rows of a CSV file with a header; the number is the line the row ends on."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FormatError("CSV header lacks the columns " + ", ".join(missing))
    reader.fieldnames = header
    for row in reader:
        if None in row:  # more cells than header columns
            yield reader.line_num, "more values than header columns"
            continue
        yield reader.line_num, {k: v for k, v in row.items() if v is not None}


def from_json_lines(lines: Iterable[str]) -> Iterator[Numbered]:
    """One JSON object per line; blank lines are skipped, a broken line is reported."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON: {exc.msg}"
            continue
        yield number, value if isinstance(value, dict) else "expected a JSON object"


def from_json_document(text: str) -> Iterator[Numbered]:
    """One JSON object, or an array of them (numbered by position, from 1)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"the body is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    items = value if isinstance(value, list) else [value]
    for number, item in enumerate(items, start=1):
        yield number, item if isinstance(item, dict) else "expected a JSON object"


def from_text(text: str, kind: str) -> Iterator[Numbered]:
    """Records from a whole body: kind is csv, ndjson or json."""
    if kind == "csv":
        return from_csv(io.StringIO(text, newline=""))
    if kind == "ndjson":
        return from_json_lines(text.splitlines())
    return from_json_document(text)
