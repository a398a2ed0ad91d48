"""Seeded percentile bootstrap over records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RESAMPLES = 1000
SEED = 20260801

Statistic = Callable[[npt.NDArray[np.int64]], float]


@dataclass(frozen=True)
class Interval:
    point: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"point": self.point, "low": self.low, "high": self.high}


def mean_statistic(values: npt.ArrayLike) -> Statistic:
    """The mean of per-record values, for resampled record indices."""
    arr = np.asarray(values, dtype=np.float64)
    return lambda idx: float(arr[idx].mean())


def ratio_statistic(numerator: npt.ArrayLike, denominator: npt.ArrayLike) -> Statistic:
    """sum(numerator) / sum(denominator) over resampled records: a metric over a subset of the
    records (item rows, rows answered NONE, NONE rows) resampled with all the records. NaN for a
    resample without a single denominator row (the interval ignores those resamples)."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)

    def statistic(idx: npt.NDArray[np.int64]) -> float:
        total = float(den[idx].sum())
        return float(num[idx].sum()) / total if total else float("nan")

    return statistic


def bootstrap_ci(
    n: int,
    statistic: Statistic,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = 0.95,
) -> Interval:
    """Point estimate on all `n` records and the percentile interval over `resamples` resamples.

    The interval is widened to contain the point estimate, which a skewed statistic can leave
    just outside the percentiles. Resamples where the statistic is undefined (NaN) are left out.
    """
    if n == 0:
        return Interval(0.0, 0.0, 0.0)
    point = statistic(np.arange(n, dtype=np.int64))
    rng = np.random.default_rng(seed)
    draws = np.array([statistic(rng.integers(0, n, size=n, dtype=np.int64)) for _ in range(resamples)])
    draws = draws[~np.isnan(draws)]
    if not len(draws):
        return Interval(point, point, point)
    tail = (1.0 - level) / 2 * 100
    low, high = (float(x) for x in np.percentile(draws, [tail, 100 - tail]))
    return Interval(point, min(low, point), max(high, point))
