"""create_app(settings): the web application; the lifespan owns the engine and HTTP client."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from service import i18n
from service.catalogue import api as catalogue_api
from service.config import Settings
from service.db import make_engine
from service.deps import SettingsDep
from service.web import csrf, errors
from service.web.locale import LANG_COOKIE, LocaleMiddleware
from service.web.templating import make_templates

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def create_app(settings: Settings) -> FastAPI:
    """Build the app for these settings; nothing connects until the lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.effective_database_url,
            echo=settings.sql_echo,
            busy_seconds=settings.database_busy_seconds,
        )
        app.state.engine = engine
        # The router's model and jieba's dictionary load now, not in a citizen's first filing.
        warm_up_routing(engine)
        async with httpx.AsyncClient(timeout=10.0) as client:
            app.state.http = client
            try:
                yield
            finally:
                engine.dispose()

    app = FastAPI(
        title="civic",
        summary="Citizen complaints, the mayor's hotline, dispatch and public supervision",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.templates = make_templates(settings)
    i18n.load_catalogues()
    errors.install(app)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        fresh = getattr(request.state, "csrf_browser_id", None)
        if fresh and not request.cookies.get(csrf.CSRF_COOKIE):
            response.set_cookie(
                csrf.CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=settings.is_prod
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    app.add_middleware(LocaleMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(catalogue_api.router)
    from service.places import api as places_api

    app.include_router(places_api.router)
    from service.intake import api as intake_api
    from service.intake import portal, track_pages

    app.include_router(portal.router)
    app.include_router(track_pages.router)
    app.include_router(intake_api.router)
    from service.open311 import router as open311

    open311.install(app)

    from service.departments import pages as workbench_pages

    app.include_router(workbench_pages.router)
    from service.notifications import pages as notification_pages
    from service.routing import pages as routing_pages

    app.include_router(routing_pages.router)
    app.include_router(notification_pages.router)
    from service.callbacks import pages as callback_pages
    from service.supervision import league_pages, revision_pages, topic_pages, transparency
    from service.supervision import pages as supervision_pages

    app.include_router(callback_pages.router)
    app.include_router(supervision_pages.router)
    app.include_router(league_pages.router)
    app.include_router(revision_pages.router)
    app.include_router(topic_pages.router)
    app.include_router(transparency.router)
    from service.sla import pages as calendar_pages

    app.include_router(calendar_pages.router)
    _include_hotline(app)

    @app.get("/healthz", tags=["operations"])
    def healthz(request: Request) -> Response:
        """Ok only when the database answers a query."""
        try:
            with request.app.state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            log.warning("health check: database unreachable", exc_info=True)
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/lang/{locale}", name="set_language", include_in_schema=False)
    def set_language(locale: str, settings: SettingsDep, next: str = "/") -> Response:
        """Remember the chosen language and go back to the page (only to a local path)."""
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        chosen = i18n.negotiate(locale, None)
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax", secure=settings.is_prod
        )
        return response

    return app


def warm_up_routing(engine: Engine) -> None:
    """Load the newest routing model and segment one text; a missing database is not fatal here."""
    from sqlmodel import Session

    from service.routing import learning

    try:
        with Session(engine) as session:
            learning.suggest(session, "预热 warm-up")
    except SQLAlchemyError:
        # The first request that needs the database will answer 503 and say why.
        log.warning("routing warm-up skipped: database unavailable", exc_info=True)


def _include_hotline(app: FastAPI) -> None:
    """Staff sign-in, admin, the staff ticket page, the hotline console and the call feed."""
    from service.auth import admin as auth_admin
    from service.auth import api as auth_api
    from service.auth import deps as auth_deps
    from service.auth import pages as auth_pages
    from service.calls import api as calls_api
    from service.calls import pages as calls_pages
    from service.catalogue import knowledge_pages
    from service.intake import hotline
    from service.tickets import staff_view

    auth_deps.install(app)
    for module in (
        auth_pages,
        auth_api,
        auth_admin,
        knowledge_pages,
        staff_view,
        hotline,
        calls_pages,
        calls_api,
    ):
        app.include_router(module.router)
