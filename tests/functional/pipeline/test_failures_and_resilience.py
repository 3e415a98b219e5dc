"""Builds under replication failures, throttling storms and an engine restart mid-replication."""

from __future__ import annotations

import pytest

from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request, run_build

pytestmark = pytest.mark.timeout(60)


def test_region_that_keeps_failing_fails_the_build_and_keeps_the_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch, IMAGEFACTORY_REPLICATION_REGION_RETRIES="1") as sim:
        sim.set_fault("galleryImageVersions.createOrUpdate", kind="replication_failure", region="northeurope")
        sim.set_fault(
            "galleryImageVersions.update", kind="replication_failure", region="northeurope", remaining=None
        )
        vm_id = sim.seed_vm(
            "fail-01", location="westeurope", os_type="Linux", tags={"imagefactory-allow-delete": "true"}
        )
        request = gallery_request(
            vm_id,
            delete_source_vm=True,
            target={"replication": {"target_regions": [{"name": "northeurope"}]}},
        )
        result = run_build(sim, request).output
        assert result["status"] == "Failed"
        assert result["vm"]["fate"] == "kept, generalized"
        assert result["summary"].startswith(
            "version 1.0.0 exists, replication Failed in northeurope; source VM kept, generalized"
        ), result["summary"]
        assert result["errors"][0]["code"] == "ReplicationFailed"
        assert "virtualMachines.delete" not in [e.operation for e in sim.requests()]
        patches = [e for e in sim.requests() if e.operation == "galleryImageVersions.update"]
        assert len(patches) == 1


def test_region_that_fails_once_succeeds_after_a_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        sim.set_fault("galleryImageVersions.createOrUpdate", kind="replication_failure", region="northeurope")
        vm_id = sim.seed_vm("retry-01", location="westeurope", os_type="Linux")
        request = gallery_request(
            vm_id, target={"replication": {"target_regions": [{"name": "northeurope"}]}}
        )
        result = run_build(sim, request).output
        assert result["status"] == "Succeeded", result
        regions = {r["name"]: r for r in result["regions"]}
        assert regions["northeurope"]["retries"] == 1 and regions["northeurope"]["state"] == "Completed"
        assert any("retry 1 started" in note for note in result["notes"])


def test_throttling_and_server_error_storm_is_ridden_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        sim.set_fault("virtualMachines.get", status=429, retry_after=20, remaining=3)
        sim.set_fault("virtualMachines.deallocate", status=503, remaining=2)
        sim.set_fault("galleryImageVersions.get", status=500, remaining=3)
        sim.set_fault("galleryImageVersions.createOrUpdate", status=429, retry_after=60, remaining=2)
        vm_id = sim.seed_vm("storm-01", location="westeurope", os_type="Linux")
        result = run_build(sim, gallery_request(vm_id)).output
        assert result["status"] == "Succeeded", result
        statuses = [e.status for e in sim.requests() if e.kind != "admin"]
        assert statuses.count(429) >= 5 and statuses.count(503) >= 2 and statuses.count(500) >= 3
        puts = [e for e in sim.requests() if e.operation == "galleryImageVersions.createOrUpdate"]
        assert [e.status for e in puts][-1] in (200, 201)


def test_managed_image_build(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm(
            "img-01", location="westeurope", os_type="Linux", data_disks=[{"lun": 1, "size_gb": 32}]
        )
        request = {
            "source": vm_id,
            "generalize": "already_deprovisioned",
            "target": {"kind": "managed_image", "resource_group": "rg-images", "name": "img-01-image"},
        }
        result = run_build(sim, request).output
        assert result["status"] == "Succeeded", result
        assert result["target_kind"] == "managed_image"
        assert result["image_id"].endswith("/images/img-01-image")
        assert [d["lun"] for d in result["data_disks"]] == [1]
        assert result["vm"]["fate"] == "kept, generalized"
