"""FastAPI dependencies as Annotated aliases; a request is one transaction that handlers commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlmodel import Session

from service.config import Settings
from service.web import csrf


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates  # type: ignore[no-any-return]


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """A session per request; anything not committed by the handler is rolled back."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


def verify_csrf(
    request: Request,
    settings: SettingsDep,
    csrf_token: Annotated[str | None, Form()] = None,
) -> None:
    """Every form POST must echo the token issued to this browser."""
    if not csrf.token_is_valid(request, csrf_token, settings.secret_key):
        raise HTTPException(status_code=403, detail="The form expired or came from elsewhere.")


CsrfDep = Depends(verify_csrf)
