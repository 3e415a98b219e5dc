"""Seeding VMs directly, the way a build system leaves a prepared VM behind for the factory.

A seeded VM's OS and data disks become managed disks (`Microsoft.Compute/disks`) attached to it;
`os_disk_delete_option` and each data disk's `delete_option` (Detach, the default, or Delete) say
what deleting the VM does to them.
"""

from __future__ import annotations

from typing import Any

from armsim.backend import Backend
from armsim.errors import ArmError, ConfigError
from armsim.ids import Scope, check_subscription, key
from armsim.models.disk import disks_of_vm
from armsim.models.vm import (
    DEALLOCATED,
    HYPER_V_GENERATIONS,
    OS_TYPES,
    RUNNING,
    SECURITY_TYPES,
    STOPPED,
    DataDisk,
    VirtualMachine,
)

SEED_FIELDS = {
    "subscription",
    "resource_group",
    "name",
    "location",
    "os_type",
    "power_state",
    "generalized",
    "os_disk_size_gb",
    "data_disks",
    "hyper_v_generation",
    "security_type",
    "tags",
    "vm_size",
    "architecture",
    "os_disk_delete_option",
}
DELETE_OPTIONS = ("Detach", "Delete")


def _choice(
    spec: dict[str, Any], field: str, allowed: tuple[str, ...], default: str, where: str = "vm"
) -> str:
    value = spec.get(field, default)
    for option in allowed:
        if isinstance(value, str) and option.lower() == value.lower():
            return option
    raise ConfigError(f"{where}.{field}: must be one of {', '.join(allowed)}, got {value!r}")


def _text(spec: dict[str, Any], field: str, default: str | None = None) -> str:
    value = spec.get(field, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"vm.{field}: required non-empty string")
    return value


def _size(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65536:
        raise ConfigError(f"{field}: must be an integer number of GB between 1 and 65536, got {value!r}")
    return value


def seed_vm(backend: Backend, spec: dict[str, Any]) -> VirtualMachine:
    """Create a settled VM from a plain spec; replaces a VM of the same id."""
    if not isinstance(spec, dict):
        raise ConfigError("vm: must be a JSON object")
    unknown = set(spec) - SEED_FIELDS
    if unknown:
        raise ConfigError(
            f"vm.{sorted(unknown)[0]}: unknown field; allowed: {', '.join(sorted(SEED_FIELDS))}"
        )
    subscription = _text(spec, "subscription")
    try:
        check_subscription(subscription)
    except ArmError as err:
        raise ConfigError(f"vm.subscription: must be a GUID ({err.message})") from err
    data_disks_raw = spec.get("data_disks", [])
    if not isinstance(data_disks_raw, list):
        raise ConfigError("vm.data_disks: must be a list of {lun, size_gb}")
    disks: list[DataDisk] = []
    for index, disk in enumerate(data_disks_raw):
        if not isinstance(disk, dict):
            raise ConfigError(f"vm.data_disks[{index}]: must be an object {{lun, size_gb}}")
        lun = disk.get("lun")
        if isinstance(lun, bool) or not isinstance(lun, int) or not 0 <= lun <= 63:
            raise ConfigError(f"vm.data_disks[{index}].lun: must be an integer 0-63, got {lun!r}")
        if lun in {d.lun for d in disks}:
            raise ConfigError(f"vm.data_disks[{index}].lun: lun {lun} is used twice")
        disks.append(
            DataDisk(
                lun,
                _size(disk.get("size_gb", disk.get("size")), f"vm.data_disks[{index}].size_gb"),
                _choice(disk, "delete_option", DELETE_OPTIONS, "Detach", f"vm.data_disks[{index}]"),
            )
        )
    generalized = spec.get("generalized", False)
    if not isinstance(generalized, bool):
        raise ConfigError("vm.generalized: must be true or false")
    power = _choice(spec, "power_state", (RUNNING, STOPPED, DEALLOCATED), RUNNING)
    if generalized and power == RUNNING:
        raise ConfigError("vm.power_state: a generalized VM cannot be running (Azure refuses to start it)")
    tags = spec.get("tags", {})
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ConfigError("vm.tags: must be an object of string values")
    now = backend.now()
    vm = VirtualMachine(
        scope=Scope(subscription, _text(spec, "resource_group")),
        name=_text(spec, "name"),
        location=_text(spec, "location", "westus"),
        os_type=_choice(spec, "os_type", OS_TYPES, "Linux"),
        vm_size=_text(spec, "vm_size", "Standard_D2s_v5"),
        os_disk_size_gb=_size(spec.get("os_disk_size_gb", 30), "vm.os_disk_size_gb"),
        data_disks=disks,
        hyper_v_generation=_choice(spec, "hyper_v_generation", HYPER_V_GENERATIONS, "V2"),
        security_type=_choice(spec, "security_type", SECURITY_TYPES, "Standard"),
        tags=dict(tags),
        lifecycle=backend.lifecycle(0, now),
        power=power,
        generalized=generalized,
        architecture=_choice(spec, "architecture", ("x64", "Arm64"), "x64"),
        os_disk_delete_option=_choice(spec, "os_disk_delete_option", DELETE_OPTIONS, "Detach"),
    )
    with backend.lock:
        backend.vms[key(vm.id)] = vm
        for disk in disks_of_vm(vm, now, now):
            backend.disks[key(disk.id)] = disk
    return vm
