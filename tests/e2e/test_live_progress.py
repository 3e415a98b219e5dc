"""GET /api/builds/{id} shows per-region replication progress live, while replication runs.

The build orchestration records region progress only when the replication monitor returns (so its
own history stays small however long replication takes); the status API reads the monitor's own
custom status in between, so an operator sees the regions move.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.e2e.stack import Stack, gallery_request
from tests.e2e.test_http_api import held_clock

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def slow_replication(stack: Stack) -> Iterator[None]:
    """Each region replicates for about three simulated hours (restored afterwards)."""
    before = stack.sim.backend.timing.replication_base
    stack.sim.set_timings(replication_base=3 * 3600.0)
    try:
        yield
    finally:
        stack.sim.set_timings(replication_base=before)


def _parent_progress(stack: Stack, build_id: str) -> dict[str, int]:
    custom = stack.status(build_id).custom_status or {}
    return {r["name"]: r["progress"] for r in custom.get("regions", [])}


@pytest.mark.usefixtures("slow_replication")
def test_status_shows_region_progress_while_the_monitor_runs(stack: Stack) -> None:
    vm_id = stack.seed_vm("vm-live-progress")
    document = gallery_request(vm_id, "7.0.0", generalize="already_deprovisioned")
    with held_clock(stack):
        started = stack.http("POST", "builds", json=document)
        assert started.status_code == 202, started.text
        build_id = started.json()["build_id"]

        def fresher_than_the_build() -> dict[str, Any] | None:
            stack.sim.advance(120)
            view: dict[str, Any] = stack.http("GET", f"builds/{build_id}").json()
            shown = {r["name"]: r["progress"] for r in view["regions"]}
            parent = _parent_progress(stack, build_id)
            if view["phase"] == "replication" and any(shown.values()) and not any(parent.values()):
                return view
            return None

        view = stack.wait_until(fresher_than_the_build, "progress shown while the monitor runs")
        assert view["status"] == "Running"
        assert {r["name"] for r in view["regions"]} == {"westeurope", "northeurope", "eastus"}
        assert all(0 <= r["progress"] < 100 for r in view["regions"])
        assert all(r["state"] == "Replicating" for r in view["regions"])

        def with_an_estimate() -> dict[str, Any] | None:
            stack.sim.advance(120)
            regions = stack.http("GET", f"builds/{build_id}").json()["regions"]
            return next((r for r in regions if r.get("earliest_ready_at") and r["progress"] < 100), None)

        # once the monitor has seen a region move twice, the status says when it can be ready at the
        # soonest: a build system can plan its first deployment around it
        region = stack.wait_until(with_an_estimate, "a region's earliest ready time")
        estimate = datetime.fromisoformat(region["earliest_ready_at"])

    final = stack.wait_for_build(build_id)
    assert final.output["status"] == "Succeeded", final.output
    # the estimate is a lower bound: the region was not ready before it
    ready = next(r["ready_at"] for r in final.output["regions"] if r["name"] == region["name"])
    assert datetime.fromisoformat(ready) >= estimate
