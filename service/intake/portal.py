"""The citizen portal: home, file a complaint, join an existing one, track it to the end.

Every page works without JavaScript. A form with problems comes back with a message next to
each field and everything typed kept (files must be chosen again: browsers never refill them).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from service import clock
from service.catalogue import service as catalogue
from service.catalogue.models import Tag
from service.config import Settings
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.i18n import localized_name
from service.intake import attachments as files_
from service.intake import ratelimit, tracking
from service.intake import service as intake
from service.intake.forms import CappedBodyRoute, Submitted, read_submitted
from service.intake.schemas import (
    MAX_LENGTH,
    OFFERED_TYPES,
    ComplaintData,
    clean_text,
    parse_complaint,
    parse_contact,
)
from service.places import service as places
from service.places.models import AreaLevel
from service.sla.policies import parse_duration
from service.tickets.models import Channel, TicketType
from service.web import csrf

router = APIRouter(tags=["citizen portal"], include_in_schema=False, route_class=CappedBodyRoute)
FormDep = Annotated[Submitted, Depends(read_submitted)]
HONEYPOT = "website"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# The seed's kinds of problems, in the order the home page lists them.
KIND_ORDER = (
    "fake_goods",
    "elderly",
    "women",
    "minors",
    "disabled",
    "consumers",
    "workers",
    "street_order",
    "window_industry",
)


def _field_labels() -> dict[str, str]:
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


def _area_choices(session: Session) -> dict[str, Any]:
    districts = [a for a, _parent in places.list_areas(session, level=AreaLevel.DISTRICT)]
    streets: dict[str, list[Any]] = {}
    for street, parent_code in places.list_areas(session, level=AreaLevel.STREET):
        streets.setdefault(parent_code or "", []).append(street)
    return {"districts": districts, "streets_by_district": streets}


def _render_form(
    request: Request,
    templates: Any,
    session: Session,
    settings: Settings,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    banner: str = "",
    similar: list[intake.SimilarTicket] | None = None,
    checked: bool = False,
    files_dropped: bool = False,
) -> Response:
    query = values.get("q", "")
    groups, shown, total = category_groups(
        session, query=query, tag=values.get("tag", ""), keep=values.get("category", "")
    )
    context = {
        "values": values,
        "errors": errors or {},
        "labels": _field_labels(),
        "types": [(t, type_labels()[t]) for t in OFFERED_TYPES],
        "groups": groups,
        "shown": shown,
        "total": total,
        "banner": banner,
        "similar": similar or [],
        "checked": checked,
        "files_dropped": files_dropped,
        "status_labels": tracking.STATUS_LABELS,
        "max_length": MAX_LENGTH,
        "csrf_token": csrf.issue_token(request, settings.secret_key),
        "honeypot": HONEYPOT,
        **_area_choices(session),
    }
    return templates.TemplateResponse(
        request, "public/complaint_form.html", context, status_code=status_code, headers=NO_STORE
    )


@router.get("/", name="home")
def home(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """What can be reported, how it works and how long it takes, tracking, the hotline."""
    tags = {t.code: t for t in session.exec(select(Tag))}
    kinds = [tags[c] for c in KIND_ORDER if c in tags]
    times = intake.typical_handling_times(session)
    labels = type_labels()
    handling = [(labels[t], duration_text(times[t])) for t in OFFERED_TYPES if t in times]
    return templates.TemplateResponse(
        request, "public/home.html", {"kinds": kinds, "handling": handling}
    )


@router.get("/complaints/new", name="complaint_new")
def complaint_new(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    q: Annotated[str, Query(max_length=60)] = "",
    tag: Annotated[str, Query(max_length=40)] = "",
    type: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The empty form; ?q= or ?tag= narrows the category list (the home page links use tag)."""
    values = {
        "q": q,
        "tag": tag,
        "type": type if type in {t.value for t in OFFERED_TYPES} else TicketType.COMPLAINT.value,
        "submission_id": secrets.token_urlsafe(18),
    }
    return _render_form(request, templates, session, settings, values=values)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post("/complaints/new", name="complaint_submit", dependencies=[CsrfDep])
