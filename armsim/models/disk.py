"""Managed disk (`Microsoft.Compute/disks`): a VM's OS and data disks, or a standalone disk.

A disk attached to a VM follows the VM lazily: `diskState` is Attached while the VM is allocated,
Reserved while it is deallocated, and Unattached once the VM is gone. What a VM's deletion does
to its disks (deleteOption Delete: they go with it) is applied in armsim/models/vm_teardown.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso
from armsim.ids import Scope
from armsim.models.lifecycle import Lifecycle
from armsim.models.vm import DEALLOCATED, VirtualMachine

GIB = 1024**3
SKU_TIERS = {
    "Standard_LRS": "Standard",
    "StandardSSD_LRS": "Standard",
    "StandardSSD_ZRS": "Standard",
    "Premium_LRS": "Premium",
    "Premium_ZRS": "Premium",
    "PremiumV2_LRS": "Premium",
    "UltraSSD_LRS": "Ultra",
}
# VM security type -> the disk's securityProfile.securityType (Standard has no security profile).
DISK_SECURITY = {
    "TrustedLaunch": "TrustedLaunch",
    "ConfidentialVM": "ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey",
}


def vm_security_of(disk_security: str | None) -> str:
    """A disk's securityProfile.securityType read back as the VM security type it boots."""
    if not disk_security:
        return "Standard"
    return "ConfidentialVM" if disk_security.lower().startswith("confidentialvm") else disk_security


@dataclass
class DiskFacts:
    """What a disk or snapshot tells about the image it holds (None: the resource does not say)."""

    size_gb: int
    os_type: str | None = None
    hyper_v_generation: str | None = None
    architecture: str | None = None
    security_type: str = "Standard"  # as a VM's securityType

    def properties(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if self.os_type:
            body["osType"] = self.os_type
        if self.hyper_v_generation:
            body["hyperVGeneration"] = self.hyper_v_generation
        if self.architecture:
            body["supportedCapabilities"] = {"architecture": self.architecture}
        if self.security_type != "Standard":
            body["securityProfile"] = {
                "securityType": DISK_SECURITY.get(self.security_type, self.security_type)
            }
        return body


@dataclass
class ManagedDisk:
    scope: Scope
    name: str
    location: str
    facts: DiskFacts
    sku: str
    creation_data: dict[str, Any]
    lifecycle: Lifecycle
    vm: VirtualMachine | None = None  # the VM it is attached to
    unique_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.scope.prefix}/disks/{self.name}"

    def settle(self, now: datetime) -> None:
        """Follow the VM: detached once it is gone."""
        if self.vm is not None and self.vm.lifecycle.is_gone(now):
            self.vm = None

    def attached_vm(self, now: datetime) -> VirtualMachine | None:
        self.settle(now)
        return self.vm

    def disk_state(self, now: datetime) -> str:
        vm = self.attached_vm(now)
        if vm is None:
            return "Unattached"
        return "Reserved" if vm.power_state(now) == DEALLOCATED else "Attached"

    def attached_to_running_vm(self, now: datetime) -> VirtualMachine | None:
        vm = self.attached_vm(now)
        return vm if vm is not None and vm.power_state(now) != DEALLOCATED else None

    def provisioning_state(self, now: datetime) -> str:
        state = self.lifecycle.provisioning_state(now)
        return "Updating" if state == "Creating" else state  # disks report Updating while created

    def to_resource(self, now: datetime) -> dict[str, Any]:
        properties: dict[str, Any] = self.facts.properties()
        properties.update(
            {
                "creationData": dict(self.creation_data),
                "diskSizeGB": self.facts.size_gb,
                "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                "timeCreated": iso(self.lifecycle.created_at),
                "provisioningState": self.provisioning_state(now),
                "diskState": self.disk_state(now),
                "diskSizeBytes": self.facts.size_gb * GIB,
                "uniqueId": self.unique_id,
                "networkAccessPolicy": "AllowAll",
            }
        )
        body: dict[str, Any] = {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Compute/disks",
            "location": self.location,
            "tags": dict(self.tags),
            "sku": {"name": self.sku, "tier": SKU_TIERS.get(self.sku, "Standard")},
            "properties": properties,
        }
        vm = self.attached_vm(now)
        if vm is not None:
            body["managedBy"] = vm.id
        return body


def _image_source(vm: VirtualMachine) -> tuple[str, str] | None:
    """(creationData key, id) of the image a VM's disks were created from: a gallery image
    version (the exact one `latest` resolved to, for a definition reference) or a managed image."""
    reference = vm.image_reference or {}
    image_id = reference.get("id")
    if not image_id:
        return None
    image_id = str(image_id)
    if "/galleries/" not in image_id.lower():
        return "imageReference", image_id
    if "/versions/" not in image_id.lower() and reference.get("exactVersion"):
        image_id = f"{image_id}/versions/{reference['exactVersion']}"
    return "galleryImageReference", image_id


def _creation_data(vm: VirtualMachine, lun: int | None) -> dict[str, Any]:
    source = _image_source(vm)
    if source is None:
        return {"createOption": "FromImage" if lun is None else "Empty"}
    field_name, image_id = source
    reference: dict[str, Any] = {"id": image_id} if lun is None else {"id": image_id, "lun": lun}
    return {"createOption": "FromImage", field_name: reference}


def disks_of_vm(vm: VirtualMachine, lifecycle_at: datetime, ready_at: datetime) -> list[ManagedDisk]:
    """The managed disks a VM's storage profile names: its OS disk (with the VM's OS type,
    generation, architecture and security type) and its data disks; a VM created from an image
    has them FromImage (data disks by lun), a seeded VM's data disks are Empty."""
    os_facts = DiskFacts(
        vm.os_disk_size_gb, vm.os_type, vm.hyper_v_generation, vm.architecture, vm.security_type
    )
    disks = [
        ManagedDisk(
            scope=vm.scope,
            name=vm.os_disk_name(),
            location=vm.location,
            facts=os_facts,
            sku="Premium_LRS",
            creation_data=_creation_data(vm, None),
            lifecycle=Lifecycle(lifecycle_at, ready_at),
            vm=vm,
        )
    ]
    for data in vm.data_disks:
        disks.append(
            ManagedDisk(
                scope=vm.scope,
                name=vm.data_disk_name(data.lun),
                location=vm.location,
                facts=DiskFacts(data.size_gb),
                sku="Premium_LRS",
                creation_data=_creation_data(vm, data.lun),
                lifecycle=Lifecycle(lifecycle_at, ready_at),
                vm=vm,
            )
        )
    return disks
