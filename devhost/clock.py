"""Clocks shared by devhost and the simulators.

Simulated Azure operations and durable timers must agree on what "now" is, so every component
takes a clock object instead of calling ``datetime.now``. A virtual clock lets a test run six hours
of replication in milliseconds; a scaled clock lets a demo run them in minutes; the real clock is
what production-like runs use. Only the members of :class:`Clock` may be relied upon, because
other packages pass their own clock objects that merely have the same shape.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """The duck-typed clock contract (kept minimal so foreign clocks can satisfy it)."""

    virtual: bool

    def now(self) -> datetime:
        """Current simulated time, timezone-aware UTC."""
        ...

    def seconds_until(self, t: datetime) -> float:
        """Wall seconds until simulated time ``t``: 0 when past, ``math.inf`` for virtual clocks."""
        ...

    def advance_to(self, t: datetime) -> None:
        """Move a virtual clock forward to ``t`` (no-op when ``t`` is not in the future)."""
        ...


def _require_aware(t: datetime, field: str) -> datetime:
    if t.tzinfo is None:
        raise ValueError(f"{field}: must be a timezone-aware datetime (naive datetimes are ambiguous)")
    return t.astimezone(UTC)


class RealClock:
    """Wall-clock time; timers wait for real."""

    virtual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def seconds_until(self, t: datetime) -> float:
        return max(0.0, (_require_aware(t, "t") - self.now()).total_seconds())

    def advance_to(self, t: datetime) -> None:
        """Real time cannot be moved; waiting is the only way forward."""


class ScaledClock:
    """Simulated time running ``scale`` times faster than the wall clock.

    sim = origin_sim + (time.time() - origin_wall) * scale, so a six-hour operation at scale 360
    takes one wall minute while keeping all durations proportionate.
    """

    virtual = False

    def __init__(self, scale: float, origin_sim: datetime | None = None, origin_wall: float | None = None):
        if not scale > 0:
            raise ValueError(f"scale: must be a positive number, got {scale!r}")
        self.scale = float(scale)
        self.origin_sim = _require_aware(origin_sim, "origin_sim") if origin_sim else datetime.now(UTC)
        self.origin_wall = time.time() if origin_wall is None else origin_wall

    def now(self) -> datetime:
        return self.origin_sim + timedelta(seconds=(time.time() - self.origin_wall) * self.scale)

    def seconds_until(self, t: datetime) -> float:
        return max(0.0, (_require_aware(t, "t") - self.now()).total_seconds() / self.scale)

    def advance_to(self, t: datetime) -> None:
        """A scaled clock follows the wall clock; it cannot jump."""


class VirtualClock:
    """Time that moves only when told to; thread-safe.

    Subscribers are called after each forward move so components that sleep on simulated time
    (durable timers, simulated long-running operations) can re-check what became due.
    """

    virtual = True

    def __init__(self, start: datetime | None = None):
        self._now = _require_aware(start, "start") if start else datetime(2024, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def seconds_until(self, t: datetime) -> float:
        return 0.0 if _require_aware(t, "t") <= self.now() else math.inf

    def advance_to(self, t: datetime) -> None:
        target = _require_aware(t, "t")
        with self._lock:
            if target <= self._now:
                return
            self._now = target
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(target)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"seconds: must not be negative, got {seconds!r}")
        self.advance_to(self.now() + timedelta(seconds=seconds))

    def subscribe(self, callback: Callable[[datetime], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[datetime], None]) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
