"""Pure arithmetic for supervision: weighted rates, Wilson intervals, composites, percentiles,
and the hot-topic test (this week above mean + k·σ of the weeks before)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


def rate(successes: float, n: int) -> float | None:
    """successes / n, or None when nothing was counted (a rate of nothing is not zero)."""
    return successes / n if n > 0 else None


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion; weighted (fractional) successes allowed."""
    if n <= 0:
        return None
    p = min(max(successes / n, 0.0), 1.0)
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def composite(
    response: float | None,
    resolution: float | None,
    satisfaction: float | None,
    weights: tuple[float, float, float],
) -> float | None:
    """a·response + b·resolution + c·satisfaction on a 0–100 scale (weights normalised)."""
    if response is None or resolution is None or satisfaction is None:
        return None
    total = sum(weights)
    a, b, c = weights
    return 100 * (a * response + b * resolution + c * satisfaction) / total


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (what PostgreSQL's percentile_cont does)."""
    if not sorted_values:
        return None
    pos = p * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return interpolate(sorted_values[lo], sorted_values[hi], pos - lo)


def interpolate(lo: float, hi: float, fraction: float) -> float:
    return lo + (hi - lo) * fraction


@dataclass(frozen=True)
class Surge:
    count: int
    mean: float
    sd: float
    threshold: float
    score: float  # standard deviations above the usual level


def surge(
    this_week: int, previous: Sequence[int], *, sigmas: float, min_count: int
) -> Surge | None:
    """A surge when this week's count reaches min_count and exceeds mean + sigmas·σ of the
    previous weeks (missing weeks count as zero; σ is the population standard deviation)."""
    if this_week < min_count or not previous:
        return None
    mean = sum(previous) / len(previous)
    sd = math.sqrt(sum((x - mean) ** 2 for x in previous) / len(previous))
    threshold = mean + sigmas * sd
    if this_week <= threshold:
        return None
    score = (this_week - mean) / sd if sd > 0 else float(this_week - mean)
    return Surge(this_week, mean, sd, threshold, score)
