"""Gallery image version: captured disks, publishing profile and replication state.

provisioningState is derived: Creating/Updating while any target region is still replicating
(or an update's minimum time has not passed), then Succeeded, or Failed if a region failed.
A PATCH restarts replication of Failed (and new or changed) regions, which is how Azure users
retry a "Storage allocation failure".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso
from armsim.ids import Scope, region_key
from armsim.models.lifecycle import Lifecycle
from armsim.models.replication import FAILED, RegionReplication, aggregated_state
from armsim.models.validation import VersionValidations
from armsim.models.vm import DataDisk


@dataclass
class TargetRegion:
    name: str
    regional_replica_count: int
    storage_account_type: str
    exclude_from_latest: bool
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. encryption, echoed back

    @property
    def key(self) -> str:
        return region_key(self.name)

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "regionalReplicaCount": self.regional_replica_count,
            "storageAccountType": self.storage_account_type,
        }
        body.update(self.extra)
        body["excludeFromLatest"] = self.exclude_from_latest
        return body


@dataclass
class ImageVersion:
    scope: Scope
    gallery: str
    definition: str
    name: str
    location: str
    source: dict[str, str]  # {"virtualMachineId": id} or {"id": id}
    os_disk_size_gb: int
    data_disks: list[DataDisk]
    target_regions: list[TargetRegion]
    replica_count: int
    storage_account_type: str
    replication_mode: str
    exclude_from_latest: bool
    end_of_life_date: str | None
    safety_profile: dict[str, Any]
    lifecycle: Lifecycle
    published_at: datetime
    replication: dict[str, RegionReplication] = field(default_factory=dict)  # by region key
    phase: str = "Creating"  # "Creating" | "Updating": the state reported until settled
    busy_until: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    storage_account_strategy: str | None = None  # 2025-03-03: replaces the top-level storageAccountType
    storage_profile: dict[str, Any] | None = None  # the storageProfile as captured (sources, sizes, caching)
    validations: VersionValidations | None = None

    @property
    def id(self) -> str:
        return self.scope.version_id(self.gallery, self.definition, self.name)

    @property
    def total_size_gb(self) -> int:
        return self.os_disk_size_gb + sum(d.size_gb for d in self.data_disks)

    def regions(self) -> list[RegionReplication]:
        return [self.replication[t.key] for t in self.target_regions if t.key in self.replication]

    def settled(self, now: datetime) -> bool:
        busy = self.busy_until is not None and now < self.busy_until
        return not busy and all(r.terminal(now) for r in self.regions())

    def failed_regions(self, now: datetime) -> list[RegionReplication]:
        return [r for r in self.regions() if r.state(now) == FAILED]

    def settled_at(self) -> datetime:
        times = [r.settled_at() for r in self.regions()]
        if self.busy_until is not None:
            times.append(self.busy_until)
        return max(times) if times else self.lifecycle.created_at

    def provisioning_state(self, now: datetime) -> str:
        if self.lifecycle.is_deleting(now):
            return "Deleting"
        if not self.settled(now):
            return self.phase
        return "Failed" if self.lifecycle.fails or self.failed_regions(now) else "Succeeded"

    def to_resource(
        self, now: datetime, expand_replication: bool = False, expand_validation: bool = False
    ) -> dict[str, Any]:
        publishing: dict[str, Any] = {
            "targetRegions": [t.to_body() for t in self.target_regions],
            "replicaCount": self.replica_count,
            "excludeFromLatest": self.exclude_from_latest,
            "publishedDate": iso(self.published_at),
        }
        if self.storage_account_strategy is not None:
            publishing["storageAccountStrategy"] = self.storage_account_strategy
        else:
            publishing["storageAccountType"] = self.storage_account_type
        if self.end_of_life_date is not None:
            publishing["endOfLifeDate"] = self.end_of_life_date
        if self.replication_mode != "Full":
            publishing["replicationMode"] = self.replication_mode
        storage: dict[str, Any] = {
            "source": dict(self.source),
            "osDiskImage": {"sizeInGB": self.os_disk_size_gb, "hostCaching": "ReadWrite"},
        }
        if self.data_disks:
            storage["dataDiskImages"] = [
                {"lun": d.lun, "sizeInGB": d.size_gb, "hostCaching": "None"} for d in self.data_disks
            ]
        if self.storage_profile is not None:
            storage = copy.deepcopy(self.storage_profile)
        properties: dict[str, Any] = {
            "publishingProfile": publishing,
            "storageProfile": storage,
            "safetyProfile": {
                "allowDeletionOfReplicatedLocations": True,
                "reportedForPolicyViolation": False,
                "blockDeletionBeforeEndOfLife": False,
                **self.safety_profile,
            },
        }
        if expand_replication:
            properties["replicationStatus"] = {
                "aggregatedState": aggregated_state(self.regions(), now),
                "summary": [r.summary(now) for r in self.regions()],
            }
        if expand_validation and self.validations is not None:
            properties["validationsProfile"] = self.validations.to_body(now)
        properties["provisioningState"] = self.provisioning_state(now)
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Compute/galleries/images/versions",
            "location": self.location,
            "tags": dict(self.tags),
            "properties": properties,
        }
