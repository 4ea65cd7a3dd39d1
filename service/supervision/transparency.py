"""The public transparency page (/transparency, no login): aggregate figures only — no
personal data and no free text (no titles, descriptions, comments or reasons)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from service import clock
from service.catalogue.models import Category
from service.deps import SessionDep, SettingsDep, TemplatesDep
from service.i18n import gettext
from service.supervision import hot_topics, league_pages, metrics, reports, revisions
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
    history = one_history(session, volumes, rate_trend, w)
    headline = next((p for p in history if p.month == month), None)
    # Rankings from the same month's report where it is published, so one history is shown.
    snapshot = revisions.latest(session, month) or reports.latest_published(session)
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
    rated = [p for p in history if p.answered]
    chart: dict[str, Any] = {
        "months": [p.month for p in history],
        "volumes": [p.tickets for p in history],
        "rate_months": [p.month for p in rated],
        "satisfaction": [round(100 * (p.satisfaction or 0), 1) for p in rated],
        "resolution": [round(100 * (p.resolution or 0), 1) for p in rated],
        "response": [round(100 * (p.response or 0), 1) for p in rated],
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
            "history": history,
            "headline": headline,
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


# --- one history (issue 12, point 2): published months as published, revisions marked ----


@dataclass(frozen=True)
class Point:
    """One month of the public trend: the published figure where the month is published
    (with the live difference, if any), else the live figure."""

    month: str
    tickets: int
    answered: int
    response: float | None
    resolution: float | None
    satisfaction: float | None
    intervals: dict[str, Any]
    version: int | None = None  # the published version shown; None: live, not published
    live_tickets: int | None = None  # set only where live data differs from the published
    live_answered: int | None = None
    live_satisfaction: float | None = None

    @property
    def revised(self) -> bool:
        return self.live_tickets is not None

    def satisfaction_change(self) -> float | None:
        if self.live_satisfaction is None or self.satisfaction is None:
            return None
        return self.live_satisfaction - self.satisfaction


def one_history(
    session: Any,
    volumes: list[tuple[str, int]],
    rate_trend: list[metrics.CallbackRow],
    w: metrics.Weights,
) -> list[Point]:
    """The months of the trend, each from its published report where there is one."""
    live_volume = dict(volumes)
    live_rates = {r.key[1]: r for r in rate_trend}
    months = sorted(live_volume.keys() | live_rates.keys())
    frozen = revisions.latest_of(session, months)
    out = []
    for m in months:
        row = live_rates.get(m) or metrics.CallbackRow(m, 0, 0, 0, 0, 0, 0)
        live = Point(
            m,
            live_volume.get(m, 0),
            row.answered,
            row.response(),
            row.resolution(w),
            row.satisfaction(w),
            {k: v for k, v in row.intervals(w).items()},
        )
        snapshot = frozen.get(m)
        if snapshot is None:
            out.append(live)
            continue
        totals = revisions.content_of(snapshot)["totals"]
        satisfaction = totals["satisfaction"]
        differs = (
            totals["tickets"] != live.tickets
            or totals["answered"] != live.answered
            or _r4(totals["response"]) != _r4(live.response)
            or _r4(totals["resolution"]) != _r4(live.resolution)
            or _r4(satisfaction) != _r4(live.satisfaction)
        )
        out.append(
            Point(
                m,
                totals["tickets"],
                totals["answered"],
                totals["response"],
                totals["resolution"],
                satisfaction,
                totals.get("intervals", {}),
                version=snapshot.version,
                live_tickets=live.tickets if differs else None,
                live_answered=live.answered if differs else None,
                live_satisfaction=live.satisfaction if differs else None,
            )
        )
    return out


def _r4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
