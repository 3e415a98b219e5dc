"""A build that failed after capture is started again (rebuild_failed, same instance id) and converges."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from armsim.testing import ArmsimHandle
from bench.harness import register_app
from devhost.durable.engine import DurableEngine
from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request

pytestmark = pytest.mark.timeout(60)

SKIPPED_NOTE = (
    "VM {name!r} is already generalized: the guest work is done, so deprovision, deallocate and "
    "generalize are skipped"
)


async def _run_twice(sim: ArmsimHandle, store: Path, first: BuildRequest, second: BuildRequest) -> list[Any]:
    """Both runs on one task hub, under the one deterministic instance id; faults cleared in between."""
    engine = DurableEngine(store_path=store, clock=sim.clock, auto_advance=True)
    register_app(engine)
    await engine.start()
    try:
        instance_id = instance_id_for(first)
        assert instance_id_for(second) == instance_id
        await engine.start_new("build_image", instance_id, first.model_dump(mode="json"))
        failed = await engine.wait_for_completion(instance_id, 30)
        sim.clear_faults()  # the platform's storage allocation problem went away
        await engine.start_new("build_image", instance_id, second.model_dump(mode="json"))
        again = await engine.wait_for_completion(instance_id, 30)
        return [failed, again]
    finally:
        await engine.stop()


def test_failed_replication_rebuilt_adopts_the_version_and_finishes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with armsim_for_pipeline(monkeypatch, IMAGEFACTORY_REPLICATION_REGION_RETRIES="1") as sim:
        for operation in ("galleryImageVersions.createOrUpdate", "galleryImageVersions.update"):
            sim.set_fault(operation, kind="replication_failure", region="northeurope", remaining=None)
        vm_id = sim.seed_vm(
            "rebuild-01", location="westeurope", os_type="Linux", tags={"imagefactory-allow-delete": "true"}
        )
        document = gallery_request(
            vm_id,
            delete_source_vm=True,
            target={"replication": {"target_regions": [{"name": "northeurope"}]}},
        )
        first = BuildRequest.parse_obj_strict(document, now=sim.clock.now())
        second = BuildRequest.parse_obj_strict({**document, "rebuild_failed": True}, now=sim.clock.now())
        failed, again = asyncio.run(_run_twice(sim, tmp_path / "hub.sqlite3", first, second))
        first_result, result = failed.output, again.output
        assert first_result["status"] == "Failed" and first_result["errors"][0]["code"] == "ReplicationFailed"
        assert first_result["vm"]["fate"] == "kept, generalized"

        assert again.instance_id == failed.instance_id
        assert result["status"] == "Succeeded", result
        assert result["adopted"] is True
        assert {r["name"]: r["state"] for r in result["regions"]} == {
            "westeurope": "Completed",
            "northeurope": "Completed",
        }
        assert result["vm"]["fate"] == "deleted"
        assert SKIPPED_NOTE.format(name="rebuild-01") in result["notes"]
        assert any(note.startswith("replication to northeurope Failed") for note in result["notes"])
        ops = [e.operation for e in sim.requests() if e.kind != "admin"]
        assert ops.count("galleryImageVersions.createOrUpdate") == 1  # adopted, never created twice
        assert ops.count("virtualMachines.runCommand") == 1  # deprovision ran in the first attempt only
        assert ops.count("virtualMachines.generalize") == 1
        assert ops.count("virtualMachines.delete") == 1
        # the re-drive: one PATCH within the first attempt's budget, one by the rebuild
        assert ops.count("galleryImageVersions.update") == 2
        last_update = max(i for i, op in enumerate(ops) if op == "galleryImageVersions.update")
        assert ops.index("virtualMachines.delete") > last_update  # deleted only once verified again


def test_generalized_vm_without_a_version_is_captured_on_rebuild_without_deprovision(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with armsim_for_pipeline(monkeypatch, IMAGEFACTORY_TRANSIENT_RETRY_MAX_ATTEMPTS="1") as sim:
        # the version PUT keeps failing after the VM was generalized: the first attempt fails at capture
        sim.set_fault("galleryImageVersions.createOrUpdate", status=503, remaining=None)
        vm_id = sim.seed_vm("rebuild-02", location="westeurope", os_type="Linux")
        document = gallery_request(vm_id)  # generalize defaults to "deprovision"
        first = BuildRequest.parse_obj_strict(document, now=sim.clock.now())
        second = BuildRequest.parse_obj_strict({**document, "rebuild_failed": True}, now=sim.clock.now())
        failed, again = asyncio.run(_run_twice(sim, tmp_path / "hub.sqlite3", first, second))

        assert failed.output["status"] == "Failed"
        assert failed.output["errors"][0]["phase"] == "capture"
        summary = failed.output["summary"]
        assert summary.startswith("version 1.0.0 was not created; source VM kept, generalized"), summary
        result = again.output
        assert result["status"] == "Succeeded", result
        assert result["adopted"] is False
        assert result["vm"]["fate"] == "kept, generalized"
        assert SKIPPED_NOTE.format(name="rebuild-02") in result["notes"]
        assert not [p for p in result["phases"] if p["name"] in {"deprovision", "deallocate", "generalize"}]
        ops = [e.operation for e in sim.requests() if e.kind != "admin"]
        assert ops.count("virtualMachines.runCommand") == 1
        assert ops.count("virtualMachines.deallocate") == 1
        assert ops.count("virtualMachines.generalize") == 1
        puts = [e for e in sim.requests() if e.operation == "galleryImageVersions.createOrUpdate"]
        assert [e.status for e in puts if e.status < 300] in ([200], [201])


def test_version_left_failed_by_its_own_operation_is_deleted_and_created_again_on_rebuild(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        # Azure accepts the version PUT but its operation ends Failed: the version itself is Failed
        sim.set_fault("galleryImageVersions.createOrUpdate", kind="operation_failed", remaining=1)
        vm_id = sim.seed_vm("rebuild-03", location="westeurope", os_type="Linux")
        document = gallery_request(vm_id, generalize="already_deprovisioned")
        first = BuildRequest.parse_obj_strict(document, now=sim.clock.now())
        second = BuildRequest.parse_obj_strict({**document, "rebuild_failed": True}, now=sim.clock.now())
        failed, again = asyncio.run(_run_twice(sim, tmp_path / "hub.sqlite3", first, second))

        assert failed.output["status"] == "Failed", failed.output
        assert failed.output["replaced"] == []
        result = again.output
        assert result["status"] == "Succeeded", result
        assert result["adopted"] is False
        version_id = result["image_id"]
        assert result["replaced"] == [version_id]
        assert any(
            note.startswith("version 1.0.0 from this source is in provisioningState Failed")
            for note in result["notes"]
        ), result["notes"]
        assert result["vm"]["fate"] == "kept, generalized"
        assert [r["state"] for r in result["regions"]] == ["Completed"]
        ops = [e.operation for e in sim.requests() if e.kind != "admin"]
        assert ops.count("galleryImageVersions.delete") == 1
        assert ops.count("galleryImageVersions.createOrUpdate") == 2
        assert "virtualMachines.delete" not in ops
        stored = list(sim.backend.versions.values())
        assert [(v.name, v.provisioning_state(sim.clock.now())) for v in stored] == [("1.0.0", "Succeeded")]
