"""`--clock scaled --origin T`: the clock is anchored at T itself, not at this process's start."""

from __future__ import annotations

from datetime import UTC, datetime

from devhost.__main__ import make_clock
from devhost.clock import ScaledClock


def test_scaled_clock_is_anchored_at_the_origins_wall_instant() -> None:
    # armsim anchors the same way: two processes started seconds apart with one --origin agree,
    # instead of drifting apart by (start gap x scale) simulated seconds.
    origin = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    clock = make_clock("scaled", 60, origin)
    assert isinstance(clock, ScaledClock)
    assert clock.origin_sim == origin and clock.origin_wall == origin.timestamp()
