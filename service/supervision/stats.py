"""Pure arithmetic for supervision: weighted rates, Wilson intervals, exact Poisson intervals
for counts, composites, percentiles, and the hot-topic test (this week above mean + k·σ of the
weeks before)."""

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


def _lower_gamma_regularized(a: float, x: float) -> float:
    """P(a, x), the regularized lower incomplete gamma function (series below a + 1, else
    Lentz's continued fraction for the upper part), as in Numerical Recipes' gammp."""
    if x <= 0:
        return 0.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        while abs(term) > abs(total) * 1e-15:
            n += 1
            term *= x / n
            total += term
        return min(1.0, total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


def _gamma_quantile(a: float, p: float) -> float:
    """The x with P(a, x) = p, by bisection (P rises with x)."""
    low, high = 0.0, a + 20 * math.sqrt(a) + 20
    for _ in range(200):
        mid = (low + high) / 2
        if _lower_gamma_regularized(a, mid) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-10 * max(1.0, high):
            break
    return (low + high) / 2


def poisson(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Garwood) interval for a Poisson mean from an observed count: the chi-square
    quantiles χ²(α/2; 2k)/2 and χ²(1−α/2; 2k+2)/2; a count of 0 has lower bound 0."""
    alpha = 1 - confidence
    low = 0.0 if count <= 0 else _gamma_quantile(count, alpha / 2)
    return low, _gamma_quantile(count + 1, 1 - alpha / 2)


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