def complaint_submit(
    request: Request,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """Search categories, check for similar reports, join one, or file: one form, four buttons."""
    values = {k: v for k, v in form.fields.items() if k != "csrf_token"}
    step = values.get("step", "")
    dropped = bool(form.uploads)
    render = _renderer(request, templates, session, settings, values, dropped)
    if step == "search":
        return render()
    if step == "check":
        return _check_similar(render, session, settings, values)
    if step.startswith("join:"):
        return _join(request, render, session, settings, templates, values, step[5:])
    return _file(request, render, session, settings, templates, values, form)


def _renderer(
    request: Request,
    templates: Any,
    session: Session,
    settings: Settings,
    values: dict[str, str],
    files_dropped: bool,
) -> Any:
    def render(**kwargs: Any) -> Response:
        kwargs.setdefault("files_dropped", files_dropped)
        return _render_form(request, templates, session, settings, values=values, **kwargs)

    return render


def _check_similar(
    render: Any, session: Session, settings: Settings, values: dict[str, str]
) -> Response:
    errors: dict[str, str] = {}
    category = catalogue.category_by_code(session, values.get("category", ""))
    street = places.area_by_code(session, values.get("street", ""))
    if category is None:
        errors["category"] = _("Please choose a category first.")
    if street is None or street.level is not AreaLevel.STREET:
        errors["street"] = _("Please choose a street or township first.")
    if errors or category is None or street is None:
        return render(errors=errors, status_code=422)
    similar = intake.similar_open_tickets(
        session, category, street, now=clock.now(), days=settings.similar_report_days
    )
    return render(similar=similar, checked=True)


def _limited(session: Session, settings: Settings, request: Request, phone: str) -> str:
    limits = ratelimit.submission_limits(settings, client=_client(request), phone=phone)
    now = clock.now()
    hit = ratelimit.exceeded(session, limits, secret_key=settings.secret_key, now=now)
    if hit is not None:
        return (
            _(
                "You have sent many requests from this phone number today. Please try again tomorrow or call %(hotline)s."
            )
            if hit.scope == "phone"
            else _(
                "Many requests came from your network in the last hour. Please try again later or call %(hotline)s."
            )
        ) % {"hotline": settings.hotline_number}
    ratelimit.hit(session, limits, secret_key=settings.secret_key, now=now)
    return ""


def _join(
    request: Request,
    render: Any,
    session: Session,
    settings: Settings,
    templates: Any,
    values: dict[str, str],
    number: str,
) -> Response:
    errors: dict[str, str] = {}
    contact = parse_contact(values, errors, required=True)
    if errors:
        banner = _(
            "To join a report, please give your name and phone number below, so you receive the reply."
        )
        return render(errors=errors, banner=banner, status_code=422)
    if values.get(HONEYPOT):
        return render(banner=_("The form could not be sent. Please try again."), status_code=400)
    if message := _limited(session, settings, request, contact.phone):
        return render(banner=message, status_code=429)
    ticket, problem = intake.join(
        session, settings, number, contact, channel=Channel.WEB, emails=templates.env
    )
    if ticket is None:
        return render(banner=problem, status_code=409)
    count = intake.me_too_count(session, ticket.id or 0)
    session.commit()
    return templates.TemplateResponse(
        request,
        "public/complaint_joined.html",
        {"ticket": ticket, "me_too": count, "status_label": tracking.STATUS_LABELS[ticket.status]},
        headers=NO_STORE,
    )


def _file(
    request: Request,
    render: Any,
    session: Session,
    settings: Settings,
    templates: Any,
    values: dict[str, str],
    form: Submitted,
) -> Response:
    if values.get(HONEYPOT):
        return render(banner=_("The form could not be sent. Please try again."), status_code=400)
    data, errors = parse_complaint(values, tz=settings.tz, now=clock.now(), require_consent=True)
    refs, ref_errors = intake.resolve(
        session,
        category=clean_text(values.get("category")),
        district=clean_text(values.get("district")),
        street=clean_text(values.get("street")),
    )
    errors = {**ref_errors, **errors}
    uploads: list[files_.CleanFile] = []
    status = 422
    try:
        uploads = files_.read_uploads(
            form.uploads, max_files=settings.upload_max_files, max_bytes=settings.upload_max_bytes
        )
    except files_.UploadRejected as rejected:
        errors["attachments"] = rejected.message
        status = rejected.status
    if errors or data is None or refs is None:
        return render(errors=errors, status_code=status)

    submission = values.get("submission_id", "")
    key = f"web:{submission}" if _SUBMISSION_ID.match(submission) else ""
    if key and (earlier := intake.find_idempotency_key(session, key)) is not None:
        return _already_sent(request, templates, session, earlier.ticket_id)
    if message := _limited(session, settings, request, data.contact.phone):
        return render(banner=message, status_code=429)
    filed = intake.file_complaint(
        session, settings, data, refs, uploads, channel=Channel.WEB, emails=templates.env
    )
    if key:
        intake.remember_idempotency_key(
            session,
            key,
            intake.fingerprint(data, uploads),
            filed.ticket,
            {"number": filed.ticket.number},
        )
    session.commit()
    # Rendered straight from the POST (no redirect) so the access code is shown exactly once;
    # sending the form again finds the submission id above and never shows the code again.
    return templates.TemplateResponse(
        request,
        "public/complaint_done.html",
        {
            "filed": filed,
            "ticket": filed.ticket,
            "type_label": type_labels()[filed.ticket.type],
            "category": refs.category,
            "status_label": tracking.STATUS_LABELS[filed.ticket.status],
        },
        status_code=201,
        headers=NO_STORE,
    )


def _already_sent(request: Request, templates: Any, session: Session, ticket_id: int) -> Response:
    from service.tickets.models import Ticket

    ticket = session.get(Ticket, ticket_id)
    return templates.TemplateResponse(
        request, "public/complaint_already_sent.html", {"ticket": ticket}, headers=NO_STORE
    )


__all__ = ["ComplaintData", "col", "router"]
