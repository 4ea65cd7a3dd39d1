"""The revisions ledger for the readers (leaders, NPC deputies, CPPCC members, supervisors),
and dismissing a published report's notice from the start page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from service import clock
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.supervision import delivery, periods, reports, revisions
from service.supervision.pages import Reader

router = APIRouter(include_in_schema=False)


@router.get("/staff/supervision/revisions", name="revisions_ledger")
def ledger(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Reader,
    period: str = "",
) -> Response:
    """Every revision of a published figure: before, after, the version and its reason."""
    chosen = [period] if periods.is_label(period) else None
    corrections = [s for s in reports.snapshots(session) if s.version > 1]
    if chosen is not None:
        corrections = [s for s in corrections if s.period == period]
    return templates.TemplateResponse(
        request,
        "staff/supervision/revisions.html",
        {
            "period": period if chosen else "",
            "rows": revisions.ledger(session, periods=chosen),
            "corrections": corrections,
            "describe_figure": revisions.describe,
            "show_figure": revisions.shown,
        },
    )


@router.post("/staff/report-notices/read", name="report_notice_read", dependencies=[CsrfDep])
def notice_read(
    request: Request,
    session: SessionDep,
    user: Reader,
    snapshot_id: Annotated[int, Form()],
) -> Response:
    """The reader has seen it: the notice leaves their start page."""
    assert user.id is not None
    delivery.mark_read(session, user.id, snapshot_id, clock.now())
    session.commit()
    return RedirectResponse(request.url_for("staff_home"), status_code=303)
