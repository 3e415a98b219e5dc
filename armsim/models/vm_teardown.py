"""What a VM's deletion does to its disks and NICs: each goes with the VM (`deleteOption: Delete`)
or stays behind, detached (`Detach`, Azure's default), when the deletion completes.

Disks are not served as resources on their own here; the disks a deletion leaves behind are kept
as `DetachedDisk` records (the backend's `detached_disks`), by the id the VM reported for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from armsim.ids import key
from armsim.models.network import NetworkInterface
from armsim.models.vm import VirtualMachine


@dataclass(frozen=True)
class DetachedDisk:
    id: str
    name: str
    location: str
    size_gb: int
    os_type: str | None  # set for an OS disk
    detached_at: datetime
    vm_id: str  # the VM it belonged to


def teardown(
    vm: VirtualMachine,
    nics: dict[str, NetworkInterface],
    detached_disks: dict[str, DetachedDisk],
    now: datetime,
    gone_at: datetime,
) -> None:
    """Apply the VM's delete options as its deletion (ending at `gone_at`) starts."""
    for nic_id in vm.nic_ids():
        nic = nics.get(key(nic_id))
        if nic is None or nic.attached_vm(now) is None or nic.vm_id is None or key(nic.vm_id) != key(vm.id):
            continue
        if nic.delete_option == "Delete":
            nic.lifecycle.start_delete(now, gone_at)
        else:
            nic.detached_at = gone_at
    disks: list[tuple[str, int, str | None, str]] = [
        (vm.os_disk_name(), vm.os_disk_size_gb, vm.os_type, vm.os_disk_delete_option)
    ]
    disks += [
        (f"{vm.name}_DataDisk_{d.lun}", d.size_gb, None, vm.data_disk_delete_options.get(d.lun, "Detach"))
        for d in vm.data_disks
    ]
    for name, size, os_type, option in disks:
        if option == "Detach":
            disk_id = vm.disk_id(name)
            detached_disks[key(disk_id)] = DetachedDisk(
                disk_id, name, vm.location, size, os_type, gone_at, vm.id
            )
