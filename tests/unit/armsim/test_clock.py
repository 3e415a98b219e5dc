"""Clocks: virtual time moves only when told, thread-safely; scaled time runs `scale` times faster."""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from armsim.clock import Clock, RealClock, ScaledClock, VirtualClock

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_virtual_clock_moves_only_forward_and_notifies_subscribers():
    clock = VirtualClock(START)
    seen: list[datetime] = []
    clock.subscribe(seen.append)
    clock.advance(30)
    clock.advance_to(START)  # in the past: no-op, no notification
    clock.advance_to(START + timedelta(minutes=5))
    assert clock.now() == START + timedelta(minutes=5)
    assert seen == [START + timedelta(seconds=30), START + timedelta(minutes=5)]


def test_virtual_clock_seconds_until_is_zero_or_infinite():
    clock = VirtualClock(START)
    assert clock.seconds_until(START) == 0
    assert clock.seconds_until(START - timedelta(seconds=1)) == 0
    assert math.isinf(clock.seconds_until(START + timedelta(seconds=1)))


def test_concurrent_advances_all_count():
    clock = VirtualClock(START)

    def worker() -> None:
        for _ in range(500):
            clock.advance(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == START + timedelta(seconds=2000)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf")])
def test_advance_rejects_bad_durations(bad: float):
    with pytest.raises(ValueError, match="seconds"):
        VirtualClock(START).advance(bad)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        VirtualClock(datetime(2026, 1, 1))


def test_scaled_clock_maps_wall_to_simulated_time():
    wall = time.time()
    clock = ScaledClock(1200, START, wall - 3)  # three wall seconds ago
    elapsed = (clock.now() - START).total_seconds()
    assert 3600 <= elapsed < 3600 + 1200  # one simulated hour, plus at most a wall second of test time
    target = clock.now() + timedelta(seconds=2400)
    assert 1.5 < clock.seconds_until(target) <= 2.0
    clock.advance_to(target + timedelta(days=1))  # accepted and ignored
    assert clock.now() < target


@pytest.mark.parametrize("scale", [0, -5, float("inf")])
def test_scaled_clock_rejects_bad_scales(scale: float):
    with pytest.raises(ValueError, match="scale"):
        ScaledClock(scale, START)


def test_all_clocks_satisfy_the_protocol():
    for clock in (RealClock(), ScaledClock(10, START), VirtualClock(START)):
        assert isinstance(clock, Clock)
        assert clock.now().tzinfo is not None
