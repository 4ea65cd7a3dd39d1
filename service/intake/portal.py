"""The citizen portal: home, file a complaint, join an existing one, track it to the end.

Every page works without JavaScript. A form with problems comes back with a message next to
each field and everything typed kept (files must be chosen again: browsers never refill them).
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, select

from service import clock
from service.catalogue import service as catalogue
from service.catalogue.models import Tag
from service.config import Settings
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.intake import attachments as files_
from service.intake import choices, ratelimit, tracking
from service.intake import service as intake
from service.intake.forms import CappedBodyRoute, Submitted, read_submitted
from service.intake.schemas import (
    MAX_LENGTH,
    OFFERED_TYPES,
    clean_text,
    parse_complaint,
    parse_contact,
)
from service.places import service as places
from service.places.models import AreaLevel
from service.tickets.models import Channel, Ticket, TicketType
from service.web import csrf
from service.web import errors as errors_

router = APIRouter(tags=["citizen portal"], include_in_schema=False, route_class=CappedBodyRoute)
FormDep = Annotated[Submitted, Depends(read_submitted)]


class Render(Protocol):
    """Re-renders the complaint form with what was typed, plus errors or results."""

    def __call__(self, **kwargs: Any) -> Response: ...


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


def _render_form(
    request: Request,
    templates: Jinja2Templates,
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
    groups, shown, total = choices.category_groups(
        session, query=query, tag=values.get("tag", ""), keep=values.get("category", "")
    )
    context = {
        "values": values,
        "errors": errors or {},
        "labels": choices.field_labels(),
        "types": [(t, choices.type_labels()[t]) for t in OFFERED_TYPES],
        "groups": groups,
        "shown": shown,
        "total": total,
        "banner": banner,
        "similar": similar or [],
        "checked": checked,
        "files_dropped": files_dropped,
        "status_labels": tracking.STATUS_LABELS,
        "max_length": MAX_LENGTH,
        "max_mb": f"{settings.upload_max_bytes / (1024 * 1024):g}",
        "csrf_token": csrf.issue_token(request, settings.secret_key),
        "honeypot": HONEYPOT,
        **choices.area_choices(session),
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
    labels = choices.type_labels()
    handling = [(labels[t], choices.duration_text(times[t])) for t in OFFERED_TYPES if t in times]
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
    templates: Jinja2Templates,
    session: Session,
    settings: Settings,
    values: dict[str, str],
    files_dropped: bool,
) -> Render:
    def render(**kwargs: Any) -> Response:
        kwargs.setdefault("files_dropped", files_dropped)
        return _render_form(request, templates, session, settings, values=values, **kwargs)

    return render


def _check_similar(
    render: Render, session: Session, settings: Settings, values: dict[str, str]
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


def _limited(
    session: Session, settings: Settings, request: Request, phone: str, *, count: bool = True
) -> str:
    """Why this person may not send now, or "" (and the request counted, unless told not to)."""
    limits = ratelimit.submission_limits(settings, client=_client(request), phone=phone)
    now = clock.now()
    hit = ratelimit.exceeded(session, limits, secret_key=settings.secret_key, now=now)
    if hit is not None:
        return (
            _(
                "You have sent many requests from this phone number today. "
                "Please try again tomorrow or call %(hotline)s."
            )
            if hit.scope == "phone"
            else _(
                "Many requests came from your network in the last hour. "
                "Please try again later or call %(hotline)s."
            )
        ) % {"hotline": settings.hotline_number}
    if count:
        ratelimit.hit(session, limits, secret_key=settings.secret_key, now=now)
    return ""


def _count(session: Session, settings: Settings, request: Request, phone: str) -> None:
    limits = ratelimit.submission_limits(settings, client=_client(request), phone=phone)
    ratelimit.hit(session, limits, secret_key=settings.secret_key, now=clock.now())


def _join(
    request: Request,
    render: Render,
    session: Session,
    settings: Settings,
    templates: Jinja2Templates,
    values: dict[str, str],
    number: str,
) -> Response:
    errors: dict[str, str] = {}
    contact = parse_contact(values, errors, required=True)
    if errors:
        banner = _(
            "To join a report, please give your name and phone number below, "
            "so you receive the reply."
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
    render: Render,
    session: Session,
    settings: Settings,
    templates: Jinja2Templates,
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
    except files_.UploadError as rejected:
        errors["attachments"] = rejected.message
        status = rejected.status
    if errors or data is None or refs is None:
        return render(errors=errors, status_code=status)

    submission = values.get("submission_id", "")
    key = f"web:{submission}" if _SUBMISSION_ID.match(submission) else ""
    if key and (earlier := intake.find_idempotency_key(session, key)) is not None:
        return _already_sent(request, templates, session, earlier.ticket_id)
    if message := _limited(session, settings, request, data.contact.phone, count=False):
        return render(banner=message, status_code=429)
    try:
        filed = intake.file_complaint(
            session, settings, data, refs, uploads, channel=Channel.WEB, emails=templates.env
        )
        # Counted after filing, so the write window before the commit stays short.
        _count(session, settings, request, data.contact.phone)
        if key:
            intake.remember_idempotency_key(
                session,
                key,
                intake.fingerprint(data, uploads),
                filed.ticket,
                {"number": filed.ticket.number},
            )
        session.commit()
    except errors_.DATABASE_UNAVAILABLE as exc:
        # Nothing was saved: the form comes back with everything typed, to send again.
        session.rollback()
        errors_.log_unavailable(request, exc)
        response = render(banner=_(errors_.UNAVAILABLE_MESSAGE), status_code=503)
        response.headers["Retry-After"] = str(errors_.RETRY_AFTER_SECONDS)
        return response
    # Rendered straight from the POST (no redirect) so the access code is shown exactly once;
    # sending the form again finds the submission id above and never shows the code again.
    return templates.TemplateResponse(
        request,
        "public/complaint_done.html",
        {
            "filed": filed,
            "ticket": filed.ticket,
            "type_label": choices.type_labels()[filed.ticket.type],
            "category": refs.category,
            "status_label": tracking.STATUS_LABELS[filed.ticket.status],
        },
        status_code=201,
        headers=NO_STORE,
    )


def _already_sent(
    request: Request, templates: Jinja2Templates, session: Session, ticket_id: int
) -> Response:
    ticket = session.get(Ticket, ticket_id)
    return templates.TemplateResponse(
        request, "public/complaint_already_sent.html", {"ticket": ticket}, headers=NO_STORE
    )
