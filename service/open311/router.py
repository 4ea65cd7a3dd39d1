"""Open311 GeoReport v2 routes: /open311/discovery.{fmt} and /open311/v2/..., JSON or XML.

Parameters are read by hand (params.py), not by FastAPI, so an empty one is an absent one and
a bad one is a 400 error array in the requested format, never a 422. Every error under
/open311/, including unknown paths and unexpected failures, is an Open311 error array.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from service import clock, i18n
from service.deps import SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.intake import attachments as files_
from service.intake import ratelimit
from service.intake.forms import CappedBodyRoute
from service.open311 import filing, formats, requests, services
from service.open311.formats import Problem
from service.open311.params import request_query, single
from service.web import errors as web_errors

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this interface last changed in a way clients may notice.
CHANGESET = "2026-11-29T00:00:00+08:00"


class Open311Route(CappedBodyRoute):
    """Caps POST bodies like the intake API, honours the `locale` parameter (zh or en), and lets
    browser-based clients of any origin read the answers: nothing here rides on cookies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def localised(request: Request) -> Response:
            asked = request.query_params.get("locale", "").strip()
            if asked:
                with i18n.use_locale(i18n.negotiate(asked, None)):
                    response = await handler(request)
            else:
                response = await handler(request)
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response

        return localised


router = APIRouter(prefix="/open311", tags=["Open311 GeoReport v2"], route_class=Open311Route)


def _bad_format(fmt: str) -> Response | None:
    if fmt in formats.FORMATS:
        return None
    problem = Problem(404, _("Use .json or .xml at the end of the address."))
    return formats.errors([problem], "json", 404)


def _not_found(fmt: str, description: str) -> Response:
    return formats.errors([Problem(404, description)], fmt, 404)


@router.get("/discovery.{fmt}", name="open311_discovery")
def discovery(fmt: str, settings: SettingsDep) -> Response:
    """Where the service lives, who to contact and how to get a key."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    body = {
        "changeset": CHANGESET,
        "contact": _("%(city)s mayor's hotline %(number)s")
        % {
            "city": i18n.localized_name(settings.city_name_zh, settings.city_name_en),
            "number": settings.hotline_number,
        },
        "key_service": _("API keys are issued by the city's hotline office."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings.public_url.rstrip("/") + "/open311/v2",
                "changeset": CHANGESET,
                "type": "production" if settings.is_prod else "test",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.respond(body, fmt, root="discovery")


@router.get("/v2/services.{fmt}", name="open311_services")
def list_services(fmt: str, session: SessionDep) -> Response:
    """Every service (category with a service code) of the current catalogue."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    body = [s.as_open311() for s in services.list_services(session)]
    return formats.respond(body, fmt, root="services")


@router.get("/v2/services/{service_code}.{fmt}", name="open311_service_definition")
def service_definition(service_code: str, fmt: str, session: SessionDep) -> Response:
    """The questions a service asks (its attributes)."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    service = services.service_by_code(session, service_code)
    if service is None:
        return _not_found(fmt, _("There is no service %(code)s.") % {"code": service_code})
    return formats.respond(services.definition(session, service), fmt, root="service_definition")


@dataclass
class Submission:
    """A POST's parameters (query string and form together) and its media files."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    media: list[tuple[str, BinaryIO]] = field(default_factory=list)
    unreadable: bool = False


async def submission(request: Request) -> AsyncIterator[Submission]:
    """Form-encoded or multipart; the spec's parameters may also come in the query string."""
    found = Submission(pairs=list(request.query_params.multi_items()))
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        yield found
        return
    try:
        form = await request.form()
    except (StarletteHTTPException, MultiPartException):
        # Starlette reports a malformed body as a 400 of its own; ours is an error array.
        found.unreadable = True
        yield found
        return
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "media" and (value.filename or (value.size or 0) > 0):
                    found.media.append((value.filename or "", value.file))
            else:
                found.pairs.append((key, value))
        yield found
    finally:
        await form.close()


