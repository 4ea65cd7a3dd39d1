"""The calendar admin page: enter a year's official arrangement; pages learn what is provisional."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from service import clock
from service.auth.deps import require_role
from service.auth.models import User
from service.auth.render import render
from service.auth.roles import ADMIN_ROLES
from service.deps import CsrfDep, SessionDep
from service.sla import arrangement_file, arrangements
from service.sla.calendar import OFFICIAL_CALENDAR_YEARS
from service.sla.holidays import statutory_days
from service.sla.models import DeadlineMove
from service.tickets.models import Ticket

router = APIRouter(prefix="/staff/admin", include_in_schema=False)
Admin = Annotated[User, Depends(require_role(*ADMIN_ROLES))]
MOVES_SHOWN = 50


def calendar_context(request: Request) -> dict[str, Any]:
    """Every page may ask whether a deadline is provisional; an administrator is told, from
    1 October, that next year's arrangement is missing."""
    engine = getattr(request.app.state, "engine", None)
    provisional = arrangements.Provisional(None if engine is None else partial(Session, engine))
    user = getattr(request.state, "user", None)
    missing = None
    if user is not None and user.role in ADMIN_ROLES and engine is not None:
        missing = arrangements.year_missing(provisional.calendar(), clock.now())
    return {"deadline_provisional": provisional, "calendar_missing_year": missing}


def _page(
    request: Request,
    session: Session,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    calendar = arrangements.load_calendar(session)
    now = clock.now()
    next_year = now.astimezone(calendar.tz).year + 1
    moves = session.exec(
        select(DeadlineMove, Ticket.number)
        .join(Ticket, col(Ticket.id) == DeadlineMove.ticket_id)
        .order_by(col(DeadlineMove.id).desc())
        .limit(MOVES_SHOWN)
    ).all()
    return render(
        request,
        "staff/admin/calendar.html",
        {
            "entered": arrangements.arrangements(session),
            "package_years": OFFICIAL_CALENDAR_YEARS,
            "next_year": next_year,
            "next_year_arranged": calendar.is_arranged(next_year),
            "statutory": statutory_days(next_year),
            "moves": moves,
            "values": values or {},
            "errors": errors or {},
            "saved": request.query_params.get("saved", ""),
        },
        status_code=status_code,
    )


@router.get("/calendar", name="admin_calendar")
def calendar_page(request: Request, session: SessionDep, admin: Admin) -> Response:
    return _page(request, session)


@router.post("/calendar", name="admin_calendar_import", dependencies=[CsrfDep])
async def import_arrangement(request: Request, session: SessionDep, admin: Admin) -> Response:
    """A pasted arrangement file; each year in it replaces that year's and its deadlines move
    (the recompute job)."""
    form = await request.form()
    upload = form.get("file")
    text = str(form.get("arrangement") or "")
    source = "admin page"
    if upload is not None and not isinstance(upload, str) and upload.filename:
        raw = await upload.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        source = upload.filename
    values = {"arrangement": text}
    try:
        years = arrangement_file.parse(text)
    except arrangement_file.ArrangementError as exc:
        return _page(
            request, session, values=values, errors={"arrangement": exc.render()}, status_code=422
        )
    arrangements.enter(session, years, source=source, now=clock.now(), by=admin)
    session.commit()
    saved = ", ".join(str(year) for year in sorted(years))
    return RedirectResponse(
        str(request.url_for("admin_calendar").include_query_params(saved=saved)), 303
    )
