"""Hot topic pages: rising category × district weeks and hot clusters of similar texts side by
side, the tickets behind a cluster, and adopting either as the monthly topic (每月一题)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.auth import roles
from service.auth.models import User
from service.catalogue.models import Category
from service.config import Settings
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.supervision import hot_topics, reports, text_clusters
from service.supervision.models import TextCluster
from service.supervision.pages import MONTH, PER_PAGE, Reader, Supervisor
from service.tickets.models import Ticket
from service.web import csrf

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    *,
    errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
) -> dict[str, Any]:
    found = hot_topics.detect(
        session,
        tz=settings.tz,
        weeks=settings.hot_topic_weeks,
        sigmas=settings.hot_topic_sigmas,
        min_count=settings.hot_topic_min_count,
    )
    clusters = text_clusters.latest(session)
    adopted = hot_topics.topics(session)
    names = reports.names(session)
    return {
        "found": found,
        "clusters": clusters,
        # Titles are free text: only roles that may open ticket pages see examples (masked);
        # deputies and administrators read the terms, counts and the drill-down.
        "examples": text_clusters.examples(session, [c.id for c in clusters if c.id])
        if user.role in roles.TICKET_READERS
        else {},
        "link_tickets": user.role in roles.TICKET_READERS,
        "computed_at": clusters[0].computed_at if clusters else None,
        "adopted": list(zip(adopted, hot_topics.stored_trends(session, adopted), strict=True)),
        "categories": {c.id: c for c in session.exec(select(Category))},
        "areas": names["areas"],
        "can_adopt": user.role in roles.SUPERVISORS,
        "month": clock.now().astimezone(settings.tz).strftime("%Y-%m"),
        "errors": errors or {},
        "typed": typed or {},
        "csrf_token": csrf.issue_token(request, settings.secret_key),
    }


@router.get("/staff/supervision/hot-topics", name="hot_topics")
def hot_topic_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Reader,
) -> Response:
    return templates.TemplateResponse(
        request, "staff/supervision/hot_topics.html", _page(request, session, settings, user)
    )


@router.post("/staff/supervision/hot-topics", name="hot_topic_adopt", dependencies=[CsrfDep])
def hot_topic_adopt(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Supervisor,
    month: Annotated[str, Form()],
    category_id: Annotated[int, Form()],
    area_id: Annotated[str, Form()] = "",
) -> Response:
    if not MONTH.match(month) or session.get(Category, category_id) is None:
        raise HTTPException(status_code=422, detail="Choose a month (YYYY-MM) and a category.")
    hot_topics.adopt(
        session,
        month=month,
        category_id=category_id,
        area_id=int(area_id) if area_id.isdigit() else None,
        user_id=user.id,
        tz=settings.tz,
    )
    session.commit()
    return RedirectResponse(request.url_for("hot_topics"), 303)


@router.post(
    "/staff/supervision/hot-topics/terms",
    name="hot_topic_adopt_terms",
    dependencies=[CsrfDep],
)
def hot_topic_adopt_terms(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Supervisor,
    month: Annotated[str, Form()],
    terms: Annotated[str, Form()] = "",
    cluster_id: Annotated[int, Form()] = 0,
) -> Response:
    """Adopt a text cluster: the topic keeps its key terms (as edited) and follows the tickets
    containing any of them; a bad list comes back next to that cluster's field."""
    if not MONTH.match(month):
        raise HTTPException(status_code=422, detail="month must look like 2026-11")
    try:
        chosen = hot_topics.parse_terms(terms)
    except ValueError as exc:
        context = _page(
            request,
            session,
            settings,
            user,
            errors={cluster_id: str(exc)},
            typed={cluster_id: terms},
        )
        return templates.TemplateResponse(
            request, "staff/supervision/hot_topics.html", context, status_code=422
        )
    hot_topics.adopt(session, month=month, terms=chosen, user_id=user.id, tz=settings.tz)
    session.commit()
    return RedirectResponse(request.url_for("hot_topics"), 303)


@router.get("/staff/supervision/clusters/{cluster_id:int}/tickets", name="text_cluster_tickets")
def cluster_tickets(
    cluster_id: int,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: Reader,
    page: int = 1,
) -> Response:
    """The tickets behind a text cluster: numbers, category, status; no free text."""
    cluster = session.get(TextCluster, cluster_id)
    if cluster is None:
        raise HTTPException(
            status_code=404,
            detail=_("The clusters were recomputed since; open the hot topics page again."),
        )
    query = text_clusters.member_tickets(cluster_id)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = max(page, 1)
    rows = session.exec(
        query.order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return templates.TemplateResponse(
        request,
        "staff/supervision/tickets.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "caption": " · ".join(cluster.term_list) or _("Similar texts"),
            "link_tickets": user.role in roles.TICKET_READERS,
            "categories": {c.id: c for c in session.exec(select(Category))},
        },
    )
