"""The run distribution's figures: percentiles of latency and cost and how they were found.

Records only (computed by :mod:`agentlint.graph.spread`), so that the estimate can
carry them without importing the computation.
"""

from __future__ import annotations

from agentlint.record import Record

#: the simulation's seed
SEED = 20261130
#: the confidence of the simulation's band
CONFIDENCE = 0.95


class Quantity(Record):
    """The distribution of one figure (latency or cost) of a run."""

    __slots__ = ("bound", "error", "method", "values")
    __match_args__ = ("values", "method", "error", "bound")

    #: percentile -> value
    values: dict[int, float]
    #: ``exact`` or ``simulation``
    method: str
    #: exact: the grid's error bound; simulation: the DKW band's half-width (probability)
    error: float
    #: simulation: percentile -> (low, high) values at 95 % confidence
    bound: dict[int, tuple[float, float]]

    def __init__(self, values: dict[int, float], method: str, error: float,
                 bound: dict[int, tuple[float, float]] | None = None) -> None:
        self.values = values
        self.method = method
        self.error = error
        self.bound = {} if bound is None else bound

    def to_json(self, unit: str) -> dict[str, object]:
        out: dict[str, object] = {f"p{p}": v for p, v in self.values.items()}
        out["method"] = self.method
        if self.method == "exact":
            out[f"error_{unit}"] = self.error
        else:
            out["dkw_epsilon"] = self.error
            out["confidence"] = CONFIDENCE
            out["band"] = {f"p{p}": list(b) for p, b in self.bound.items()}
        return out


class Spread(Record):
    """Percentiles of latency and cost per run, and how they were found."""

    __slots__ = ("cost", "latency", "reason", "samples", "seed")
    __match_args__ = ("latency", "cost", "samples", "seed", "reason")

    latency: Quantity | None
    cost: Quantity | None
    samples: int
    seed: int
    #: why no distribution was computed (None: it was)
    reason: str | None

    def __init__(self, latency: Quantity | None, cost: Quantity | None, samples: int = 0,
                 seed: int = SEED, reason: str | None = None) -> None:
        self.latency = latency
        self.cost = cost
        self.samples = samples
        self.seed = seed
        self.reason = reason

    def to_json(self) -> dict[str, object]:
        if self.latency is None or self.cost is None:
            return {"method": "none", "reason": self.reason}
        out: dict[str, object] = {"latency_s": self.latency.to_json("s"),
                                  "cost_usd": self.cost.to_json("usd")}
        if self.samples:
            out["samples"] = self.samples
            out["seed"] = self.seed
        return out
