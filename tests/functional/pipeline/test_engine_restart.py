"""The engine stops while a version is provably mid-replication; a new engine on the same task hub
finishes the build without creating a second version."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from armsim.testing import ArmsimHandle, VirtualTimeTransport
from bench.harness import register_app
from devhost.durable.engine import DurableEngine
from imagefactory.azure_client import compute_client
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.functional.pipeline.harness import RG, SUB, armsim_for_pipeline, gallery_request

pytestmark = pytest.mark.timeout(60)

STEP_SECONDS = 30.0
MAX_STEPS = 400


def _replication_states(sim: ArmsimHandle) -> dict[str, str]:
    """Azure's own view of the version's replication, read beside the pipeline."""
    client = compute_client(SUB, sim.endpoint, transport=VirtualTimeTransport(sim.clock))
    version = client.gallery_image_versions.get(
        RG, "gal01", "ubuntu-base", "1.0.0", expand="ReplicationStatus"
    )
    status = version.replication_status
    assert status is not None and status.summary is not None
    return {str(item.region): str(getattr(item.state, "value", item.state)) for item in status.summary}


def _version_exists(sim: ArmsimHandle) -> bool:
    puts = [e for e in sim.requests() if e.operation == "galleryImageVersions.createOrUpdate"]
    return any(e.status in (200, 201) for e in puts)


async def _run_until_mid_replication(sim: ArmsimHandle, store: Path, request: BuildRequest) -> dict[str, Any]:
    """Drive the first engine by hand (no auto-advance), step by step, and stop it at the first
    moment the monitor has polled while replication is still running. Returns what was seen then."""
    instance_id = instance_id_for(request)
    engine = DurableEngine(store_path=store, clock=sim.clock, auto_advance=False)
    register_app(engine)
    await engine.start()
    try:
        await engine.start_new("build_image", instance_id, request.model_dump(mode="json"))
        for _ in range(MAX_STEPS):
            await engine.run_until_idle(10)
            build = await engine.get_status(instance_id)
            assert build is not None
            monitor_id = (build.custom_status or {}).get("monitor_instance_id")
            monitor = await engine.get_status(monitor_id) if monitor_id else None
            polls = (monitor.custom_status or {}).get("polls", 0) if monitor is not None else 0
            if polls >= 1 and _version_exists(sim):
                return {
                    "build_status": build.runtime_status,
                    "phase": build.custom_status["phase"],
                    "polls": polls,
                    "replication": _replication_states(sim),
                    "inflight": engine.inflight_activities,
                }
            sim.advance(STEP_SECONDS)
        raise AssertionError("the build never reached a replication poll")
    finally:
        await engine.stop()


async def _finish(sim: ArmsimHandle, store: Path, instance_id: str) -> Any:
    engine = DurableEngine(store_path=store, clock=sim.clock, auto_advance=True)
    register_app(engine)
    await engine.start()
    try:
        return await engine.wait_for_completion(instance_id, 30)
    finally:
        await engine.stop()


def test_engine_stopped_mid_replication_resumes_with_one_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = tmp_path / "hub.sqlite3"
    with armsim_for_pipeline(monkeypatch) as sim:
        sim.set_timings(replication_seconds_per_gb=30.0)
        vm_id = sim.seed_vm("restart-01", location="westeurope", os_type="Linux", os_disk_size_gb=512)
        request = BuildRequest.parse_obj_strict(
            gallery_request(vm_id, target={"replication": {"target_regions": [{"name": "eastus"}]}}),
            now=sim.clock.now(),
        )
        instance_id = instance_id_for(request)

        seen = asyncio.run(_run_until_mid_replication(sim, store, request))
        assert seen["build_status"] == "Running"
        assert seen["phase"] == "replication"
        assert seen["polls"] >= 1
        assert seen["inflight"] == 0
        assert set(seen["replication"]) == {"westeurope", "eastus"}
        assert set(seen["replication"].values()) <= {"Replicating", "Unknown"}, seen["replication"]
        print(f"stopped after {seen['polls']} monitor poll(s); replication then: {seen['replication']}")
        requests_at_stop = len(sim.requests())

        status = asyncio.run(_finish(sim, store, instance_id))
        assert status.runtime_status == "Completed"
        result = status.output
        assert result["status"] == "Succeeded", result
        assert result["version"] == "1.0.0"
        assert result["image_id"].endswith("/galleries/gal01/images/ubuntu-base/versions/1.0.0")
        assert {r["name"]: r["state"] for r in result["regions"]} == {
            "westeurope": "Completed",
            "eastus": "Completed",
        }
        assert all(r["ready_at"] for r in result["regions"])
        assert result["vm"]["fate"] == "kept, generalized"
        puts = [e for e in sim.requests() if e.operation == "galleryImageVersions.createOrUpdate"]
        assert len(puts) == 1
        # the second engine resumed watching: it read the version again rather than starting over
        resumed = sim.requests(requests_at_stop)
        assert any(e.operation == "galleryImageVersions.get" for e in resumed)
        assert not any(e.operation == "virtualMachines.generalize" for e in resumed)
