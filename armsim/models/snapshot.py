"""Snapshot (`Microsoft.Compute/snapshots`) of a managed disk or of another snapshot.

A full snapshot is usable as soon as it is provisioned. An incremental snapshot is provisioned
at once but copies its data in the background: `snapshotAccessState` is Pending and
`completionPercent` grows linearly until the copy ends, then the state is Available (100). A
Pending snapshot cannot be restored, copied or used as an image source.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso
from armsim.ids import Scope
from armsim.models.disk import GIB, SKU_TIERS, DiskFacts
from armsim.models.lifecycle import Lifecycle

PENDING = "Pending"
AVAILABLE = "Available"


@dataclass
class Snapshot:
    scope: Scope
    name: str
    location: str
    facts: DiskFacts
    sku: str
    incremental: bool
    creation_data: dict[str, Any]
    lifecycle: Lifecycle
    copy_ends_at: datetime  # when the (background) copy completes
    unique_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    family_id: str | None = None  # incrementalSnapshotFamilyId: the source disk's unique id
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.scope.prefix}/snapshots/{self.name}"

    def access_state(self, now: datetime) -> str:
        return PENDING if now < self.copy_ends_at else AVAILABLE

    def completion_percent(self, now: datetime) -> float:
        total = (self.copy_ends_at - self.lifecycle.created_at).total_seconds()
        if now >= self.copy_ends_at or total <= 0:
            return 100.0
        done = max(0.0, (now - self.lifecycle.created_at).total_seconds())
        return min(99.9, round(100.0 * done / total, 1))

    def provisioning_state(self, now: datetime) -> str:
        state = self.lifecycle.provisioning_state(now)
        return "Updating" if state == "Creating" else state

    def to_resource(self, now: datetime) -> dict[str, Any]:
        properties: dict[str, Any] = self.facts.properties()
        properties.update(
            {
                "creationData": dict(self.creation_data),
                "diskSizeGB": self.facts.size_gb,
                "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                "incremental": self.incremental,
                "timeCreated": iso(self.lifecycle.created_at),
                "provisioningState": self.provisioning_state(now),
                "diskState": "Unattached",
                "diskSizeBytes": self.facts.size_gb * GIB,
                "uniqueId": self.unique_id,
                "networkAccessPolicy": "AllowAll",
                "snapshotAccessState": self.access_state(now),
            }
        )
        if self.incremental:
            properties["completionPercent"] = self.completion_percent(now)
            if self.family_id:
                properties["incrementalSnapshotFamilyId"] = self.family_id
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Compute/snapshots",
            "location": self.location,
            "tags": dict(self.tags),
            "sku": {"name": self.sku, "tier": SKU_TIERS.get(self.sku, "Standard")},
            "properties": properties,
        }
