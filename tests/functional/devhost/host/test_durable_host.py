"""The durable engine inside the host: HTTP starters with the real durable client, and restart."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devhost.clock import VirtualClock
from devhost.testing import running_devhost
from tests.functional.devhost.host.conftest import eventually

pytestmark = pytest.mark.timeout(60)

START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
TIMER_CREATED = 10


def post(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_http_starter_answers_check_status_response_and_orchestration_completes(
    sample: Callable[[str], Path], tmp_path: Path
) -> None:
    store = tmp_path / "hub.sqlite"
    with running_devhost(sample("host_resume"), clock=VirtualClock(START), store_path=store) as host:
        status, headers, body = post(f"{host.base_url}/api/start/quick")
        assert status == 202
        payload = json.loads(body)
        assert payload["id"] == "quick"
        assert headers["Location"] == payload["statusQueryGetUri"]
        assert payload["statusQueryGetUri"].startswith(host.base_url)

        final = host.wait_for_orchestration("quick")
        assert (final.runtime_status, final.output) == ("Completed", "slept 6h")
        with urllib.request.urlopen(payload["statusQueryGetUri"], timeout=10) as response:
            assert json.loads(response.read())["runtimeStatus"] == "Completed"


def test_new_host_on_the_same_store_finishes_an_orchestration_stopped_mid_way(
    sample: Callable[[str], Path], tmp_path: Path
) -> None:
    store = tmp_path / "hub.sqlite"
    # First host: time never moves, so the six-hour durable timer stays pending.
    with running_devhost(sample("host_resume"), clock=VirtualClock(START), store_path=store,
                         auto_advance=False) as first:
        assert post(f"{first.base_url}/api/start/night-run")[0] == 202
        eventually(lambda: any(e["EventType"] == TIMER_CREATED for e in first.engine.history("night-run")))
        running = first.call(first.engine.get_status("night-run"))
        assert running.runtime_status == "Running"

    # Second host, same store: it resumes the instance; the virtual clock jumps to the timer.
    with running_devhost(sample("host_resume"), clock=VirtualClock(START), store_path=store) as second:
        final = second.wait_for_orchestration("night-run")
        assert (final.runtime_status, final.output) == ("Completed", "slept 6h")
