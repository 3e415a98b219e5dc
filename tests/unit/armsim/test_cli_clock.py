"""`--clock scaled --origin T`: the clock is anchored at T itself, not at this process's start."""

from __future__ import annotations

from datetime import UTC, datetime

from armsim.__main__ import build_clock
from armsim.clock import ScaledClock


def test_scaled_clock_is_anchored_at_the_origins_wall_instant() -> None:
    origin = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    clock = build_clock("scaled", 60, origin)
    assert isinstance(clock, ScaledClock)
    assert clock.origin_sim == origin and clock.origin_wall == origin.timestamp()
