"""Whole gallery builds through the real durable replay against armsim (one shared virtual clock)."""

from __future__ import annotations

from typing import Any

import pytest

from armsim.testing import VirtualTimeTransport
from imagefactory.azure_client import compute_client
from tests.functional.pipeline.harness import (
    RG,
    SUB,
    armsim_for_pipeline,
    gallery_request,
    run_build,
)

pytestmark = pytest.mark.timeout(60)

WRITES = {"write", "action", "delete"}


def _ops(sim: Any) -> list[str]:
    return [entry.operation for entry in sim.requests() if entry.kind != "admin"]


def test_linux_build_creates_gallery_definition_and_version(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm(
            "build-01", location="westeurope", os_type="Linux", data_disks=[{"lun": 0, "size_gb": 64}]
        )
        run = run_build(sim, gallery_request(vm_id))
        result = run.output
        assert run.runtime_status.endswith("Completed"), result
        assert result["status"] == "Succeeded", result
        assert result["version"] == "1.0.0"
        assert result["vm"]["fate"] == "kept, generalized"
        assert result["vm"]["point_of_no_return"]
        assert [d["lun"] for d in result["data_disks"]] == [0]
        assert [r["name"] for r in result["regions"]] == ["westeurope"]
        assert result["regions"][0]["state"] == "Completed" and result["regions"][0]["ready_at"]
        assert result["published"]["published"] is False
        assert "not published" in result["published"]["reason"]
        ops = _ops(sim)
        for expected in (
            "virtualMachines.runCommand",
            "virtualMachines.deallocate",
            "galleries.createOrUpdate",
            "galleryImages.createOrUpdate",
            "virtualMachines.generalize",
            "galleryImageVersions.createOrUpdate",
        ):
            assert expected in ops, expected
        assert ops.index("virtualMachines.generalize") < ops.index("galleryImageVersions.createOrUpdate")
        assert {p["name"] for p in result["phases"]} >= {
            "inspect",
            "deprovision",
            "deallocate",
            "target",
            "capture",
        }


def _seed_definition(sim: Any, *, os_type: str = "Linux", os_state: str = "Generalized") -> None:
    client = compute_client(SUB, sim.endpoint, transport=VirtualTimeTransport(sim.clock))
    client.galleries.begin_create_or_update(RG, "gal01", {"location": "westeurope"}).result()  # type: ignore[call-overload]
    client.gallery_images.begin_create_or_update(
        RG,
        "gal01",
        "ubuntu-base",
        {  # type: ignore[call-overload]
            "location": "westeurope",
            "properties": {
                "osType": os_type,
                "osState": os_state,
                "hyperVGeneration": "V2",
                "identifier": {"publisher": "contoso", "offer": "base", "sku": "22_04"},
            },
        },
    ).result()


def test_existing_gallery_several_regions_with_own_replicas_and_skus(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        _seed_definition(sim)
        vm_id = sim.seed_vm("build-02", location="westeurope", os_type="Linux", hyper_v_generation="V2")
        request = gallery_request(
            vm_id,
            target={
                "replication": {
                    "replica_count": 2,
                    "storage_account_type": "Standard_ZRS",
                    "target_regions": [
                        {"name": "northeurope", "replica_count": 3, "storage_account_type": "Premium_LRS"},
                        {"name": "eastus", "replica_count": 1},
                    ],
                }
            },
        )
        run = run_build(sim, request)
        result = run.output
        assert result["status"] == "Succeeded", result
        regions = {r["name"]: r for r in result["regions"]}
        assert set(regions) == {"westeurope", "northeurope", "eastus"}
        assert regions["northeurope"]["replica_count"] == 3
        assert regions["northeurope"]["storage_account_type"] == "Premium_LRS"
        assert regions["eastus"]["storage_account_type"] == "Standard_ZRS"
        assert regions["westeurope"]["replica_count"] == 2
        assert all(r["state"] == "Completed" and r["ready_at"] for r in regions.values())
        ops = _ops(sim)
        creates = [op for op in ops if op in {"galleries.createOrUpdate", "galleryImages.createOrUpdate"}]
        assert len(creates) == 2  # only the two made by the fixture above
        assert run.custom_status["regions"] and run.custom_status["status"] == "Succeeded"


def test_incompatible_definition_fails_before_touching_the_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        _seed_definition(sim, os_type="Windows")
        vm_id = sim.seed_vm("build-03", location="westeurope", os_type="Linux", hyper_v_generation="V2")
        since = sim.requests()[-1].seq
        run = run_build(sim, gallery_request(vm_id))
        result = run.output
        assert result["status"] == "Failed"
        assert result["vm"]["fate"] == "kept" and result["vm"]["generalized"] is False
        assert any(e["code"] == "os_type_mismatch" for e in result["errors"]), result["errors"]
        product = [e for e in sim.requests(since) if e.kind != "admin"]
        assert product and all(e.kind == "read" for e in product), [(e.kind, e.operation) for e in product]


def test_windows_build_waits_for_sysprep_then_deletes_the_opted_in_vm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm(
            "win-01",
            location="westeurope",
            os_type="Windows",
            tags={"imagefactory-allow-delete": "true"},
        )
        request = gallery_request(
            vm_id,
            delete_source_vm=True,
            target={"definition": {"name": "win2022", "publisher": "contoso", "offer": "win", "sku": "2022"}},
        )
        run = run_build(sim, request)
        result = run.output
        assert result["status"] == "Succeeded", result
        assert result["vm"]["fate"] == "deleted"
        run_commands = [e for e in sim.requests() if e.operation == "virtualMachines.runCommand"]
        assert len(run_commands) >= 2  # sysprep, then at least one read of the image state
        assert "virtualMachines.delete" in _ops(sim)


def test_specialized_capture_restarts_the_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("spec-01", location="westeurope", os_type="Linux")
        request = gallery_request(
            vm_id,
            generalize="none",
            restart_source_after_capture=True,
            target={"definition": {"name": "spec", "publisher": "c", "offer": "o", "sku": "s"}},
        )
        result = run_build(sim, request).output
        assert result["status"] == "Succeeded", result
        assert result["vm"]["fate"] == "restarted" and result["vm"]["generalized"] is False
        ops = _ops(sim)
        assert "virtualMachines.generalize" not in ops and "virtualMachines.runCommand" not in ops
        assert "virtualMachines.start" in ops


def test_shallow_replication_build(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("shallow-01", location="westeurope", os_type="Linux")
        request = gallery_request(
            vm_id,
            generalize="already_deprovisioned",
            target={"replication": {"mode": "Shallow", "target_regions": [{"name": "northeurope"}]}},
        )
        result = run_build(sim, request).output
        assert result["status"] == "Succeeded", result
        assert result["replication_mode"] == "Shallow"
        assert "virtualMachines.runCommand" not in _ops(sim)


def test_same_request_twice_makes_one_version(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        vm_id = sim.seed_vm("twice-01", location="westeurope", os_type="Linux")
        first = run_build(sim, gallery_request(vm_id)).output
        second = run_build(sim, gallery_request(vm_id)).output
        assert first["status"] == second["status"] == "Succeeded", (first, second)
        assert second["adopted"] is True and second["version"] == first["version"]
        puts = [e for e in sim.requests() if e.operation == "galleryImageVersions.createOrUpdate"]
        assert len(puts) == 1


def test_explicit_version_made_from_another_vm_is_a_conflict_before_touching_the_vm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with armsim_for_pipeline(monkeypatch) as sim:
        first_vm = sim.seed_vm("owner-01", location="westeurope", os_type="Linux")
        assert run_build(sim, gallery_request(first_vm)).output["status"] == "Succeeded"
        other_vm = sim.seed_vm("other-01", location="westeurope", os_type="Linux")
        since = sim.requests()[-1].seq
        result = run_build(sim, gallery_request(other_vm)).output  # same explicit version 1.0.0
        assert result["status"] == "Failed", result
        assert result["vm"]["fate"] == "kept" and result["vm"]["generalized"] is False
        assert result["vm"]["deallocated"] is False
        assert any("1.0.0" in e["message"] and "owner-01" in e["message"] for e in result["errors"]), result
        product = [e for e in sim.requests(since) if e.kind != "admin"]
        # nothing written: not the VM (no deprovision, deallocate, generalize), not the version
        assert product and all(e.kind == "read" for e in product), [(e.kind, e.operation) for e in product]
