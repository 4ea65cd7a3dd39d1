"""League tables, pure: each unit's composite of the three rates and timeliness less its public
criticisms, ranks within its league, the reason an unranked unit is not ranked, and red flags
for units low in their league (by its size) or under the threshold for periods running."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from service.config import Settings
from service.places.models import UnitClass, WindowSector
from service.supervision import metrics, stats


class League(StrEnum):
    DISTRICTS = "districts"
    STREETS = "streets"
    MUNICIPAL_DEPARTMENTS = "municipal_departments"
    DISTRICT_DEPARTMENTS = "district_departments"
    ENTERPRISES = "enterprises"
    WINDOW_INDUSTRIES = "window_industries"


LEAGUE_CLASSES: dict[League, tuple[UnitClass, ...]] = {
    League.DISTRICTS: (UnitClass.DISTRICT_GOVERNMENT,),
    League.STREETS: (UnitClass.STREET_OFFICE,),
    League.MUNICIPAL_DEPARTMENTS: (UnitClass.MUNICIPAL_DEPARTMENT,),
    League.DISTRICT_DEPARTMENTS: (UnitClass.DISTRICT_DEPARTMENT,),
    League.ENTERPRISES: (UnitClass.ENTERPRISE,),
}


def leagues_of(unit_class: UnitClass, window_sector: WindowSector | None) -> list[League]:
    """A unit plays in the league of its class and, as a window industry, in that one too."""
    found = [league for league, classes in LEAGUE_CLASSES.items() if unit_class in classes]
    if window_sector is not None:
        found.append(League.WINDOW_INDUSTRIES)
    return found


class Low(StrEnum):
    """Why a ranked unit counts as low in one period."""

    BELOW_THRESHOLD = "below_threshold"
    BOTTOM = "bottom"  # in the bottom share of a league big enough to have one


@dataclass(frozen=True)
class Rules:
    """The assessment rules in force (from settings), kept with every table they made."""

    weights: dict[str, tuple[float, float, float]]
    weights_default: tuple[float, float, float]
    timeliness: dict[str, tuple[float, float]]
    timeliness_default: tuple[float, float]
    criticism_points: float
    min_sample: int
    threshold: float
    periods: int
    bottom_share: float
    min_league: int
    partly: float = 0.5
    basic: float = 0.8

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(
            weights=dict(settings.composite_weights),
            weights_default=settings.composite_weights_default,
            timeliness=dict(settings.timeliness_weights),
            timeliness_default=settings.timeliness_weights_default,
            criticism_points=settings.criticism_points,
            min_sample=settings.metrics_min_sample,
            threshold=settings.red_flag_threshold,
            periods=settings.red_flag_months,
            bottom_share=settings.red_flag_bottom_share,
            min_league=settings.red_flag_min_league,
            partly=settings.metrics_w_partly,
            basic=settings.metrics_w_basic,
        )

    def weights_for(self, unit_class: UnitClass) -> tuple[float, float, float, float, float]:
        """Response, resolution, satisfaction, on-time sign-for, on-time closure."""
        a, b, c = self.weights.get(unit_class.value, self.weights_default)
        d, e = self.timeliness.get(unit_class.value, self.timeliness_default)
        return a, b, c, d, e

    def bottom_count(self, ranked: int) -> int:
        """How many places at the bottom count as low: none in a league under the minimum."""
        if ranked < self.min_league:
            return 0
        return math.floor(ranked * self.bottom_share)


@dataclass(frozen=True)
class UnitFigures:
    """One unit's counts for one period, as SQL gave them."""

    unit_id: int
    code: str
    name_zh: str
    name_en: str
    unit_class: UnitClass
    window_sector: WindowSector | None
    callbacks: metrics.CallbackRow
    workflow: metrics.WorkflowRow | None
    criticisms: int


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
    on_time_sign_for: float | None
    on_time_closure: float | None
    sign_for_counted: int
    closure_counted: int
    criticisms: int
    composite: float | None
    intervals: dict[str, tuple[float, float] | None]
    ranked: bool  # enough answered callbacks to be ranked
    rank: int | None = None
    change: float | None = None  # composite points against the period before
    low: Low | None = None
    red_flag: bool = False
    flag_reason: Low | None = None  # why the red flag is up (the current period's reason)
    weights: tuple[float, ...] = field(default=())


