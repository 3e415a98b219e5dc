"""The clocks engines and simulators share."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import pytest

from devhost.clock import Clock, RealClock, ScaledClock, VirtualClock

START = datetime(2024, 5, 1, tzinfo=UTC)


def test_virtual_clock_moves_only_forward_and_tells_subscribers() -> None:
    clock = VirtualClock(START)
    seen: list[datetime] = []
    clock.subscribe(seen.append)
    clock.advance(90)
    clock.advance_to(START)  # the past: ignored
    assert clock.now() == START + timedelta(seconds=90)
    assert seen == [START + timedelta(seconds=90)]
    assert clock.seconds_until(START + timedelta(hours=1)) == math.inf
    assert clock.seconds_until(START) == 0.0
    assert isinstance(clock, Clock)


def test_scaled_clock_runs_faster_than_the_wall() -> None:
    clock = ScaledClock(3600, origin_sim=START, origin_wall=time.time() - 10)
    later = clock.now()
    assert later >= START + timedelta(hours=10)  # ten wall seconds ago, times 3600
    assert clock.seconds_until(later + timedelta(hours=1)) == pytest.approx(1.0, abs=0.05)


def test_clocks_reject_bad_input_naming_the_field() -> None:
    with pytest.raises(ValueError, match="scale"):
        ScaledClock(0)
    with pytest.raises(ValueError, match="start"):
        VirtualClock(datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="seconds"):
        VirtualClock().advance(-1)
    assert RealClock().seconds_until(datetime(2000, 1, 1, tzinfo=UTC)) == 0.0
