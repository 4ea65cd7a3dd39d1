"""JSON API for citizen apps: file a complaint (JSON, or multipart with files) and follow it.

Idempotency: a POST with an `Idempotency-Key` header that was seen before, with the same body,
answers 200 with the first ticket instead of filing a second one. The access code is not in
that answer: it exists only as a hash, and keeping a readable copy (even encrypted) for
replays would defeat that. The replay says so in `access_code_note`; a client that lost the
first answer must have the citizen call the hotline. The same key with another body is a 422.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError

from service import clock
from service.deps import SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.intake import attachments as files_
from service.intake import ratelimit, tracking
from service.intake import service as intake
from service.intake.forms import CappedBodyRoute, read_submitted
from service.intake.schemas import BOOL_FIELDS, TEXT_FIELDS, parse_complaint
from service.places.models import Unit
from service.tickets.models import Channel, Ticket
from service.web.errors import error_response

router = APIRouter(prefix="/api/v1", tags=["complaints"], route_class=CappedBodyRoute)
ACCEPTED_FIELDS = frozenset(TEXT_FIELDS) | frozenset(BOOL_FIELDS) - {"consent"}
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
NOT_FOUND = "No complaint matches this number and access code."
CODE_NOTE = (
    "The access code is returned only in the first response to this Idempotency-Key; "
    "it is stored only as a hash and cannot be shown again."
)


@dataclass
class ApiBody:
    """The request's fields (from JSON or multipart) and its files, or what was wrong with it."""

    fields: dict[str, Any] = field(default_factory=dict)
    uploads: list[tuple[str, BinaryIO]] = field(default_factory=list)
    problem: str = ""
    status: int = 0


