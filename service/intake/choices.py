"""What the portal's pickers and labels offer: field names, request types, categories, areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from service.catalogue import service as catalogue
from service.i18n import gettext as _
from service.i18n import localized_name
from service.places import service as places
from service.places.models import AreaLevel
from service.sla.policies import parse_duration
from service.tickets.models import TicketType


def field_labels() -> dict[str, str]:
    """Field names as error summaries and labels show them, in the page's language."""
    return {
        "type": _("Kind of request"),
        "category": _("Category"),
        "title": _("Title"),
        "description": _("What happened"),
        "request": _("What you ask for"),
        "occurred_at": _("When it happened"),
        "district": _("District"),
        "street": _("Street or township"),
        "address": _("Address"),
        "lat": _("Latitude"),
        "long": _("Longitude"),
        "attachments": _("Photos and documents"),
        "name": _("Your name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "consent": _("Privacy notice"),
        "information": _("More information"),
        "reason": _("Why it needs handling again"),
        "number": _("Tracking number"),
        "code": _("Access code"),
        "form": _("Form"),
    }


def type_labels() -> dict[TicketType, str]:
    return {
        TicketType.COMPLAINT: _("Complaint"),
        TicketType.REPORT: _("Report (tip-off)"),
        TicketType.HELP: _("Request for help"),
        TicketType.SUGGESTION: _("Suggestion"),
        TicketType.CONSULTATION: _("Question"),
        TicketType.PRAISE: _("Praise"),
        TicketType.OTHER: _("Other"),
    }


def duration_text(text: str) -> str:
    """ "15wd" as "15 working days" in the page's language."""
    duration = parse_duration(text)
    amount = f"{duration.amount:g}"
    return {
        "working_days": _("%(n)s working days"),
        "working_hours": _("%(n)s working hours"),
        "hours": _("%(n)s hours"),
    }[duration.unit] % {"n": amount}


@dataclass(frozen=True)
class CategoryOption:
    code: str
    label: str
    search: str


@dataclass(frozen=True)
class CategoryGroup:
    label: str
    options: tuple[CategoryOption, ...]


def category_groups(
    session: Session, *, query: str = "", tag: str = "", keep: str = ""
) -> tuple[list[CategoryGroup], int, int]:
    """Top-level categories as groups of their descendants, filtered by keyword or tag.

    A match on a top-level name keeps its whole group; the chosen category always stays.
    Returns (groups, matching options, all options).
    """
    views = catalogue.list_categories(session)
    by_code = {v.code: v for v in views}
    matches: set[str] | None = None
    if query.strip():
        matches = {v.code for v in catalogue.search(views, query)}
    if tag:
        tagged = {v.code for v in views if tag in v.tags}
        matches = tagged if matches is None else matches & tagged

    def path(code: str) -> list[str]:
        chain = []
        current = by_code.get(code)
        while current is not None:
            chain.append(current.code)
            current = by_code.get(current.parent_code or "")
        return list(reversed(chain))

    groups: dict[str, list[CategoryOption]] = {}
    total = shown = 0
    for view in views:
        chain = path(view.code)
        root = chain[0]
        has_children = any(v.parent_code == view.code for v in views)
        if view.depth == 1 and has_children:
            continue
        total += 1
        if matches is not None and not (set(chain) & matches) and view.code != keep:
            continue
        shown += 1
        names = [localized_name(by_code[c].name_zh, by_code[c].name_en) for c in chain[1:]]
        words = " ".join(
            [view.code, view.name_zh, view.name_en, *view.synonyms]
            + [by_code[c].name_zh for c in chain[:-1]]
        )
        option = CategoryOption(
            code=view.code,
            label=" › ".join(names) or localized_name(view.name_zh, view.name_en),
            search=words.lower(),
        )
        groups.setdefault(root, []).append(option)
    result = [
        CategoryGroup(localized_name(by_code[root].name_zh, by_code[root].name_en), tuple(options))
        for root, options in groups.items()
    ]
    return result, shown, total


def area_choices(session: Session) -> dict[str, Any]:
    districts = [a for a, _parent in places.list_areas(session, level=AreaLevel.DISTRICT)]
    streets: dict[str, list[Any]] = {}
    for street, parent_code in places.list_areas(session, level=AreaLevel.STREET):
        streets.setdefault(parent_code or "", []).append(street)
    return {"districts": districts, "streets_by_district": streets}
