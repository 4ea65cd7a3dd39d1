"""The league tables page (every unit with tickets, ranked or not and why), the city's
vulnerable-group targets, and the extra figures the supervision dashboard shows."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from service import clock
from service.auth import roles
from service.auth.deps import require_role
from service.auth.models import User
from service.catalogue.models import Tag
from service.config import Settings
from service.deps import CsrfDep, SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext as _
from service.places.models import Area
from service.supervision import leagues, metrics, periods, vulnerable
from service.supervision.rankings import League
from service.web import csrf

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, Depends(require_role(*roles.SUPERVISION_READERS))]
TargetSetter = Annotated[User, Depends(require_role(*roles.TARGET_SETTERS))]


def _period(value: str | None, settings: Settings) -> str:
    if not value:
        return metrics.previous_month(clock.now().astimezone(settings.tz).strftime("%Y-%m"))
    try:
        periods.kind_of(value)
    except ValueError:
        raise HTTPException(
            status_code=422, detail="period must look like 2026-11, 2026-Q4 or 2026"
        ) from None
    return value


@router.get("/staff/supervision/leagues", name="leagues")
def league_tables(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: Reader,
    period: str | None = None,
) -> Response:
    """Every league for a month, quarter or year: the ranked by composite, then the units
    with too few answered callbacks, each with its sample against the minimum."""
    label = _period(period, settings)
    found = leagues.tables(session, label, settings)
    return templates.TemplateResponse(
        request,
        "staff/supervision/leagues.html",
        {
            "period": label,
            "kind": periods.kind_of(label).value,
            "tables": found,
            "league_names": league_names(),
            "rules": found.rules,
        },
    )


def league_names() -> dict[str, str]:
    return {
        League.DISTRICTS.value: _("districts"),
        League.STREETS.value: _("streets"),
        League.MUNICIPAL_DEPARTMENTS.value: _("municipal departments"),
        League.DISTRICT_DEPARTMENTS.value: _("district departments"),
        League.ENTERPRISES.value: _("enterprises"),
        League.WINDOW_INDUSTRIES.value: _("window industries"),
        # Reports published before the departments were split into two leagues.
        "departments": _("departments"),
    }


def group_names() -> dict[str, str]:
    """Each vulnerable group by its own label (the tag code 'disabled' means other things)."""
    return {
        "elderly": _("Rights of the elderly"),
        "women": _("Rights of women"),
        "minors": _("Rights of minors"),
        "disabled": _("Rights of people with disabilities"),
    }


def trend_chart(trend: vulnerable.Trend) -> str:
    """The city-wide series and targets as JSON for the chart (the table carries the same)."""
    names = group_names()
    data = {
        "months": trend.months,
        "series": [
            {
                "name": names[tag],
                "values": [
                    None if (r := p.per_10k()) is None else round(r, 3)
                    for p in trend.city[tag].points
                ],
                "target": trend.targets.get(tag),
            }
            for tag in vulnerable.VULNERABLE_TAGS
        ],
        "target_label": _("Target"),
    }
    # "<" escaped so the JSON can never close the script element it sits in.
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def dashboard_extras(
    session: Session, period: metrics.Period, settings: Settings
) -> dict[str, Any]:
    """Direct-answer rate, complaints per 10,000 by district, criticisms per unit and the
    vulnerable-group trend for the dashboard."""
    (direct,) = metrics.direct_answer_rates(session, period, metrics.Dimension.CITY) or [
        metrics.DirectAnswerRow("all", 0, 0)
    ]
    trend = vulnerable.trend(session, period.label, settings.tz)
    return {
        "direct": direct,
        "per_district": metrics.complaints_per_10k(session, period, by=metrics.Dimension.DISTRICT),
        "criticisms": leagues.criticisms(session, period),
        "trend": trend,
        "trend_json": trend_chart(trend),
        "group_names": group_names(),
        "areas": {a.id: a for a in session.exec(select(Area))},
    }


@router.get("/staff/supervision/targets", name="vulnerable_targets")
def targets_page(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: TargetSetter,
) -> Response:
    return _targets_form(request, session, templates, settings, errors={}, form={})


def _targets_form(
    request: Request,
    session: Session,
    templates: Any,
    settings: Settings,
    *,
    errors: dict[str, str],
    form: dict[str, str],
    status_code: int = 200,
) -> Response:
    current = vulnerable.targets(session)
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        "staff/supervision/targets.html",
        {
            "groups": vulnerable.VULNERABLE_TAGS,
            "group_names": group_names(),
            "values": {
                tag: form.get(tag, "" if tag not in current else f"{current[tag]:g}")
                for tag in vulnerable.VULNERABLE_TAGS
            },
            "errors": errors,
            "csrf_token": csrf.issue_token(request, settings.secret_key),
        },
        status_code=status_code,
    )


@router.post("/staff/supervision/targets", name="vulnerable_targets_save", dependencies=[CsrfDep])
def targets_save(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    settings: SettingsDep,
    user: TargetSetter,
    elderly: Annotated[str, Form()] = "",
    women: Annotated[str, Form()] = "",
    minors: Annotated[str, Form()] = "",
    disabled: Annotated[str, Form()] = "",
) -> Response:
    """An empty field removes the group's target; a number sets it (0 or more)."""
    form = {"elderly": elderly, "women": women, "minors": minors, "disabled": disabled}
    parsed: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    known = set(session.exec(select(Tag.code)))
    for tag, text in form.items():
        text = text.strip()
        if text and tag not in known:
            errors[tag] = _("This group is not among the city's tags.")
            continue
        if not text:
            parsed[tag] = None
            continue
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 10_000:
            errors[tag] = _("Enter a number of complaints per 10,000 residents, 0 or more.")
        parsed[tag] = value
    if errors:
        return _targets_form(
            request, session, templates, settings, errors=errors, form=form, status_code=422
        )
    for tag, target in parsed.items():
        vulnerable.set_target(session, tag, target, user_id=user.id)
    session.commit()
    return RedirectResponse(request.url_for("vulnerable_targets"), 303)
