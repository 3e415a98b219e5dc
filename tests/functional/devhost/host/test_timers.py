"""Timer triggers: schedules on a virtual clock, runOnStartup, past-due runs, firing on demand."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devhost.clock import VirtualClock
from devhost.testing import running_devhost
from tests.functional.devhost.host.conftest import eventually, records

pytestmark = pytest.mark.timeout(60)

NIGHT_BEFORE = datetime(2024, 3, 1, 1, 59, 50, tzinfo=UTC)


def record_to(path: Path) -> dict[str, str]:
    return {"SAMPLE_RECORD_FILE": str(path)}


def firings(path: Path, function: str) -> list[dict[str, Any]]:
    return [f for f in records(path) if f["function"] == function]


def test_schedule_fires_when_the_virtual_clock_reaches_it(
    sample: Callable[[str], Path], record_file: Path
) -> None:
    clock = VirtualClock(NIGHT_BEFORE)
    with running_devhost(sample("host_timer"), clock=clock, settings=record_to(record_file)):
        eventually(lambda: firings(record_file, "on_startup"))
        assert firings(record_file, "nightly") == []

        clock.advance_to(datetime(2024, 3, 1, 2, 0, 0, tzinfo=UTC))
        first = eventually(lambda: firings(record_file, "nightly"))
        assert first[0]["past_due"] is False
        assert first[0]["status"]["Next"] == "2024-03-02T02:00:00+00:00"

        # Jumping over a night and a half: one run, flagged past due, as after host downtime.
        clock.advance_to(datetime(2024, 3, 2, 5, 0, 0, tzinfo=UTC))
        runs = eventually(lambda: [r for r in [firings(record_file, "nightly")] if len(r) >= 2])[0]
        assert runs[1]["past_due"] is True
        assert runs[1]["status"]["Next"] == "2024-03-03T02:00:00+00:00"
        assert len(firings(record_file, "on_startup")) == 1


def test_run_on_startup_fires_once_at_start(sample: Callable[[str], Path], record_file: Path) -> None:
    with running_devhost(
        sample("host_timer"), clock=VirtualClock(NIGHT_BEFORE), settings=record_to(record_file)
    ):
        started = eventually(lambda: firings(record_file, "on_startup"))
        assert started == [{"function": "on_startup", "past_due": False}]


def test_schedule_comes_from_the_named_setting(sample: Callable[[str], Path], record_file: Path) -> None:
    clock = VirtualClock(NIGHT_BEFORE)
    settings = {"NIGHTLY_SCHEDULE": "*/30 * * * * *", **record_to(record_file)}  # every 30 seconds
    with running_devhost(sample("host_timer"), clock=clock, settings=settings) as host:
        assert "nightly: timerTrigger schedule */30 * * * * *" in host.host.describe()
        clock.advance_to(datetime(2024, 3, 1, 2, 0, 0, tzinfo=UTC))
        assert eventually(lambda: firings(record_file, "nightly"))[0]["past_due"] is False


def test_admin_endpoint_fires_a_timer_on_demand(sample: Callable[[str], Path], record_file: Path) -> None:
    with running_devhost(
        sample("host_timer"), clock=VirtualClock(NIGHT_BEFORE), settings=record_to(record_file)
    ) as host:
        prepared = urllib.request.Request(
            f"{host.base_url}/admin/functions/nightly",
            data=json.dumps({"input": ""}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(prepared, timeout=10) as response:
            assert response.status == 202
        fired = eventually(lambda: firings(record_file, "nightly"))
        assert fired[0]["past_due"] is False


def test_fire_timer_helper_runs_it_and_returns_its_result(
    sample: Callable[[str], Path], record_file: Path
) -> None:
    with running_devhost(
        sample("host_timer"), clock=VirtualClock(NIGHT_BEFORE), settings=record_to(record_file)
    ) as host:
        result = host.fire_timer("nightly")
        assert result.return_value is None
        assert len(firings(record_file, "nightly")) == 1
