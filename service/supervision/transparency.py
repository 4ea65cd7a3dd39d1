"""The public transparency page (/transparency, no login): aggregate figures only — no
personal data and no free text (no titles, descriptions, comments or reasons)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from service import clock
from service.catalogue.models import Category
from service.deps import SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext
from service.supervision import hot_topics, league_pages, metrics, reports
from service.supervision import vulnerable as vulnerable_groups

router = APIRouter(include_in_schema=False)


@router.get("/transparency", name="transparency")
def transparency(
    request: Request, session: SessionDep, templates: TemplatesDep, settings: SettingsDep
) -> Response:
    tz = settings.tz
    now = clock.now()
    month = metrics.previous_month(now.astimezone(tz).strftime("%Y-%m"))
    period = metrics.month_period(month, tz)
    year_start = metrics.month_period(
        f"{int(month[:4]) - 1:04d}-{month[5:]}", tz
    ).end  # the twelve months up to and including last month
    trend_period = metrics.Period("12m", year_start, period.end)
    w = metrics.Weights(settings.metrics_w_partly, settings.metrics_w_basic)
    volumes = metrics.volumes(session, trend_period, metrics.Bucket.MONTH, tz)
    rate_trend = metrics.callback_rates(
        session, trend_period, metrics.Dimension.CITY, bucket=metrics.Bucket.MONTH, tz=tz
    )
    city = metrics.callback_rates(session, period, metrics.Dimension.CITY)
    categories = {c.id: c for c in session.exec(select(Category))}
    areas = reports.names(session)["areas"]
    top = [
        (categories[cid], n)
        for cid, n in metrics.top_categories(session, period)
        if cid in categories
    ]
    snapshot = reports.latest_published(session)
    published = reports.content_of(snapshot) if snapshot else None
    hot = hot_topics.detect(
        session,
        tz=tz,
        weeks=settings.hot_topic_weeks,
        sigmas=settings.hot_topic_sigmas,
        min_count=settings.hot_topic_min_count,
        now=now,
    )
    tags = {r.key: r for r in metrics.complaints_per_10k(session, period, by=metrics.Dimension.TAG)}
    vulnerable = [(code, tags.get(code)) for code in reports.VULNERABLE_TAGS]
    trend = vulnerable_groups.trend(session, month, tz)
    chart: dict[str, Any] = {
        "months": [m for m, _ in volumes],
        "volumes": [n for _, n in volumes],
        "rate_months": [r.key[1] for r in rate_trend],
        "satisfaction": [round(100 * (r.satisfaction(w) or 0), 1) for r in rate_trend],
        "resolution": [round(100 * (r.resolution(w) or 0), 1) for r in rate_trend],
        "response": [round(100 * (r.response() or 0), 1) for r in rate_trend],
        "labels": {
            "response": gettext("Response rate"),
            "resolution": gettext("Resolution rate"),
            "satisfaction": gettext("Satisfaction rate"),
        },
    }
    return templates.TemplateResponse(
        request,
        "public/transparency.html",
        {
            "month": month,
            "city": city[0] if city else None,
            "w": w,
            "volumes": volumes,
            "rate_trend": rate_trend,
            "top": top,
            "published": published,
            "snapshot": snapshot,
            "hot": [(categories.get(h.category_id), areas.get(h.district_id), h) for h in hot],
            "vulnerable": vulnerable,
            # The twelve-month trend against the city's targets: counts only, no tickets.
            "trend": trend,
            "trend_json": league_pages.trend_chart(trend),
            "group_names": league_pages.group_names(),
            "areas": areas,
            "league_names": league_pages.league_names(),
            "tag_names": reports.names(session),
            # "<" escaped so the JSON can never close the script element it sits in.
            "chart_json": json.dumps(chart, ensure_ascii=False).replace("<", "\\u003c"),
        },
    )
