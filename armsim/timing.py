"""How long simulated operations take, in simulated seconds.

Defaults are the durations real Azure reported (operation `endTime - startTime`) in the recorded
traffic under ../shared/azure-recordings: VM create 54 s, runCommand 40 s, powerOff 11 s, start
8 s, deallocate 23 s, VM delete 0.4 s, image from blob 21 s, gallery and definition create/delete
under a second, a one-region version of a 200 GB disk (ZRS, 2 replicas) 676 s, a version update
150 s, a version delete 90 s, an empty disk 0.1 s and a full snapshot of a 200 GB disk 0.8 s
(polled 2 s later). The SDK saw them as ~30 s polls (notes/arm-compute.md). Retry-After
matches the poll spacing seen there: 30 s, 60 s for image versions and 2 s for disk operations.
Not recorded, chosen: an incremental snapshot's background copy (base + per GB), and the Trusted
Launch validation of a version (at least an hour, per the 2025-03-03 documentation).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from armsim.errors import ConfigError

STORAGE_FACTORS: dict[str, float] = {
    "standard_lrs": 1.0,
    "standard_zrs": 1.25,
    "premium_lrs": 1.4,
    "premiumv2_lrs": 1.4,
}


@dataclass
class TimingModel:
    vm_create: float = 54.0
    deallocate: float = 23.0
    power_off: float = 11.0
    start: float = 8.0
    vm_delete: float = 1.0
    run_command: float = 40.0
    # After provisioning (and each start/restart) until the guest agent reports Ready; CRP waits at most
    # 40 minutes for a guest to signal OS provisioning before failing with OSProvisioningTimedOut.
    vm_agent_ready: float = 30.0
    os_provisioning_timeout: float = 2400.0
    sysprep: float = 300.0
    image_capture: float = 21.0
    image_delete: float = 20.0
    gallery_create: float = 1.0
    gallery_delete: float = 1.0
    definition_create: float = 1.0
    definition_delete: float = 1.0
    definition_update: float = 1.0
    gallery_share: float = 1.0
    version_delete: float = 90.0
    version_update_min: float = 150.0
    disk_create: float = 1.0
    disk_delete: float = 1.0
    snapshot_create: float = 1.0
    snapshot_delete: float = 1.0
    incremental_copy_base: float = 120.0
    incremental_copy_seconds_per_gb: float = 3.0
    trusted_launch_validation: float = 3600.0
    # Replication of one region: base + per-GB cost, scaled by storage SKU and replica count.
    replication_base: float = 120.0
    replication_seconds_per_gb: float = 2.0
    replication_extra_replica_factor: float = 0.1
    shallow_factor: float = 0.05
    storage_factors: dict[str, float] = field(default_factory=lambda: dict(STORAGE_FACTORS))
    # Retry-After (simulated seconds) on 202s and in-progress operation polls.
    retry_after_compute: float = 30.0
    retry_after_gallery: float = 30.0
    retry_after_version: float = 60.0
    retry_after_disk: float = 2.0

    def replication_seconds(
        self, size_gb: float, replica_count: int, storage_account_type: str, shallow: bool
    ) -> float:
        """Time to replicate one region. Shallow replication copies nothing, so it is nearly free."""
        sku = STORAGE_FACTORS.get(storage_account_type.lower(), 1.0)
        sku = self.storage_factors.get(storage_account_type.lower(), sku)
        copy = size_gb * self.replication_seconds_per_gb * sku
        copy *= 1.0 + self.replication_extra_replica_factor * max(0, replica_count - 1)
        seconds = self.replication_base + copy
        return seconds * self.shallow_factor if shallow else seconds

    def incremental_copy_seconds(self, size_gb: float) -> float:
        return self.incremental_copy_base + size_gb * self.incremental_copy_seconds_per_gb

    def update(self, values: dict[str, Any]) -> None:
        """Apply admin overrides; unknown names and non-positive numbers are refused by name."""
        known = {f.name: f for f in dataclasses.fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ConfigError(f"timings.{name}: unknown timing; known: {', '.join(sorted(known))}")
            if name == "storage_factors":
                if not isinstance(value, dict):
                    raise ConfigError("timings.storage_factors: must be an object of SKU -> factor")
                for sku, factor in value.items():
                    self.storage_factors[str(sku).lower()] = _non_negative(f"storage_factors.{sku}", factor)
                continue
            setattr(self, name, _non_negative(name, value))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"timings.{name}: must be a number of simulated seconds, got {value!r}")
    number = float(value)
    if number < 0 or math.isnan(number) or math.isinf(number):
        raise ConfigError(f"timings.{name}: must be a finite number >= 0, got {value!r}")
    return number
