"""Supervision pages for supervisors and deputies: figures with drill-down, reports, topics."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth import roles
from service.auth.deps import require_role
from service.auth.models import User
from service.callbacks.models import Callback
from service.catalogue.models import Category, Tag
from service.config import Settings
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.supervision import delivery, league_pages, metrics, periods, reports, revisions
from service.supervision.metrics import Dimension
from service.tickets.models import Ticket
from service.web import csrf

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, Depends(require_role(*roles.SUPERVISION_READERS))]
Supervisor = Annotated[User, Depends(require_role(*roles.SUPERVISORS))]
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PER_PAGE = 50
MEASURES = ("answered", "contacted", "resolved", "partly", "satisfied", "basically", "dissatisfied")


def _month(value: str | None, settings: Settings) -> str:
    if value is None or value == "":
        return metrics.previous_month(clock.now().astimezone(settings.tz).strftime("%Y-%m"))
    if not MONTH.match(value):
        raise HTTPException(status_code=422, detail="month must look like 2026-11")
    return value


@router.get("/staff/supervision", name="supervision")
def dashboard(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Reader,
    month: str | None = None,
    dimension: Dimension = Dimension.UNIT,
) -> Response:
    """The three rates with sample sizes and intervals; every count links to its tickets."""
    label = _month(month, settings)
    period = metrics.month_period(label, settings.tz)
    w = metrics.Weights(settings.metrics_w_partly, settings.metrics_w_basic)
    rows = metrics.callback_rates(session, period, dimension)
    live_workflow = metrics.workflow_rates(
        session, period, dimension, as_of=min(clock.now(), period.end)
    )
    workflow = {r.key: r for r in live_workflow}
    frozen = _published_view(session, label, dimension, rows, live_workflow, w)
    frozen_rows, frozen_workflow = frozen.pop("rows"), frozen.pop("workflow")
    if frozen_rows is not None:
        rows = frozen_rows
        workflow = {r.key: r for r in frozen_workflow}
    handling = {r.key: r for r in metrics.handling_hours(session, period, dimension)}
    return templates.TemplateResponse(
        request,
        "staff/supervision/dashboard.html",
        {
            "month": label,
            "dimension": dimension,
            "dimensions": list(Dimension),
            "rows": rows,
            "w": w,
            "workflow": workflow,
            "handling": handling,
            "labels": _labels(session, dimension),
            "min_sample": settings.metrics_min_sample,
            **league_pages.dashboard_extras(session, period, settings),
        }
        | frozen,
    )


# --- published is published (issue 12, point 2) ------------------------------------------


def _published_view(
    session: Session,
    label: str,
    dimension: Dimension,
    live: list[metrics.CallbackRow],
    live_workflow: list[metrics.WorkflowRow],
    w: metrics.Weights,
) -> dict[str, Any]:
    """For a published month, its frozen rows and where live data now differs from them."""
    view: dict[str, Any] = {
        "published": None,
        "rows": None,
        "workflow": [],
        "drift": {},
        "workflow_drift": {},
    }
    frozen = revisions.published(session, label)
    if frozen is None:
        return view
    view["published"] = frozen.snapshot
    rows, flows = frozen.callbacks(dimension), frozen.workflow(dimension)
    if rows is None or flows is None:
        return view  # published before breakdowns were frozen: the live rows, as then
    # Groups that only live data has (a late callback) are listed after the published ones.
    known = {r.key for r in rows}
    view["rows"] = rows + [
        metrics.CallbackRow(r.key, 0, 0, 0, 0, 0, 0) for r in live if r.key not in known
    ]
    view["workflow"] = flows
    view["drift"] = revisions.callback_drift(rows, live, w)
    view["workflow_drift"] = revisions.workflow_drift(flows, live_workflow)
    return view


def _labels(session: Session, dimension: Dimension) -> dict[Any, Any]:
    """Rows with names (units, areas, categories, tags) for a dimension's keys."""
    names = reports.names(session)
    if dimension is Dimension.UNIT:
        return names["units"]
    if dimension in (Dimension.DISTRICT, Dimension.STREET):
        return names["areas"]
    if dimension is Dimension.CATEGORY:
        return {c.id: c for c in session.exec(select(Category))}
    if dimension is Dimension.TAG:
        return {t.code: t for t in session.exec(select(Tag))}
    return {}


