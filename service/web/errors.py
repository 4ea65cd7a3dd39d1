"""Errors: JSON with one entry per field under /api/, an HTML page elsewhere; never a 500 body."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import i18n
from service.tickets.service import ConflictError
from service.tickets.states import IllegalTransitionError, ReasonRequiredError

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported file type",
    422: "Please check what you entered",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "The service is busy",
}
# The database could not take the request (SQLite's write lock held past the busy timeout, the
# PostgreSQL server down or restarting, every pooled connection in use): nothing was written,
# so the client may send the same request again.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = (
    "The service is very busy or briefly unavailable. Nothing was saved; "
    "please send the same request again in a few seconds."
)


# A protocol with its own error bodies (Open311) renders errors under its path prefix itself.
ErrorRenderer = Callable[[Request, int, str, list[dict[str, Any]] | None], Response]


def register_renderer(app: FastAPI, prefix: str, render: ErrorRenderer) -> None:
    """Errors on paths under `prefix` go to `render` instead of the JSON or HTML error."""
    renderers: list[tuple[str, ErrorRenderer]] = getattr(app.state, "error_renderers", [])
    app.state.error_renderers = [*renderers, (prefix, render)]


def wants_json(request: Request) -> bool:
    """Machine clients (the /api/ and Open311 routes) get JSON errors."""
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/open311/")


def error_response(
    request: Request, status: int, message: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    """The one way an error reaches a person or a machine."""
    renderers: list[tuple[str, ErrorRenderer]] = getattr(request.app.state, "error_renderers", [])
    for prefix, render in renderers:
        if request.url.path.startswith(prefix):
            return render(request, status, message, errors)
    if wants_json(request):
        body: dict[str, Any] = {"detail": message}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "errors/error.html",
        {"status": status, "title": i18n.gettext(_TITLES.get(status, "Error")), "message": message},
        status_code=status,
    )


def log_unavailable(request: Request, exc: BaseException) -> None:
    """One line per refused request: the database's own message, without a stack trace."""
    text = str(exc).strip()
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.url.path,
        text.splitlines()[0] if text else type(exc).__name__,
    )


def unavailable(request: Request, exc: Exception) -> Response:
    """503 with Retry-After when the database cannot take the request."""
    log_unavailable(request, exc)
    response = error_response(request, 503, i18n.gettext(UNAVAILABLE_MESSAGE))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    entries = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        entries.append({"field": ".".join(location) or None, "message": error.get("msg", "")})
    return entries


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        response = error_response(request, exc.status_code, i18n.gettext(message))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, i18n.gettext(_TITLES[422]), _field_errors(exc))

    @app.exception_handler(ConflictError)
    async def _conflict(request: Request, exc: ConflictError) -> Response:
        return error_response(request, 409, str(exc))

    @app.exception_handler(IllegalTransitionError)
    async def _illegal(request: Request, exc: IllegalTransitionError) -> Response:
        return error_response(request, 409, str(exc))

    @app.exception_handler(ReasonRequiredError)
    async def _reason(request: Request, exc: ReasonRequiredError) -> Response:
        return error_response(request, 400, str(exc), [{"field": "reason", "message": str(exc)}])

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeoutError)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        return unavailable(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(request, 500, i18n.gettext(_TITLES[500]))