def composite(
    rates: Sequence[float | None],
    weights: Sequence[float],
    *,
    criticisms: int,
    points: float,
) -> float | None:
    """Σ weight·rate / Σ weight on a 0–100 scale, less `points` per public criticism, never
    under 0. The three callback rates are required; a timeliness rate with nothing to count
    (no work order due) leaves its weight out rather than counting as 0 or 100."""
    if any(r is None for r in rates[:3]):
        return None
    parts = [(r, w) for r, w in zip(rates, weights, strict=True) if r is not None]
    total = sum(w for _, w in parts)
    if total <= 0:
        return None
    score = 100 * sum(r * w for r, w in parts) / total - points * criticisms
    return max(0.0, score)


def standing(figures: UnitFigures, rules: Rules) -> Standing:
    """A unit's figures for a period scored; not yet ranked against its league."""
    w = metrics.Weights(rules.partly, rules.basic)
    row, wf = figures.callbacks, figures.workflow
    r, s, t = row.response(), row.resolution(w), row.satisfaction(w)
    sign = wf.on_time_sign_for() if wf else None
    close = wf.on_time_closure() if wf else None
    weights = rules.weights_for(figures.unit_class)
    intervals = row.intervals(w) | {
        "on_time_sign_for": stats.wilson(wf.signed_on_time, wf.sign_for_counted) if wf else None,
        "on_time_closure": stats.wilson(wf.closed_on_time, wf.closure_counted) if wf else None,
    }
    return Standing(
        unit_id=figures.unit_id,
        code=figures.code,
        name_zh=figures.name_zh,
        name_en=figures.name_en,
        answered=row.answered,
        response=r,
        resolution=s,
        satisfaction=t,
        on_time_sign_for=sign,
        on_time_closure=close,
        sign_for_counted=wf.sign_for_counted if wf else 0,
        closure_counted=wf.closure_counted if wf else 0,
        criticisms=figures.criticisms,
        composite=composite(
            (r, s, t, sign, close),
            weights,
            criticisms=figures.criticisms,
            points=rules.criticism_points,
        ),
        intervals=intervals,
        ranked=row.answered >= rules.min_sample,
        weights=weights,
    )


def _key(value: float | None) -> float:
    # Equal to a millionth of a point is a tie (float sums differ in the last bits).
    return round(value or 0.0, 6)


def rank(standings: Sequence[Standing], rules: Rules) -> list[Standing]:
    """Rank the eligible by composite (ties share a rank) and mark the low ones; the
    unranked follow, by code."""
    eligible = sorted(
        (s for s in standings if s.ranked and s.composite is not None),
        key=lambda s: (-_key(s.composite), s.code),
    )
    ranks: dict[int, int] = {}
    for position, s in enumerate(eligible, start=1):
        before = eligible[position - 2] if position > 1 else None
        tied = before is not None and _key(before.composite) == _key(s.composite)
        ranks[s.unit_id] = ranks[before.unit_id] if tied and before else position
    n = len(eligible)
    bottom = rules.bottom_count(n)
    out = []
    for s in standings:
        place = ranks.get(s.unit_id)
        low: Low | None = None
        if place is not None:
            if (s.composite or 0.0) < rules.threshold:
                low = Low.BELOW_THRESHOLD
            elif bottom and place > n - bottom:
                low = Low.BOTTOM
        out.append(replace(s, rank=place, low=low))
    return sorted(out, key=lambda s: (s.rank is None, s.rank or 0, s.code))


def with_history(
    current: Sequence[Standing], before: Sequence[Sequence[Standing]], rules: Rules
) -> list[Standing]:
    """Change against the period before, and the red flag for units low in this period and
    in each of the (periods - 1) before it; `before` lists ranked tables, latest first."""
    tables = [{s.unit_id: s for s in table} for table in before]
    out = []
    for s in current:
        last = tables[0].get(s.unit_id) if tables else None
        change = (
            s.composite - last.composite
            if s.rank is not None
            and last is not None
            and last.rank is not None
            and s.composite is not None
            and last.composite is not None
            else None
        )
        window = tables[: rules.periods - 1]
        flagged = (
            s.low is not None
            and len(window) == rules.periods - 1
            and all(t.get(s.unit_id) is not None and t[s.unit_id].low for t in window)
        )
        out.append(
            replace(s, change=change, red_flag=flagged, flag_reason=s.low if flagged else None)
        )
    return out
