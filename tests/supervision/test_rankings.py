"""League rules without a database: the composite, ranks, and red flags by league size."""

from __future__ import annotations

import pytest

from service.config import load_settings
from service.places.models import UnitClass, WindowSector
from service.supervision import metrics, rankings
from service.supervision.rankings import League, Low, Rules

RULES = Rules.of(load_settings())


def _figures(
    unit_id: int,
    *,
    satisfied: int = 10,
    answered: int = 10,
    closed_on_time: int = 4,
    criticisms: int = 0,
) -> rankings.UnitFigures:
    return rankings.UnitFigures(
        unit_id=unit_id,
        code=f"U{unit_id:02d}",
        name_zh=f"单位{unit_id}",
        name_en=f"Unit {unit_id}",
        unit_class=UnitClass.MUNICIPAL_DEPARTMENT,
        window_sector=None,
        callbacks=metrics.CallbackRow(unit_id, answered, answered, answered, 0, satisfied, 0),
        workflow=metrics.WorkflowRow(unit_id, 4, 4, 4, closed_on_time, 4, 0, 0, 0),
        criticisms=criticisms,
    )


def test_composite_by_hand() -> None:
    # 10 × 1 + 35 × 1 + 35 × 0.7 + 5 × 1 + 15 × 0.5 = 82, less 2 × 3 criticisms = 76.
    s = rankings.standing(_figures(1, satisfied=7, closed_on_time=2, criticisms=3), RULES)
    assert s.composite == pytest.approx(76.0)
    # Nothing due to count for timeliness: its weights are left out, (10 + 35 + 35) / 80.
    assert rankings.composite(
        (1.0, 1.0, 1.0, None, None), (10, 35, 35, 5, 15), criticisms=0, points=2
    ) == pytest.approx(100.0)
    # A callback rate missing: no composite. Many criticisms: never under 0.
    assert (
        rankings.composite((None, 1, 1, 1, 1), (10, 35, 35, 5, 15), criticisms=0, points=2) is None
    )
    assert rankings.composite((0, 0, 0, 0, 0), (10, 35, 35, 5, 15), criticisms=9, points=2) == 0.0


def test_ties_on_callbacks_are_broken_by_closure_on_time() -> None:
    late = rankings.standing(_figures(1, closed_on_time=0), RULES)
    prompt = rankings.standing(_figures(2, closed_on_time=4), RULES)
    table = rankings.rank([late, prompt], RULES)
    assert [(s.unit_id, s.rank) for s in table] == [(2, 1), (1, 2)]


@pytest.mark.parametrize(
    ("ranked", "bottom"), [(1, 0), (2, 0), (3, 0), (4, 1), (7, 1), (8, 2), (12, 3), (40, 10)]
)
def test_bottom_places_grow_with_the_league(ranked: int, bottom: int) -> None:
    assert RULES.bottom_count(ranked) == bottom


def _month(scores: list[int]) -> list[rankings.Standing]:
    """Units 1..n scoring 85 and above (never under the threshold 80), ranked."""
    return rankings.rank(
        [rankings.standing(_figures(i + 1, satisfied=s), RULES) for i, s in enumerate(scores)],
        RULES,
    )


def test_red_flag_is_the_bottom_quarter_two_months_running() -> None:
    scores = [10, 10, 10, 10, 10, 10, 9, 8]  # satisfied of 10: units 7 and 8 are the bottom two
    now, before = _month(scores), _month(scores)
    flagged = {s.unit_id: s for s in rankings.with_history(now, [before], RULES)}
    assert {i for i, s in flagged.items() if s.red_flag} == {7, 8}
    assert flagged[8].flag_reason is Low.BOTTOM
    assert all(s.composite and s.composite >= 80 for s in flagged.values())
    # Low this month only: no flag.
    fresh = rankings.with_history(now, [_month([9, 8, 10, 10, 10, 10, 10, 10])], RULES)
    assert {s.unit_id for s in fresh if s.red_flag} == set()


@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_small_league_has_no_bottom_places(size: int) -> None:
    scores = [10, 9, 8][:size]
    table = rankings.with_history(_month(scores), [_month(scores)], RULES)
    assert [s.red_flag for s in table] == [False] * size


def test_under_the_threshold_is_low_in_any_league() -> None:
    alone = _month([0])  # satisfaction 0: (10 + 35 + 0 + 5 + 15) = 65 < 80
    (s,) = rankings.with_history(alone, [alone], RULES)
    assert (s.rank, s.red_flag, s.flag_reason) == (1, True, Low.BELOW_THRESHOLD)


def test_leagues_of_a_unit() -> None:
    assert rankings.leagues_of(UnitClass.ENTERPRISE, WindowSector.UTILITY) == [
        League.ENTERPRISES,
        League.WINDOW_INDUSTRIES,
    ]
    assert rankings.leagues_of(UnitClass.DISTRICT_DEPARTMENT, None) == [League.DISTRICT_DEPARTMENTS]
