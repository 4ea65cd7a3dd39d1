"""Monthly league tables: composite of the three rates per unit, month-on-month change, and
red flags for units that stay low (bottom N or under the threshold) for consecutive months."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from service.config import Settings
from service.places.models import Unit, UnitClass
from service.supervision import metrics, stats


class League(StrEnum):
    DISTRICTS = "districts"
    STREETS = "streets"
    DEPARTMENTS = "departments"
    ENTERPRISES = "enterprises"


LEAGUE_CLASSES: dict[League, tuple[UnitClass, ...]] = {
    League.DISTRICTS: (UnitClass.DISTRICT_GOVERNMENT,),
    League.STREETS: (UnitClass.STREET_OFFICE,),
    League.DEPARTMENTS: (UnitClass.MUNICIPAL_DEPARTMENT, UnitClass.DISTRICT_DEPARTMENT),
    League.ENTERPRISES: (UnitClass.ENTERPRISE,),
}


@dataclass(frozen=True)
class Standing:
    unit_id: int
    code: str
    name_zh: str
    name_en: str
    answered: int
    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None
    intervals: dict[str, tuple[float, float] | None]
    ranked: bool  # enough answered callbacks to be ranked
    rank: int | None = None
    change: float | None = None  # composite points against last month
    low: bool = False
    red_flag: bool = False


def weights_for(settings: Settings, unit_class: UnitClass) -> tuple[float, float, float]:
    return settings.composite_weights.get(unit_class.value, settings.composite_weights_default)


RatesCache = dict[str, dict[object, metrics.CallbackRow]]


def _standings(
    session: Session,
    period: metrics.Period,
    units: list[Unit],
    settings: Settings,
    cache: RatesCache,
) -> list[Standing]:
    w = metrics.Weights(settings.metrics_w_partly, settings.metrics_w_basic)
    if period.label not in cache:  # one GROUP BY per month serves every league
        cache[period.label] = {
            r.key: r for r in metrics.callback_rates(session, period, metrics.Dimension.UNIT)
        }
    by_unit = cache[period.label]
    result: list[Standing] = []
    for unit in units:
        assert unit.id is not None
        row = by_unit.get(unit.id) or metrics.CallbackRow(unit.id, 0, 0, 0, 0, 0, 0)
        r, s, t = row.response(), row.resolution(w), row.satisfaction(w)
        result.append(
            Standing(
                unit_id=unit.id,
                code=unit.code,
                name_zh=unit.name_zh,
                name_en=unit.name_en,
                answered=row.answered,
                response=r,
                resolution=s,
                satisfaction=t,
                composite=stats.composite(r, s, t, weights_for(settings, unit.unit_class)),
                intervals=row.intervals(w),
                ranked=row.answered >= settings.metrics_min_sample,
            )
        )
    return _rank(result, settings)


def _rank(standings: list[Standing], settings: Settings) -> list[Standing]:
    """Rank the eligible by composite (ties share a rank); mark the low ones."""
    eligible = sorted(
        (s for s in standings if s.ranked and s.composite is not None),
        key=lambda s: (-round(s.composite or 0, 6), s.code),
    )
    ranks: dict[int, int] = {}
    for position, standing in enumerate(eligible, start=1):
        previous = eligible[position - 2] if position > 1 else None
        # Equal to a millionth of a point is a tie (float sums differ in the last bits).
        same = previous is not None and round(previous.composite or 0, 6) == round(
            standing.composite or 0, 6
        )
        ranks[standing.unit_id] = ranks[previous.unit_id] if same and previous else position
    bottom = (
        {s.unit_id for s in eligible[-settings.red_flag_bottom :]}
        if settings.red_flag_bottom
        else set()
    )
    out = []
    for s in standings:
        rank = ranks.get(s.unit_id)
        low = rank is not None and (
            s.unit_id in bottom or (s.composite or 0) < settings.red_flag_threshold
        )
        out.append(_replace(s, rank=rank, low=low))
    return sorted(out, key=lambda s: (s.rank is None, s.rank or 0, s.code))


def _replace(s: Standing, **changes: object) -> Standing:
    from dataclasses import replace

    return replace(s, **changes)  # type: ignore[arg-type]


def league(
    session: Session,
    month: str,
    which: League,
    settings: Settings,
    *,
    cache: RatesCache | None = None,
) -> list[Standing]:
    """The month's table with change against last month and red flags for units low in this
    month and each of the (red_flag_months - 1) months before. Pass one `cache` to rank
    several leagues from the same per-month counts."""
    cache = {} if cache is None else cache
    tz: ZoneInfo = settings.tz
    units = list(
        session.exec(
            select(Unit)
            .where(col(Unit.unit_class).in_([c.value for c in LEAGUE_CLASSES[which]]))
            .order_by(col(Unit.code))
        )
    )
    months = [month]
    for _ in range(max(settings.red_flag_months - 1, 1)):
        months.append(metrics.previous_month(months[-1]))
    per_month = [
        _standings(session, metrics.month_period(m, tz), units, settings, cache) for m in months
    ]
    tables = [{s.unit_id: s for s in standings} for standings in per_month]
    current = per_month[0]
    result = []
    for s in current:
        before = tables[1].get(s.unit_id)
        change = (
            s.composite - before.composite
            if s.ranked
            and before
            and before.ranked
            and before.composite is not None
            and s.composite is not None
            else None
        )
        flagged = all(
            (t.get(s.unit_id) is not None and t[s.unit_id].low)
            for t in tables[: settings.red_flag_months]
        )
        result.append(_replace(s, change=change, red_flag=flagged))
    return result