@router.post("/v2/requests.{fmt}", name="open311_create_request")
def create_request(
    request: Request,
    fmt: str,
    body: Annotated[Submission, Depends(submission)],
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    """File a service request as a ticket: [{service_request_id, token, service_notice, ...}]."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    if body.unreadable:
        return formats.errors([Problem(400, _("The form could not be read."))], fmt, 400)
    headers = {k.lower(): v for k, v in request.headers.items()}
    api_key = filing.api_key_of(session, body.pairs, headers)
    if api_key is None:
        return formats.errors([Problem(403, _("A valid api_key is required."))], fmt, 403)
    code = single(body.pairs, "service_code")
    if code is None:
        return formats.errors([Problem(400, _("service_code is required."))], fmt, 400)
    service = services.service_by_code(session, code)
    if service is None:
        return _not_found(fmt, _("There is no service %(code)s.") % {"code": code})
    checked, problems = filing.check(session, settings, service, body.pairs, body.media)
    if checked is None:
        return formats.errors(problems, fmt, 400)
    now = clock.now()
    limits = filing.limits(settings, checked)
    if ratelimit.exceeded(session, limits, secret_key=settings.secret_key, now=now):
        response = formats.errors(
            [Problem(429, _("Too many requests from this phone or device today."))], fmt, 429
        )
        response.headers["Retry-After"] = str(24 * 3600)
        return response
    filed, token = filing.file(session, settings, checked, api_key=api_key, emails=templates.env)
    # Counted after filing: every write happens in the short window before the commit.
    ratelimit.hit(session, limits, secret_key=settings.secret_key, now=now)
    notice = requests.service_notice(filed.ticket, filed.lead_unit, settings.tz)
    answer = filing.receipt(filed, token, checked.account_id, notice)
    session.commit()
    return formats.respond([answer], fmt, root="service_requests")


@router.get("/v2/tokens/{token}.{fmt}", name="open311_token")
def token_lookup(token: str, fmt: str, session: SessionDep) -> Response:
    """The request a POST's token became: [{token, service_request_id}]."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    number = requests.token_lookup(session, token)
    if number is None:
        return _not_found(fmt, _("There is no request for this token."))
    body = [{"service_request_id": number, "token": token}]
    return formats.respond(body, fmt, root="service_requests")


@router.get("/v2/requests.{fmt}", name="open311_requests")
def list_requests(
    request: Request, fmt: str, session: SessionDep, settings: SettingsDep
) -> Response:
    """Requests matching the filters, newest first; nothing matching is 200 []."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    query, problems = request_query(
        request.query_params.multi_items(), now=clock.now(), tz=settings.tz
    )
    if query is None:
        return formats.errors(problems, fmt, 400)
    found = requests.find(session, query)
    body = requests.serialise(session, settings, found, extensions=query.extensions)
    return formats.respond(body, fmt, root="service_requests")


@router.get("/v2/requests/{service_request_id}.{fmt}", name="open311_request")
def get_request(
    request: Request,
    service_request_id: str,
    fmt: str,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One request as an array of one (clients read [0]); an unknown id is 404."""
    if (bad := _bad_format(fmt)) is not None:
        return bad
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "service_request_id"]
    query, problems = request_query(
        [*pairs, ("service_request_id", service_request_id)], now=clock.now(), tz=settings.tz
    )
    if query is None:
        return formats.errors(problems, fmt, 400)
    found = requests.find(session, query)
    if not found:
        return _not_found(fmt, _("There is no request %(id)s.") % {"id": service_request_id})
    body = requests.serialise(session, settings, found[:1], extensions=query.extensions)
    return formats.respond(body, fmt, root="service_requests")


@router.get("/v2/media/{number}/{name}", name="open311_media")
def media(number: str, name: str, session: SessionDep, settings: SettingsDep) -> Response:
    """A photo of a disclosed request, as media_url links it; anything else is 404."""
    stem = name.split(".", 1)[0]
    attachment = (
        requests.media_of(session, number, int(stem)) if stem.isdigit() and len(stem) < 12 else None
    )
    if attachment is None:
        return _not_found(formats.format_of(name), _("There is no such media."))
    return files_.download(settings.data_dir, attachment)


def render_error(
    request: Request, status: int, message: str, entries: list[dict[str, Any]] | None
) -> Response:
    """Any error under /open311/ as an Open311 error array in the format the path asks for."""
    code = formats.error_status(status)
    problems = [Problem(code, str(e.get("message") or message)) for e in entries or []]
    return formats.errors(
        problems or [Problem(code, message)], formats.format_of(request.url.path), code
    )


def install(app: FastAPI) -> None:
    """Mount the routes and make every error under /open311/ an Open311 error array."""
    app.include_router(router)
    web_errors.register_renderer(app, "/open311/", render_error)
