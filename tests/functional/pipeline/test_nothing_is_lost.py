"""Principle 3 (nothing is lost) and Retry-After, checked on whole builds.

Deletion needs verified + asked + opt-in tag, re-checked against Azure at the moment of deleting;
a transient failure waits at least the Retry-After Azure sent, on a durable timer.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pytest

from armsim.testing import ArmsimHandle
from bench.harness import register_app
from devhost.durable.engine import DurableEngine
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request, run_build

pytestmark = pytest.mark.timeout(60)

TAG = "imagefactory-allow-delete"
TASK_COMPLETED, TASK_SCHEDULED, TIMER_CREATED = 5, 4, 10


def _operations(sim: ArmsimHandle) -> list[str]:
    return [entry.operation for entry in sim.requests() if entry.kind != "admin"]


def test_tag_removed_during_replication_keeps_the_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("lost-01", location="westeurope", os_type="Linux", tags={TAG: "true"})

        def owner_changes_their_mind(_now: datetime) -> None:
            # once the version exists, someone removes the opt-in tag from the VM
            if "galleryImageVersions.createOrUpdate" in _operations(sim):
                with sim.backend.lock:
                    for vm in sim.backend.vms.values():
                        vm.tags.pop(TAG, None)

        sim.clock.subscribe(owner_changes_their_mind)  # type: ignore[attr-defined]
        result = run_build(sim, gallery_request(vm_id, delete_source_vm=True)).output

        assert "virtualMachines.delete" not in _operations(sim)
        assert result["vm"]["fate"] == "kept, generalized"
        assert result["regions"][0]["state"] == "Completed"
        assert result["errors"] == [
            {
                "phase": "cleanup",
                "code": "DeletionNotAllowed",
                "message": f"source VM kept: VM 'lost-01' does not carry the tag {TAG}=true (any more)",
            }
        ]
        assert result["summary"].startswith("version 1.0.0 exists; source VM kept, generalized")


def test_no_opt_in_tag_stops_before_anything_is_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("lost-02", location="westeurope", os_type="Linux")
        result = run_build(sim, gallery_request(vm_id, delete_source_vm=True)).output
        assert result["status"] == "Failed"
        assert [e["code"] for e in result["errors"]] == ["delete_opt_in_missing"]
        writes = [e for e in sim.requests() if e.kind != "admin" and e.method != "GET"]
        assert writes == []


def test_delete_asked_opted_in_and_verified_deletes_after_replication(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("lost-03", location="westeurope", os_type="Linux", tags={TAG: "true"})
        request = gallery_request(
            vm_id, delete_source_vm=True, target={"replication": {"target_regions": [{"name": "eastus"}]}}
        )
        result = run_build(sim, request).output
        assert result["status"] == "Succeeded", result
        assert result["vm"]["fate"] == "deleted"
        ops = _operations(sim)
        assert ops.count("virtualMachines.delete") == 1
        last_version_read = max(i for i, op in enumerate(ops) if op == "galleryImageVersions.get")
        assert ops.index("virtualMachines.delete") > last_version_read


def _history_of(sim: ArmsimHandle, request: BuildRequest) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        engine = DurableEngine(store_path=None, clock=sim.clock, auto_advance=True)
        register_app(engine)
        await engine.start()
        try:
            instance_id = instance_id_for(request)
            await engine.start_new("build_image", instance_id, request.model_dump(mode="json"))
            status = await engine.wait_for_completion(instance_id, 30)
            assert status.output["status"] == "Succeeded", status.output
            return engine.history(instance_id)
        finally:
            await engine.stop()

    return asyncio.run(run())


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_throttled_call_waits_at_least_the_retry_after_on_a_durable_timer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        sim.set_fault("virtualMachines.get", status=429, retry_after=240, remaining=1)
        vm_id = sim.seed_vm("throttled-01", location="westeurope", os_type="Linux")
        request = BuildRequest.parse_obj_strict(gallery_request(vm_id), now=sim.clock.now())
        history = _history_of(sim, request)

        throttled = [
            e
            for e in history
            if e["EventType"] == TASK_COMPLETED and json.loads(e["Result"]).get("ok") is False
        ]
        assert len(throttled) == 1
        error = json.loads(throttled[0]["Result"])["error"]
        assert error["status"] == 429 and error["retry_after"] == 240
        after = history[history.index(throttled[0]) + 1 :]
        timer = next(e for e in after if e["EventType"] == TIMER_CREATED)
        waited = (_time(timer["FireAt"]) - _time(timer["Timestamp"])).total_seconds()
        assert waited >= 240  # the default backoff would be 5 s
        retried = next(e for e in after if e["EventType"] == TASK_SCHEDULED)
        assert retried["Name"] == "read_vm" and after.index(retried) > after.index(timer)
