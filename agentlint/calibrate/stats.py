"""Streaming statistics in bounded memory: exact counts and means, quantiles from a
fixed-size uniform sample.

:class:`Stat` keeps the count and the sum of every value it is given and a
uniform random sample (Vitter's algorithm R, seeded, so a run is reproducible)
of at most :data:`RESERVOIR` of them. Quantiles are read from the sample: for
``n <= RESERVOIR`` values they are exact; beyond, the rank of the value read
for quantile ``q`` is off by at most ``sqrt(q (1 - q) / RESERVOIR)`` in one
standard deviation (0.34 percentile points at the 95th percentile).
"""

from __future__ import annotations

import math
import random

#: values kept per figure for its quantiles
RESERVOIR = 4096
#: one standard deviation of the rank error of the 95th percentile, in percentile points
P95_RANK_ERROR = 100 * math.sqrt(0.95 * 0.05 / RESERVOIR)


class Stat:
    """Count, mean and quantiles of a stream of numbers."""

    __slots__ = ("count", "rng", "sample", "total")

    def __init__(self, seed: int = 0) -> None:
        self.count = 0
        self.total = 0.0
        self.sample: list[float] = []
        self.rng = random.Random(seed)

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        if len(self.sample) < RESERVOIR:
            self.sample.append(value)
            return
        slot = self.rng.randrange(self.count)
        if slot < RESERVOIR:
            self.sample[slot] = value

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0..1) of the values, by linear interpolation."""
        if not self.sample:
            return 0.0
        ordered = sorted(self.sample)
        at = q * (len(ordered) - 1)
        low = math.floor(at)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (at - low)

    @property
    def median(self) -> float:
        return self.quantile(0.5)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)


class Line:
    """A least-squares line ``y = a + b x`` fitted to a stream of points."""

    __slots__ = ("n", "sx", "sxx", "sxy", "sy")

    def __init__(self) -> None:
        self.n = 0
        self.sx = self.sy = self.sxx = self.sxy = 0.0

    def add(self, x: float, y: float) -> None:
        self.n += 1
        self.sx += x
        self.sy += y
        self.sxx += x * x
        self.sxy += x * y

    def fit(self) -> tuple[float, float] | None:
        """``(a, b)``, or None when the points do not fix a line."""
        if self.n < 3:
            return None
        spread = self.n * self.sxx - self.sx * self.sx
        if spread <= 1e-9 * max(1.0, self.n * self.sxx):
            return None
        b = (self.n * self.sxy - self.sx * self.sy) / spread
        return (self.sy - b * self.sx) / self.n, b
