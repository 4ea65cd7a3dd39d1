"""Rates, Wilson intervals, composites, percentiles and surges: checked against hand figures."""

from __future__ import annotations

import pytest

from service.supervision import stats


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Hand-computed with z = 1.96 (e.g. 8/10: centre 0.7156, half 0.2257).
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (5, 10, 0.2366, 0.7634),
        (1, 1, 0.2065, 1.0),
        (45, 100, 0.3560, 0.5476),
        (7.4, 10, 0.4329, 0.9139),  # weighted: 6 satisfied + 2 × 0.7 basically; centre 0.6734
    ],
)
def test_wilson_interval(successes: float, n: int, low: float, high: float) -> None:
    interval = stats.wilson(successes, n)
    assert interval is not None
    assert interval[0] == pytest.approx(low, abs=5e-4)
    assert interval[1] == pytest.approx(high, abs=5e-4)


def test_no_sample_has_no_rate_and_no_interval() -> None:
    assert stats.rate(0, 0) is None
    assert stats.wilson(0, 0) is None


@pytest.mark.parametrize(
    ("r", "s", "t", "weights", "expected"),
    [
        (1.0, 1.0, 1.0, (10, 45, 45), 100.0),
        (0.8, 0.6, 0.5, (10, 45, 45), 8 + 27 + 22.5),
        (0.8, 0.6, 0.5, (30, 35, 35), 24 + 21 + 17.5),
        (0.8, 0.6, 0.5, (1, 1, 2), 100 * (0.8 + 0.6 + 1.0) / 4),
        (None, 0.6, 0.5, (10, 45, 45), None),
    ],
)
def test_composite(r, s, t, weights, expected) -> None:  # type: ignore[no-untyped-def]
    assert stats.composite(r, s, t, weights) == (
        None if expected is None else pytest.approx(expected)
    )


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 0.5, None),
        ([4.0], 0.9, 4.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([1.0, 2.0, 3.0, 4.0], 0.9, 3.7),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 0.5, 30.0),
        ([10.0, 20.0, 30.0, 40.0, 50.0], 0.9, 46.0),
    ],
)
def test_percentile_interpolates_like_percentile_cont(values, p, expected) -> None:  # type: ignore[no-untyped-def]
    assert stats.percentile(values, p) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("this_week", "previous", "surging"),
    [
        (12, [2, 3, 2, 3, 2, 3, 2, 3], True),  # mean 2.5, σ 0.5, threshold 3.5
        (3, [0] * 8, False),  # below the minimum count
        (5, [0] * 8, True),  # from nothing to the minimum is a surge
        (6, [5, 6, 7, 5, 6, 7, 5, 6], False),  # its usual level
        (9, [5, 6, 7, 5, 6, 7, 5, 6], True),  # mean 5.875, σ 0.7806, threshold 7.44
    ],
)
def test_surge(this_week: int, previous: list[int], surging: bool) -> None:
    found = stats.surge(this_week, previous, sigmas=2.0, min_count=5)
    assert (found is not None) is surging


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [(0, 0.0, 3.688879), (1, 0.025318, 5.571643), (10, 4.795389, 18.390356)],
)
def test_exact_poisson_interval(count: int, low: float, high: float) -> None:
    # The chi-square quantiles χ²(0.025; 2k)/2 and χ²(0.975; 2k+2)/2 from the tables.
    got = stats.poisson(count)
    assert got == (pytest.approx(low, abs=1e-5), pytest.approx(high, abs=1e-5))


def test_poisson_interval_matches_scipy_for_large_counts() -> None:
    chi2 = pytest.importorskip("scipy.stats").chi2
    for count in (57, 400, 5000):
        low, high = stats.poisson(count)
        assert low == pytest.approx(chi2.ppf(0.025, 2 * count) / 2, rel=1e-8)
        assert high == pytest.approx(chi2.ppf(0.975, 2 * count + 2) / 2, rel=1e-8)
