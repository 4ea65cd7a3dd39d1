"""Pick the page language per request: ?lang=, then the lang cookie, then Accept-Language."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from service import i18n

LANG_COOKIE = "lang"


class LocaleMiddleware:
    """Sets the request's locale for gettext before any handler or template runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        requested = _query_lang(scope.get("query_string", b"").decode("latin-1"))
        requested = requested or _cookie(headers.get("cookie", ""), LANG_COOKIE)
        locale = i18n.negotiate(requested, headers.get("accept-language"))
        scope.setdefault("state", {})["locale"] = locale
        with i18n.use_locale(locale):
            await self.app(scope, receive, send)


def _query_lang(query: str) -> str | None:
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key == "lang" and value:
            return value
    return None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
