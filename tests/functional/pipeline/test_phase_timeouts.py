"""Every phase is bounded by its timeout setting; a timeout names the phase, the setting and what exists."""

from __future__ import annotations

from typing import Any

import pytest

from armsim.testing import ArmsimHandle
from tests.functional.pipeline.harness import armsim_for_pipeline, gallery_request, run_build

pytestmark = pytest.mark.timeout(60)


def _operations(sim: ArmsimHandle) -> list[str]:
    return [entry.operation for entry in sim.requests() if entry.kind != "admin"]


def _phase(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in result["phases"] if p["name"] == name)


def test_deallocation_that_never_finishes_times_out_and_keeps_the_vm(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch, IMAGEFACTORY_TIMEOUT_DEALLOCATE_SECONDS="600") as sim:
        sim.set_timings(deallocate=10_000_000.0)  # the VM stays "deallocating" for months
        vm_id = sim.seed_vm(
            "stuck-01", location="westeurope", os_type="Linux", tags={"imagefactory-allow-delete": "true"}
        )
        result = run_build(sim, gallery_request(vm_id, delete_source_vm=True)).output

        assert result["status"] == "Failed"
        assert result["errors"] == [
            {
                "phase": "deallocate",
                "code": "PhaseTimeout",
                "message": "deallocate did not finish within 600 s (IMAGEFACTORY_TIMEOUT_DEALLOCATE_SECONDS)",
            }
        ]
        # waited for the setting's bound (simulated), not for the months the VM would take
        assert _phase(result, "deallocate")["duration_seconds"] == pytest.approx(600, abs=60)
        ops = _operations(sim)
        assert "virtualMachines.delete" not in ops
        assert "virtualMachines.generalize" not in ops
        assert "galleryImageVersions.createOrUpdate" not in ops
        assert result["vm"] == {
            "id": vm_id,
            "fate": "kept",
            "deprovisioned": True,
            "generalized": False,
            "deallocated": False,
            "point_of_no_return": None,
        }
        assert sorted(c.rsplit("/", 2)[-2] for c in result["created"]) == ["galleries", "images"]
        assert result["summary"] == (
            "version 1.0.0 was not created; source VM kept, deprovisioned (not generalized); "
            "created gallery gal01, definition ubuntu-base "
            "(PhaseTimeout: deallocate did not finish within 600 s (IMAGEFACTORY_TIMEOUT_DEALLOCATE_SECONDS))"
        )


def test_replication_past_its_timeout_fails_with_the_version_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    with armsim_for_pipeline(monkeypatch, IMAGEFACTORY_TIMEOUT_REPLICATION_SECONDS="3600") as sim:
        sim.set_timings(replication_seconds_per_gb=30.0)  # 512 GB: hours per region
        vm_id = sim.seed_vm(
            "slow-01",
            location="westeurope",
            os_type="Linux",
            os_disk_size_gb=512,
            tags={"imagefactory-allow-delete": "true"},
        )
        request = gallery_request(
            vm_id, delete_source_vm=True, target={"replication": {"target_regions": [{"name": "eastus"}]}}
        )
        result = run_build(sim, request).output

        assert result["status"] == "Failed"
        assert result["errors"][0] == {
            "phase": "replication",
            "code": "PhaseTimeout",
            "message": "replication did not finish within 3600 s (IMAGEFACTORY_TIMEOUT_REPLICATION_SECONDS)",
        }
        assert _phase(result, "replication")["duration_seconds"] == pytest.approx(3600, abs=120)
        regions = {r["name"]: r for r in result["regions"]}
        assert set(regions) == {"westeurope", "eastus"}
        assert all(r["state"] == "Replicating" and r["ready_at"] is None for r in regions.values())
        assert 0 < regions["westeurope"]["progress"] < 100
        ops = _operations(sim)
        assert "galleryImageVersions.delete" not in ops, "the half-replicated version must be kept"
        assert "virtualMachines.delete" not in ops, "an unverified image never costs the VM"
        assert result["vm"]["fate"] == "kept, generalized"
        assert result["version"] == "1.0.0"
        progress = regions["westeurope"]["progress"]
        assert result["summary"].startswith(
            f"version 1.0.0 exists, replication not finished in westeurope ({progress} %), eastus (0 %); "
            "source VM kept, generalized (PhaseTimeout:"
        ), result["summary"]
        assert result["created"] and "created" not in result["summary"]
