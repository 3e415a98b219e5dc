"""What a VM's deletion does to its disks and NICs: each goes with the VM (`deleteOption: Delete`)
or stays behind, detached (`Detach`, Azure's default), when the deletion completes.

Disks are managed disk resources (armsim/models/disk.py): a detached one stays, Unattached, once
the VM is gone (it follows the VM lazily); one the VM names with Delete is deleted with the VM,
gone when the VM is. The VM's delete options are read when its deletion starts, as Azure does.
"""

from __future__ import annotations

from datetime import datetime

from armsim.ids import key
from armsim.models.disk import ManagedDisk
from armsim.models.network import NetworkInterface
from armsim.models.vm import VirtualMachine


def teardown(
    vm: VirtualMachine,
    nics: dict[str, NetworkInterface],
    disks: dict[str, ManagedDisk],
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
    for disk_id, option in vm.disk_delete_options().items():
        disk = disks.get(key(disk_id))
        if disk is None or disk.attached_vm(now) is not vm:
            continue
        if option == "Delete":
            disk.lifecycle.start_delete(now, gone_at)
        # Detach: nothing to do now; the disk is Unattached once the VM is gone (ManagedDisk.settle)
