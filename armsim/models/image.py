"""Managed image (`Microsoft.Compute/images`) captured from a generalized VM, or made of given
disks: snapshots, managed disks or VHD blobs (`storageProfile.osDisk` / `dataDisks`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.ids import Scope
from armsim.models.lifecycle import Lifecycle
from armsim.models.vm import DataDisk


@dataclass
class ManagedImage:
    scope: Scope
    name: str
    location: str
    os_type: str
    os_state: str
    hyper_v_generation: str
    os_disk_size_gb: int
    data_disks: list[DataDisk]
    lifecycle: Lifecycle
    source_vm_id: str | None = None
    os_disk_blob_uri: str | None = None
    os_managed_disk_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    zone_resilient: bool = False
    os_source: dict[str, Any] = field(default_factory=dict)  # {"snapshot"|"managedDisk": {id}} or {"blobUri"}
    os_caching: str = "ReadWrite"
    os_storage_account_type: str = "Standard_LRS"
    data_sources: dict[int, dict[str, Any]] = field(default_factory=dict)  # by lun: source, caching, sku

    @property
    def id(self) -> str:
        return self.scope.image_id(self.name)

    def to_resource(self, now: datetime) -> dict[str, Any]:
        os_disk: dict[str, Any] = {"osType": self.os_type, "osState": self.os_state}
        if self.os_disk_blob_uri:
            os_disk["blobUri"] = self.os_disk_blob_uri
        if self.os_managed_disk_id:
            os_disk["managedDisk"] = {"id": self.os_managed_disk_id}
        os_disk.update(self.os_source)
        os_disk.update({"caching": self.os_caching, "storageAccountType": self.os_storage_account_type})
        os_disk["diskSizeGB"] = self.os_disk_size_gb
        properties: dict[str, Any] = {}
        if self.source_vm_id:
            properties["sourceVirtualMachine"] = {"id": self.source_vm_id}
        properties["storageProfile"] = {
            "osDisk": os_disk,
            "dataDisks": [
                {
                    "lun": d.lun,
                    "caching": "None",
                    "storageAccountType": "Standard_LRS",
                    **self.data_sources.get(d.lun, {}),
                    "diskSizeGB": d.size_gb,
                }
                for d in self.data_disks
            ],
            "zoneResilient": self.zone_resilient,
        }
        properties["provisioningState"] = self.lifecycle.provisioning_state(now)
        properties["hyperVGeneration"] = self.hyper_v_generation
        return {
            "properties": properties,
            "type": "Microsoft.Compute/images",
            "location": self.location,
            "tags": dict(self.tags),
            "id": self.id,
            "name": self.name,
        }
