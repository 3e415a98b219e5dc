"""The replication scenarios of benchmarks 1-4 and the ground truth armsim holds for each.

A scenario is a replication time (10 min, 1 h, 6 h) across 1, 3 or 10 regions. armsim replicates
the gallery's home region first and the others in parallel after it; every other region gets one
more replica than the one before, so regions finish at distinct times (a region-ready lag is only
meaningful when regions do not all finish together). The timing model is set so that the SLOWEST
region completes `replication_seconds` (+ the phase offset) after the version is created.

Phase offsets: round durations (exactly 1 h) end precisely on the 30 s / 60 s grid a fixed-interval
poller reads on, which would hide its lag. Each scenario therefore runs at offsets in the middle
of the grid (15 s and 45 s past it); averaged, a poller with interval P shows its expected lag P/2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from armsim.testing import ArmsimHandle
from bench.errors import ScenarioError
from bench.harness import RESOURCE_GROUP

HOME_REGION = "westeurope"
OTHER_REGIONS = (
    "northeurope",
    "eastus",
    "eastus2",
    "westus2",
    "westus3",
    "centralus",
    "southcentralus",
    "uksouth",
    "swedencentral",
)
OS_DISK_GB = 30
EXTRA_REPLICA_FACTOR = 0.1
VM_NAME = "build-01"
GALLERY = "galbench"
DEFINITION = "ubuntu-base"
VERSION = "1.0.0"
DEPROVISION_SCRIPT = ["waagent -deprovision+user -force"]


PHASE_OFFSETS_SECONDS = (15.0, 45.0)


@dataclass(frozen=True)
class Scenario:
    replication_seconds: float
    region_count: int
    phase_offset_seconds: float = 0.0

    def __post_init__(self) -> None:
        if not self.replication_seconds > 0:
            raise ScenarioError(
                f"replication_seconds: must be > 0 simulated seconds, got {self.replication_seconds!r}"
            )
        if not 1 <= self.region_count <= 1 + len(OTHER_REGIONS):
            raise ScenarioError(
                f"region_count: must be between 1 and {1 + len(OTHER_REGIONS)}, got {self.region_count!r}"
            )
        if not 0 <= self.phase_offset_seconds < 60:
            raise ScenarioError(
                "phase_offset_seconds: must be in [0, 60) simulated seconds, "
                f"got {self.phase_offset_seconds!r}"
            )

    @property
    def total_replication_seconds(self) -> float:
        """Version created -> slowest region Completed."""
        return self.replication_seconds + self.phase_offset_seconds

    def at_offset(self, offset: float) -> Scenario:
        return Scenario(self.replication_seconds, self.region_count, offset)

    @property
    def name(self) -> str:
        return f"{duration_label(self.replication_seconds)} x {self.region_count}"

    @property
    def regions(self) -> list[str]:
        return [HOME_REGION, *OTHER_REGIONS[: self.region_count - 1]]

    def replica_count(self, index: int) -> int:
        """Replicas per region: 1 at home, then 2, 3, ... so each region takes a little longer."""
        return 1 + index

    @property
    def unit_seconds(self) -> float:
        """Replication time of a one-replica region; home + slowest other region = replication_seconds."""
        if self.region_count == 1:
            return self.total_replication_seconds
        slowest_factor = 1.0 + EXTRA_REPLICA_FACTOR * (self.region_count - 1)
        return self.total_replication_seconds / (1.0 + slowest_factor)

    def timings(self) -> dict[str, Any]:
        return {
            "replication_base": 0.0,
            "replication_seconds_per_gb": self.unit_seconds / OS_DISK_GB,
            "replication_extra_replica_factor": EXTRA_REPLICA_FACTOR,
        }

    def target_regions(self) -> list[dict[str, Any]]:
        """Request form (snake_case) of the target regions."""
        return [
            {"name": name, "replica_count": self.replica_count(index)}
            for index, name in enumerate(self.regions)
        ]


def duration_label(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def standard_scenarios(quick: bool = False) -> list[Scenario]:
    durations = (600.0, 3600.0) if quick else (600.0, 3600.0, 21600.0)
    counts = (1, 3) if quick else (1, 3, 10)
    return [Scenario(d, n) for d in durations for n in counts]


def prepare(sim: ArmsimHandle, scenario: Scenario) -> str:
    """Seed the prepared VM and set the replication timing; returns the VM's id."""
    sim.set_timings(**scenario.timings())
    return sim.seed_vm(VM_NAME, location=HOME_REGION, os_type="Linux", os_disk_size_gb=OS_DISK_GB)


def build_request(vm_id: str, scenario: Scenario) -> dict[str, Any]:
    """The product's build request for the scenario (gallery and definition created by the build)."""
    return {
        "source": vm_id,
        "generalize": "deprovision",
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": RESOURCE_GROUP, "name": GALLERY},
            "definition": {"name": DEFINITION, "publisher": "contoso", "offer": "base", "sku": "22_04"},
            "version": VERSION,
            "replication": {"target_regions": scenario.target_regions()},
        },
    }


def region_completions(sim: ArmsimHandle) -> dict[str, datetime]:
    """When armsim finished replicating each region of the scenario's version (its ground truth)."""
    with sim.backend.lock:
        versions = [v for v in sim.backend.versions.values() if v.name == VERSION]
        if len(versions) != 1:
            raise ScenarioError(f"expected one image version {VERSION} in armsim, found {len(versions)}")
        return {r.region.replace(" ", "").lower(): r.settled_at() for r in versions[0].regions()}


def prepare_seconds(sim: ArmsimHandle, *, parallel: bool) -> float:
    """Simulated time of the steps before capture: run command + deallocate, gallery + definition.

    The product runs the VM branch and the gallery branch side by side; a script runs them in turn.
    """
    timing = sim.backend.timing
    vm_branch = timing.run_command + timing.deallocate
    target_branch = timing.gallery_create + timing.definition_create
    return max(vm_branch, target_branch) if parallel else vm_branch + target_branch


def critical_path_seconds(sim: ArmsimHandle, scenario: Scenario, *, parallel: bool) -> float:
    """Sum of the simulated Azure operation durations on the critical path of the approach."""
    return prepare_seconds(sim, parallel=parallel) + scenario.total_replication_seconds
