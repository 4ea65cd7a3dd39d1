"""Every league for a period, from three GROUP BY queries a period (callback rates, workflow
rates, public criticisms per unit): each unit with tickets in the period is in its league,
ranked or listed as not ranked with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from service import clock
from service.config import Settings
from service.places.models import Unit
from service.sla.models import LadderLevel, SupervisionStep
from service.supervision import metrics, periods, rankings
from service.supervision.rankings import League, Rules, Standing
from service.tickets.models import Ticket


def criticisms(session: Session, period: metrics.Period) -> dict[int, int]:
    """Public criticisms (通报) per unit in the period; excluded tickets (核减) do not count."""
    rows = session.execute(
        select(col(SupervisionStep.unit_id), func.count())
        .join(Ticket, col(Ticket.id) == SupervisionStep.ticket_id)
        .where(
            col(SupervisionStep.level) == LadderLevel.CRITICISM.value,
            col(SupervisionStep.at) >= period.start,
            col(SupervisionStep.at) < period.end,
            col(SupervisionStep.unit_id).is_not(None),
            col(Ticket.assessment_excluded).is_(False),
        )
        .group_by(col(SupervisionStep.unit_id))
    ).all()
    return {int(unit_id): int(n) for unit_id, n in rows}


Figures = dict[int, rankings.UnitFigures]


def figures(
    session: Session, period: metrics.Period, units: list[Unit], *, as_of: datetime
) -> Figures:
    """Each unit with tickets in the period (answered callbacks, work orders or criticisms)."""
    callbacks = {r.key: r for r in metrics.callback_rates(session, period, metrics.Dimension.UNIT)}
    workflow = {
        r.key: r
        for r in metrics.workflow_rates(session, period, metrics.Dimension.UNIT, as_of=as_of)
    }
    criticised = criticisms(session, period)
    active = {k for k, r in callbacks.items() if r.answered} | {
        k for k, r in workflow.items() if r.work_orders
    }
    active |= set(criticised)
    out: Figures = {}
    for unit in units:
        if unit.id is None or unit.id not in active:
            continue
        out[unit.id] = rankings.UnitFigures(
            unit_id=unit.id,
            code=unit.code,
            name_zh=unit.name_zh,
            name_en=unit.name_en,
            unit_class=unit.unit_class,
            window_sector=unit.window_sector,
            callbacks=callbacks.get(unit.id) or metrics.CallbackRow(unit.id, 0, 0, 0, 0, 0, 0),
            workflow=workflow.get(unit.id),
            criticisms=criticised.get(unit.id, 0),
        )
    return out


def _tables(found: Figures, rules: Rules) -> dict[League, list[Standing]]:
    members: dict[League, list[Standing]] = {league: [] for league in League}
    for f in found.values():
        scored = rankings.standing(f, rules)
        for league in rankings.leagues_of(f.unit_class, f.window_sector):
            members[league].append(scored)
    return {league: rankings.rank(rows, rules) for league, rows in members.items()}


@dataclass(frozen=True)
class Tables:
    """The period's leagues and the rules they were made by."""

    label: str
    rules: Rules
    leagues: dict[League, list[Standing]]

    def ranked(self) -> int:
        return len({s.unit_id for rows in self.leagues.values() for s in rows if s.rank})

    def units(self) -> int:
        return len({s.unit_id for rows in self.leagues.values() for s in rows})


Cache = dict[str, dict[League, list[Standing]]]


def tables(
    session: Session, label: str, settings: Settings, *, cache: Cache | None = None
) -> Tables:
    """Every league for the period (a month, quarter or year) with the change against the
    period before and red flags; pass one `cache` to build several periods' tables."""
    cache = {} if cache is None else cache
    rules = Rules.of(settings)
    units = list(session.exec(select(Unit).order_by(col(Unit.code))))
    labels = [label]
    for _ in range(max(rules.periods, 2) - 1):
        labels.append(periods.previous(labels[-1]))
    now = clock.now()
    for each in labels:
        if each not in cache:
            period = periods.period_of(each, settings.tz)
            found = figures(session, period, units, as_of=min(now, period.end))
            cache[each] = _tables(found, rules)
    history = [cache[each] for each in labels]
    leagues = {
        league: rankings.with_history(history[0][league], [h[league] for h in history[1:]], rules)
        for league in League
    }
    return Tables(label, rules, leagues)


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def as_content(found: Tables) -> dict[str, list[dict[str, object]]]:
    """The leagues as plain data for a frozen report: every unit with tickets, ranked or with
    the reason it is not (the sample it had against the minimum)."""
    out: dict[str, list[dict[str, object]]] = {}
    for league, rows in found.leagues.items():
        out[league.value] = [
            {
                "unit": s.code,
                "name_zh": s.name_zh,
                "name_en": s.name_en,
                "answered": s.answered,
                "response": _r(s.response),
                "resolution": _r(s.resolution),
                "satisfaction": _r(s.satisfaction),
                "on_time_sign_for": _r(s.on_time_sign_for),
                "sign_for_counted": s.sign_for_counted,
                "on_time_closure": _r(s.on_time_closure),
                "closure_counted": s.closure_counted,
                "criticisms": s.criticisms,
                "intervals": {
                    k: None if v is None else [round(v[0], 4), round(v[1], 4)]
                    for k, v in sorted(s.intervals.items())
                },
                "composite": _r(s.composite, 2),
                "rank": s.rank,
                "not_ranked": None
                if s.rank is not None
                else {"answered": s.answered, "min_sample": found.rules.min_sample},
                "change": _r(s.change, 2),
                "red_flag": s.red_flag,
                "flag_reason": s.flag_reason.value if s.flag_reason else None,
            }
            for s in rows
        ]
    return out


def rules_content(rules: Rules) -> dict[str, object]:
    """The rules the leagues were made by, written into the report beside them."""
    return {
        "composite_weights_default": list(rules.weights_default),
        "composite_weights": {k: list(v) for k, v in sorted(rules.weights.items())},
        "timeliness_weights_default": list(rules.timeliness_default),
        "timeliness_weights": {k: list(v) for k, v in sorted(rules.timeliness.items())},
        "criticism_points": rules.criticism_points,
        "red_flag_bottom_share": rules.bottom_share,
        "red_flag_min_league": rules.min_league,
    }
