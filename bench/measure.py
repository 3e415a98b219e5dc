"""Pure arithmetic over what a run recorded: request counts by kind, readiness lags, ratios, medians.

Kept free of I/O so the numbers the tables show are checked by unit tests.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from bench.errors import BenchError

REQUEST_KINDS = ("read", "write", "delete", "action", "async_poll")


class _Logged(Protocol):
    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class RequestCounts:
    """ARM requests a pipeline sent, by armsim's kind (admin calls are the bench's own, not counted)."""

    read: int = 0
    write: int = 0
    delete: int = 0
    action: int = 0
    async_poll: int = 0

    @property
    def total(self) -> int:
        return self.read + self.write + self.delete + self.action + self.async_poll

    @classmethod
    def from_log(cls, entries: Iterable[_Logged]) -> RequestCounts:
        counts = dict.fromkeys(REQUEST_KINDS, 0)
        for entry in entries:
            if entry.kind in counts:
                counts[entry.kind] += 1
        return cls(**counts)

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "total": self.total}


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator; a zero denominator is a measurement error, not infinity."""
    if denominator == 0:
        raise BenchError(f"ratio {numerator!r} / 0: the reference measurement is zero")
    return numerator / denominator


def median(values: Sequence[float]) -> float:
    if not values:
        raise BenchError("median of no measurements")
    return float(statistics.median(values))


def mean(values: Sequence[float]) -> float:
    if not values:
        raise BenchError("mean of no measurements")
    return float(statistics.fmean(values))


@dataclass(frozen=True)
class ReadinessLag:
    """Seconds between a region's simulated completion and the moment it was reported ready."""

    by_region: dict[str, float]

    @property
    def mean(self) -> float:
        return mean(list(self.by_region.values()))

    @property
    def max(self) -> float:
        return max(self.by_region.values())

    @classmethod
    def between(cls, completed: Mapping[str, datetime], reported: Mapping[str, datetime]) -> ReadinessLag:
        missing = sorted(set(completed) - set(reported))
        if missing:
            raise BenchError(f"regions completed but never reported ready: {', '.join(missing)}")
        return cls({region: (reported[region] - done).total_seconds() for region, done in completed.items()})

    @classmethod
    def all_at(cls, completed: Mapping[str, datetime], reported_at: datetime) -> ReadinessLag:
        """A script reports every region at once, when its single wait returns."""
        return cls.between(completed, dict.fromkeys(completed, reported_at))


def average_dicts(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Field-by-field mean of numeric fields (nested dicts too); other fields are taken from the first."""
    if not items:
        raise BenchError("average of no measurements")
    first = items[0]
    out: dict[str, Any] = {}
    for key, value in first.items():
        values = [item[key] for item in items]
        if isinstance(value, bool) or not isinstance(value, int | float | dict):
            out[key] = value
        elif isinstance(value, dict):
            out[key] = average_dicts(values)
        else:
            out[key] = mean([float(v) for v in values])
    return out