async def api_body(request: Request) -> AsyncIterator[ApiBody]:
    """Accept application/json or multipart/form-data (files in any file part)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            payload = json.loads(await request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            yield ApiBody(problem="The body is not valid JSON.", status=400)
            return
        if not isinstance(payload, dict):
            yield ApiBody(problem="The body must be a JSON object.", status=422)
            return
        yield ApiBody(fields=payload)
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        submitted = await read_submitted(request)
        try:
            yield ApiBody(fields=dict(submitted.fields), uploads=submitted.uploads)
        finally:
            # Spooled upload files are closed once the response is done with them.
            await (await request.form()).close()
    else:
        yield ApiBody(problem="Send application/json or multipart/form-data.", status=415)


def _unit(unit: Unit | None) -> dict[str, str] | None:
    if unit is None:
        return None
    return {"code": unit.code, "name_zh": unit.name_zh, "name_en": unit.name_en}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _due(ticket: Ticket) -> dict[str, str | None]:
    return {
        "sign_for": _iso(ticket.sign_for_due),
        "contact": _iso(ticket.contact_due),
        "handling": _iso(ticket.handling_due),
    }


def _problems(errors: dict[str, str]) -> list[dict[str, Any]]:
    return [{"field": name, "message": message} for name, message in errors.items()]


@router.post("/complaints", status_code=201, response_model=None)
def create_complaint(
    request: Request,
    body: Annotated[ApiBody, Depends(api_body)],
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """File a complaint: 201 with number, access code (shown once), status, lead unit, due times."""
    if body.problem:
        return error_response(request, body.status, body.problem)
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        return error_response(
            request,
            400,
            "Idempotency-Key must be 1-200 printable ASCII characters.",
            [{"field": "Idempotency-Key", "message": "1-200 printable ASCII characters"}],
        )
    unknown = {k: _("Unknown field.") for k in body.fields if k not in ACCEPTED_FIELDS}
    data, errors = parse_complaint(
        body.fields, tz=settings.tz, now=clock.now(), require_consent=False
    )
    refs, ref_errors = intake.resolve(
        session,
        category=str(body.fields.get("category") or "").strip(),
        district=str(body.fields.get("district") or "").strip(),
        street=str(body.fields.get("street") or "").strip(),
    )
    errors = {**unknown, **ref_errors, **errors}
    try:
        uploads = files_.read_uploads(
            body.uploads, max_files=settings.upload_max_files, max_bytes=settings.upload_max_bytes
        )
    except files_.UploadError as rejected:
        problems = [{"field": "files", "message": rejected.message}, *_problems(errors)]
        return error_response(request, rejected.status, rejected.message, problems)
    if errors or data is None or refs is None:
        return error_response(request, 422, _("Please check what you entered"), _problems(errors))

    key = f"api:{idempotency_key}" if idempotency_key else ""
    digest = intake.fingerprint(data, uploads)
    if key and (earlier := intake.find_idempotency_key(session, key)) is not None:
        return _replay(request, earlier.fingerprint, digest, earlier.response)

    limits = ratelimit.submission_limits(
        settings, client=request.client.host if request.client else "", phone=data.contact.phone
    )
    now = clock.now()
    if (
        hit := ratelimit.exceeded(session, limits, secret_key=settings.secret_key, now=now)
    ) is not None:
        response = error_response(
            request,
            429,
            "Too many complaints from this "
            + ("phone number" if hit.scope == "phone" else "address")
            + "; try again later.",
        )
        response.headers["Retry-After"] = str(int(hit.window.total_seconds()))
        return response
    filed = intake.file_complaint(
        session, settings, data, refs, uploads, channel=Channel.API, emails=templates.env
    )
    # Counted after filing: every write here happens in the short window before the commit.
    ratelimit.hit(session, limits, secret_key=settings.secret_key, now=now)
    ticket = filed.ticket
    answer: dict[str, Any] = {
        "number": ticket.number,
        "access_code": filed.access_code,
        "status": ticket.status.value,
        "lead_unit": _unit(filed.lead_unit),
        "due": _due(ticket),
        "created_at": _iso(ticket.created_at),
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in filed.attachments
        ],
    }
    if key:
        intake.remember_idempotency_key(session, key, digest, ticket, answer)
    try:
        session.commit()
    except IntegrityError:
        # The same key was committed by a concurrent retry a moment ago: answer with that one.
        session.rollback()
        earlier = intake.find_idempotency_key(session, key) if key else None
        if earlier is None:
            raise
        return _replay(request, earlier.fingerprint, digest, earlier.response)
    location = str(request.url_for("api_get_complaint", number=ticket.number))
    return JSONResponse(answer, status_code=201, headers={"Location": location})


def _replay(request: Request, stored: str, digest: str, response: dict[str, Any]) -> Response:
    if stored != digest:
        return error_response(
            request,
            422,
            "This Idempotency-Key was already used with a different request.",
            [{"field": "Idempotency-Key", "message": "already used with a different request"}],
        )
    body = {**response, "access_code": None, "access_code_note": CODE_NOTE}
    return JSONResponse(body, status_code=200, headers={"Idempotent-Replayed": "true"})


def _found(
    request: Request, session: SessionDep, settings: SettingsDep, number: str, code: str | None
) -> Ticket | Response:
    client = request.client.host if request.client else ""
    limits = ratelimit.lookup_limits(settings, client=client)
    now = clock.now()
    if ratelimit.exceeded(session, limits, secret_key=settings.secret_key, now=now):
        return error_response(request, 429, "Too many failed look-ups; try again in an hour.")
    ticket = tracking.find(session, number, code or "", secret_key=settings.secret_key)
    if ticket is None:
        ratelimit.hit(session, limits, secret_key=settings.secret_key, now=now)
        session.commit()
        return error_response(request, 404, NOT_FOUND)
    return ticket


@router.get("/complaints/{number}", name="api_get_complaint")
def get_complaint(
    request: Request,
    number: str,
    session: SessionDep,
    settings: SettingsDep,
    x_access_code: Annotated[str | None, Header()] = None,
) -> Response:
    """The track page as JSON; a wrong or missing code is the same 404 as an unknown number."""
    found = _found(request, session, settings, number, x_access_code)
    if isinstance(found, Response):
        return found
    view = tracking.public_view(session, settings, found)
    ticket = view.ticket
    files_url = "api_get_complaint_attachment"
    return JSONResponse(
        {
            "number": ticket.number,
            "type": ticket.type.value,
            "status": ticket.status.value,
            "status_label": _(view.status_label),
            "title": ticket.title,
            "description": ticket.description,
            "request": ticket.request_text,
            "category": (
                {
                    "code": view.category.code,
                    "name_zh": view.category.name_zh,
                    "name_en": view.category.name_en,
                }
                if view.category
                else None
            ),
            "district": view.district.code if view.district else None,
            "street": view.street.code if view.street else None,
            "address": ticket.address,
            "lead_unit": _unit(view.lead_unit),
            "created_at": _iso(ticket.created_at),
            "due": _due(ticket),
            "replied_at": _iso(ticket.replied_at) if view.reply else None,
            "public_reply": view.reply or None,
            "closed_at": _iso(ticket.closed_at),
            "me_too": view.me_too,
            "timeline": [
                {
                    "at": _iso(entry.at),
                    "label": _(entry.label),
                    "text": entry.text or None,
                    "by_citizen": entry.by_citizen,
                    "attachments": [a.id for a in entry.attachments],
                }
                for entry in view.timeline
            ],
            "attachments": [
                {
                    "id": a.id,
                    "filename": a.filename,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": str(
                        request.url_for(files_url, number=ticket.number, attachment_id=a.id)
                    ),
                }
                for a in view.attachments
            ],
            "can_add_information": view.can_add_information,
            "can_confirm": view.can_confirm,
            "can_reopen": view.can_reopen,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/complaints/{number}/attachments/{attachment_id}", name="api_get_complaint_attachment")
def get_complaint_attachment(
    request: Request,
    number: str,
    attachment_id: int,
    session: SessionDep,
    settings: SettingsDep,
    x_access_code: Annotated[str | None, Header()] = None,
) -> Response:
    """A file of the ticket, as a download, to the holder of the access code."""
    found = _found(request, session, settings, number, x_access_code)
    if isinstance(found, Response):
        return found
    attachment = tracking.attachment_of(session, found, attachment_id)
    if attachment is None:
        return error_response(request, 404, NOT_FOUND)
    return files_.download(settings.data_dir, attachment)