@router.get("/staff/supervision/tickets", name="supervision_tickets")
def drill_down(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Reader,
    month: str,
    dimension: Dimension,
    key: str = "",
    measure: str = "answered",
    page: int = 1,
) -> Response:
    """The tickets behind a callback figure: numbers, category, status; no personal data."""
    if measure not in MEASURES:
        raise HTTPException(status_code=422, detail="Unknown measure.")
    period = metrics.month_period(_month(month, settings), settings.tz)
    query = (
        select(Ticket)
        .join(Callback, col(Callback.ticket_id) == Ticket.id)
        .where(
            col(Callback.answered_at) >= period.start,
            col(Callback.answered_at) < period.end,
            col(Ticket.assessment_excluded).is_(False),
        )
    )
    column = {
        Dimension.UNIT: Callback.unit_id,
        Dimension.DISTRICT: Ticket.district_id,
        Dimension.STREET: Ticket.street_id,
        Dimension.CATEGORY: Ticket.category_id,
    }.get(dimension)
    if column is not None:
        query = query.where(col(column) == (int(key) if key.isdigit() else None))
    elif dimension is Dimension.TAG:
        tags = metrics._ticket_tags()
        query = query.join(tags, tags.c.ticket_id == Ticket.id).where(tags.c.tag_code == key)
    if measure == "contacted":
        query = query.where(col(Callback.contacted).is_(True))
    elif measure in ("resolved", "partly"):
        query = query.where(col(Callback.resolved) == measure)
    elif measure in ("satisfied", "basically", "dissatisfied"):
        query = query.where(col(Callback.satisfied) == measure)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    frozen = revisions.published(session, period.label)
    stored = frozen.callbacks(dimension) if frozen else None
    published_total = None
    if frozen is not None and stored is not None and measure != "dissatisfied":
        row = next((r for r in stored if revisions.key_text(r.key) == key), None)
        published_total = getattr(row, measure, 0) if row else 0
    page = max(page, 1)
    rows = session.exec(
        query.order_by(col(Ticket.number)).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return templates.TemplateResponse(
        request,
        "staff/supervision/tickets.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "month": period.label,
            "measure": measure,
            "link_tickets": user.role in roles.TICKET_READERS,
            "categories": {c.id: c for c in session.exec(select(Category))},
            "published": frozen.snapshot if frozen else None,
            "published_total": published_total,
        },
    )


@router.get("/staff/supervision/reports", name="reports")
def report_list(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Reader,
) -> Response:
    return templates.TemplateResponse(
        request,
        "staff/supervision/reports.html",
        {
            "snapshots": reports.snapshots(session),
            "can_publish": user.role in roles.SUPERVISORS,
            "errors": {},
            "form": {},
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
    )


@router.post("/staff/supervision/reports", name="report_publish", dependencies=[CsrfDep])
def report_publish(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Supervisor,
    month: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Publishing again makes a new version (a correction) beside the old ones, and only
    with a reason: the revisions ledger shows it beside every figure it changed."""
    month = month.strip()
    errors: dict[str, str] = {}
    if not periods.is_label(month):
        errors["month"] = _("Enter the month as YYYY-MM, e.g. 2026-11.")
    elif len(note) > 200:
        errors["note"] = _("Keep the note under 200 characters.")
    elif not reason.strip() and revisions.latest(session, month) is not None:
        errors["reason"] = _(
            "This period is already published: say why it is corrected (the reason is shown "
            "in the revisions ledger)."
        )
    elif len(reason) > 2000:
        errors["reason"] = _("Keep the reason under 2,000 characters.")
    if errors:
        return templates.TemplateResponse(
            request,
            "staff/supervision/reports.html",
            {
                "snapshots": reports.snapshots(session),
                "can_publish": True,
                "errors": errors,
                "form": {"month": month, "note": note, "reason": reason},
                "csrf_token": csrf.issue_token(request, settings.secret_key),
            },
            status_code=422,
        )
    snapshot = reports.publish(session, month, settings, user_id=user.id, note=note, reason=reason)
    session.commit()
    return RedirectResponse(
        request.url_for("report", period=snapshot.period, version=snapshot.version), 303
    )


def _snapshot(session: Session, period: str, version: int) -> Any:
    snapshot = reports.get(session, period, version)
    if snapshot is None:
        raise HTTPException(status_code=404, detail="No such report.")
    return snapshot


@router.get("/staff/supervision/reports/{period}/v{version:int}", name="report")
def report(
    period: str,
    version: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: Reader,
) -> Response:
    """Opening a report reads it: its notice leaves the reader's start page."""
    snapshot = _snapshot(session, period, version)
    assert user.id is not None
    delivery.mark_read(session, user.id, snapshot.id, clock.now())
    session.commit()
    return templates.TemplateResponse(
        request,
        "staff/supervision/report.html",
        delivery.report_context(snapshot)
        | {"versions": reports.snapshots(session, period=snapshot.period)},
    )


@router.get("/staff/supervision/reports/{period}/v{version:int}.{fmt}", name="report_file")
def report_file(
    period: str,
    version: int,
    fmt: str,
    session: SessionDep,
    templates: TemplatesDep,
    user: Reader,
) -> Response:
    snapshot = _snapshot(session, period, version)
    filename = f"report-{period}-v{version}.{fmt}"
    if fmt == "csv":
        body, media = reports.to_csv(snapshot), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = reports.to_xlsx(snapshot)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        try:
            # The same bytes as the e-mailed attachment (service/supervision/delivery.py).
            body, media = delivery.pdf_of(templates.env, snapshot), "application/pdf"
        except reports.PdfUnavailableError as exc:
            # The other formats still work; say plainly what the server is missing.
            raise HTTPException(status_code=503, detail=str(exc)) from exc
    else:
        raise HTTPException(status_code=404, detail="Formats: csv, xlsx, pdf.")
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
