"""Simulated time for armsim.

Every duration armsim models (a deallocation, a replication) is measured on one of these clocks,
and state is derived from `now()` on each request. Tests share a `VirtualClock` between armsim,
the local Functions runner and the SDK transport so that hours of Azure time pass in
milliseconds, deterministically. The protocol is duck-typed on purpose: the local runner
implements it independently and accepts armsim's clock object.
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
    """What armsim (and its peers) need from a clock."""

    virtual: bool

    def now(self) -> datetime:
        """Current simulated time, tz-aware UTC."""
        ...

    def seconds_until(self, t: datetime) -> float:
        """Wall seconds until simulated time `t` (0 if past; math.inf on a virtual clock)."""
        ...

    def advance_to(self, t: datetime) -> None:
        """Move a virtual clock forward to `t`; no-op for real clocks or when `t` is not ahead."""
        ...


def _require_aware(t: datetime, field: str) -> datetime:
    if t.tzinfo is None:
        raise ValueError(f"{field} must be timezone-aware (UTC), got naive datetime {t.isoformat()}")
    return t.astimezone(UTC)


class ScaledClock:
    """Simulated time runs `scale` times faster than wall time from a fixed origin.

    Used for demos: with scale 1200 a two-hour replication plays out in six wall seconds while
    clients still poll on ordinary timers.
    """

    virtual = False

    def __init__(self, scale: float, origin_sim: datetime | None = None, origin_wall: float | None = None):
        if not scale > 0 or math.isinf(scale):
            raise ValueError(f"scale must be a positive finite number, got {scale!r}")
        self.scale = float(scale)
        self.origin_sim = _require_aware(origin_sim or datetime.now(UTC), "origin_sim")
        self.origin_wall = time.time() if origin_wall is None else origin_wall

    def now(self) -> datetime:
        return self.origin_sim + timedelta(seconds=(time.time() - self.origin_wall) * self.scale)

    def seconds_until(self, t: datetime) -> float:
        remaining = (_require_aware(t, "t") - self.now()).total_seconds()
        return max(0.0, remaining / self.scale)

    def advance_to(self, t: datetime) -> None:
        """Wall-driven clocks cannot be moved; the call is accepted and ignored."""

    @property
    def mode(self) -> str:
        return "scaled"


class RealClock(ScaledClock):
    """Simulated time is wall time."""

    def __init__(self) -> None:
        super().__init__(1.0)

    def now(self) -> datetime:
        return datetime.now(UTC)

    @property
    def mode(self) -> str:
        return "real"


class VirtualClock:
    """Time that moves only when told to; thread-safe.

    armsim's server thread reads it while test code, an SDK transport or a local runner advances
    it. Subscribers are called (outside the lock) after each advance, so a runner can fire the
    timers that became due.
    """

    virtual = True
    mode = "virtual"

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _require_aware(start or datetime(2026, 1, 1, tzinfo=UTC), "start")
        self._lock = threading.Lock()
        self._subscribers: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def seconds_until(self, t: datetime) -> float:
        return 0.0 if _require_aware(t, "t") <= self.now() else math.inf

    def advance_to(self, t: datetime) -> None:
        target = _require_aware(t, "t")
        self._move(lambda now: target)

    def advance(self, seconds: float) -> None:
        if not seconds >= 0 or math.isinf(seconds):
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        self._move(lambda now: now + timedelta(seconds=seconds))

    def _move(self, target_from_now: Callable[[datetime], datetime]) -> None:
        """Compute and apply the new time under one lock hold so concurrent advances add up."""
        with self._lock:
            target = target_from_now(self._now)
            if target <= self._now:
                return
            self._now = target
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(target)

    def subscribe(self, callback: Callable[[datetime], None]) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[datetime], None]) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)


def clock_mode(clock: Clock) -> str:
    """'virtual', 'scaled' or 'real' for reporting on the admin API."""
    return str(getattr(clock, "mode", "virtual" if clock.virtual else "real"))


def iso(t: datetime) -> str:
    """ARM's timestamp style: UTC with offset, 7 fractional digits trimmed to microseconds."""
    return t.astimezone(UTC).isoformat()
