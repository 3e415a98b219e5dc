"""Virtual machine: power state machine, generalization and the guest's deprovisioning state.

Power states settle lazily: an action records a `PowerTransition` (e.g. running -> deallocating
-> deallocated over 40 s) and `power_state(now)` reads it. Guest state covers what the image
pipeline relies on: Linux `waagent -deprovision+user`, Windows sysprep and the ImageState the
guest reports in the registry while sysprep runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso
from armsim.ids import Scope
from armsim.models.lifecycle import Lifecycle
from armsim.models.vm_agent import Boot

RUNNING = "running"
STOPPED = "stopped"
DEALLOCATED = "deallocated"
OS_TYPES = ("Linux", "Windows")
HYPER_V_GENERATIONS = ("V1", "V2")
SECURITY_TYPES = ("Standard", "TrustedLaunch", "ConfidentialVM")

IMAGE_STATE_COMPLETE = "IMAGE_STATE_COMPLETE"
IMAGE_STATE_UNDEPLOYABLE = "IMAGE_STATE_UNDEPLOYABLE"
IMAGE_STATE_RESEAL = "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"

_DISPLAY = {
    "running": "VM running",
    "stopped": "VM stopped",
    "deallocated": "VM deallocated",
    "starting": "VM starting",
    "stopping": "VM stopping",
    "deallocating": "VM deallocating",
}


@dataclass
class DataDisk:
    lun: int
    size_gb: int
    delete_option: str = "Detach"  # what deleting the VM does to the disk: Detach or Delete


@dataclass
class PowerTransition:
    via: str  # state reported while the transition runs, e.g. "deallocating"
    target: str
    ends_at: datetime


@dataclass
class Sysprep:
    started_at: datetime
    ends_at: datetime
    shutdown: bool


@dataclass
class VirtualMachine:
    scope: Scope
    name: str
    location: str
    os_type: str
    vm_size: str
    os_disk_size_gb: int
    data_disks: list[DataDisk]
    hyper_v_generation: str
    security_type: str
    tags: dict[str, str]
    lifecycle: Lifecycle
    power: str = RUNNING
    generalized: bool = False
    transition: PowerTransition | None = None
    image_reference: dict[str, Any] | None = None
    network_interfaces: list[str] = field(default_factory=list)
    admin_username: str = "azureuser"
    vm_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    linux_deprovisioned: bool = False
    sysprep: Sysprep | None = None
    run_command_busy_until: datetime | None = None
    boot: Boot | None = None  # created VMs: OS provisioning and agent timeline (vm_agent.py)
    os_profile: dict[str, Any] | None = None  # as requested, secrets removed; None: the default one
    os_profile_allowed: bool = True  # False when created from a specialized image
    os_disk_delete_option: str = "Detach"  # data disks carry their own (DataDisk.delete_option)
    network_profile: dict[str, Any] | None = None  # created from networkInterfaceConfigurations
    architecture: str = "x64"
    os_disk_caching: str = "ReadWrite"

    @property
    def id(self) -> str:
        return self.scope.vm_id(self.name)

    # --- power state machine -------------------------------------------------------------
    def settle(self, now: datetime) -> None:
        if self.transition is not None and now >= self.transition.ends_at:
            self.power = self.transition.target
            self.transition = None
        sysprep = self.sysprep
        shut_down = sysprep is not None and sysprep.shutdown and now >= sysprep.ends_at
        if shut_down and self.power == RUNNING and self.transition is None:
            self.power = STOPPED

    def power_state(self, now: datetime) -> str:
        self.settle(now)
        if self.transition is not None:
            return self.transition.via
        return self.power

    def begin_transition(self, via: str, target: str, ends_at: datetime, now: datetime) -> None:
        self.settle(now)
        self.transition = PowerTransition(via, target, ends_at)

    def agent_ready(self, now: datetime) -> bool:
        # waagent -deprovision stops the Linux agent; the Windows agent keeps reporting through sysprep /quit.
        up = self.power_state(now) == RUNNING and not self.linux_deprovisioned
        return up and (self.boot is None or self.boot.agent_reports(now))

    def provisioning_state(self, now: datetime) -> str:
        state = self.lifecycle.provisioning_state(now)
        if state == "Succeeded" and self.power_state(now) in ("starting", "stopping", "deallocating"):
            return "Updating"
        return state

    # --- guest -----------------------------------------------------------------------------
    def image_state(self, now: datetime) -> str:
        """What `HKLM:\\...\\Setup\\State` ImageState reads in the guest right now."""
        if self.sysprep is None:
            return IMAGE_STATE_COMPLETE
        if now < self.sysprep.ends_at:
            return IMAGE_STATE_UNDEPLOYABLE
        return IMAGE_STATE_RESEAL

    # --- rendering -------------------------------------------------------------------------
    def disk_id(self, disk_name: str) -> str:
        return (
            f"/subscriptions/{self.scope.subscription}/resourceGroups/{self.scope.resource_group}"
            f"/providers/Microsoft.Compute/disks/{disk_name}"
        )

    def nic_ids(self) -> list[str]:
        """The NICs given at creation; a seeded VM gets the one NIC every real VM has."""
        if self.network_interfaces:
            return list(self.network_interfaces)
        return [
            f"/subscriptions/{self.scope.subscription}/resourceGroups/{self.scope.resource_group}"
            f"/providers/Microsoft.Network/networkInterfaces/{self.name}-nic"
        ]

    def os_disk_name(self) -> str:
        return f"{self.name}_OsDisk_1_{self.vm_id.replace('-', '')}"

    def data_disk_name(self, lun: int) -> str:
        return f"{self.name}_DataDisk_{lun}"

    def disk_delete_options(self) -> dict[str, str]:
        """deleteOption of each of its disks, by disk id: what deleting the VM does to them."""
        options = {self.disk_id(self.os_disk_name()): self.os_disk_delete_option}
        options.update({self.disk_id(self.data_disk_name(d.lun)): d.delete_option for d in self.data_disks})
        return options

    def to_resource(self, now: datetime, expand_instance_view: bool = False) -> dict[str, Any]:
        storage: dict[str, Any] = {
            "osDisk": {
                "osType": self.os_type,
                "name": self.os_disk_name(),
                "createOption": "FromImage",
                "caching": self.os_disk_caching,
                "managedDisk": {"storageAccountType": "Premium_LRS", "id": self.disk_id(self.os_disk_name())},
                "deleteOption": self.os_disk_delete_option,
                "diskSizeGB": self.os_disk_size_gb,
            },
            "dataDisks": [
                {
                    "lun": disk.lun,
                    "name": self.data_disk_name(disk.lun),
                    "createOption": "FromImage" if (self.image_reference or {}).get("id") else "Empty",
                    "caching": "None",
                    "managedDisk": {
                        "storageAccountType": "Premium_LRS",
                        "id": self.disk_id(self.data_disk_name(disk.lun)),
                    },
                    "deleteOption": disk.delete_option,
                    "diskSizeGB": disk.size_gb,
                    "toBeDetached": False,
                }
                for disk in self.data_disks
            ],
        }
        if self.image_reference is not None:
            storage = {"imageReference": self.image_reference, **storage}
        os_config_key = "linuxConfiguration" if self.os_type == "Linux" else "windowsConfiguration"
        properties: dict[str, Any] = {
            "vmId": self.vm_id,
            "hardwareProfile": {"vmSize": self.vm_size},
            "storageProfile": storage,
            "osProfile": self.os_profile
            or {
                "computerName": self.name[:15],
                "adminUsername": self.admin_username,
                os_config_key: {"provisionVMAgent": True},
                "secrets": [],
            },
            "networkProfile": self.network_profile
            or {"networkInterfaces": [{"id": nic} for nic in self.nic_ids()]},
            "provisioningState": self.provisioning_state(now),
            "timeCreated": iso(self.lifecycle.created_at),
        }
        if not self.os_profile_allowed:
            del properties["osProfile"]
        if self.security_type != "Standard":
            properties["securityProfile"] = {
                "securityType": self.security_type,
                "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True},
            }
        if expand_instance_view:
            properties["instanceView"] = self.instance_view(now)
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Compute/virtualMachines",
            "location": self.location,
            "tags": dict(self.tags),
            "properties": properties,
        }

    def instance_view(self, now: datetime) -> dict[str, Any]:
        power = self.power_state(now)
        provisioning = self.provisioning_state(now)
        failed = self.boot.provisioning_status(self.lifecycle.ready_at) if self.boot else None
        statuses: list[dict[str, Any]] = [
            failed
            if failed is not None and provisioning == "Failed"
            else {
                "code": f"ProvisioningState/{provisioning.lower()}",
                "level": "Info",
                "displayStatus": f"Provisioning {provisioning.lower()}",
                "time": iso(self.lifecycle.ready_at),
            }
        ]
        if self.generalized:
            statuses.append(
                {"code": "OSState/generalized", "level": "Info", "displayStatus": "VM generalized"}
            )
        statuses.append({"code": f"PowerState/{power}", "level": "Info", "displayStatus": _DISPLAY[power]})
        agent_ready = self.agent_ready(now)
        view: dict[str, Any] = {
            "computerName": self.name[:15],
            "osName": "Windows Server 2022 Datacenter" if self.os_type == "Windows" else "ubuntu",
            "osVersion": "10.0.20348" if self.os_type == "Windows" else "22.04",
            "vmAgent": {
                "vmAgentVersion": "2.7.41491.1102" if agent_ready else "Unknown",
                "statuses": [
                    {
                        "code": "ProvisioningState/succeeded"
                        if agent_ready
                        else "ProvisioningState/Unavailable",
                        "level": "Info" if agent_ready else "Warning",
                        "displayStatus": "Ready" if agent_ready else "Not Ready",
                        "message": self._agent_message(now, agent_ready),
                        "time": iso(now),
                    }
                ],
            },
            "disks": [
                {
                    "name": name,
                    "statuses": [
                        {
                            "code": "ProvisioningState/succeeded",
                            "level": "Info",
                            "displayStatus": "Provisioning succeeded",
                            "time": iso(self.lifecycle.ready_at),
                        }
                    ],
                }
                for name in [self.os_disk_name()] + [self.data_disk_name(d.lun) for d in self.data_disks]
            ],
            "hyperVGeneration": self.hyper_v_generation,
            "statuses": statuses,
        }
        return view

    def _agent_message(self, now: datetime, agent_ready: bool) -> str:
        if agent_ready and self.os_type == "Windows" and self.sysprep is not None:
            # The guest agent keeps reporting while sysprep /quit runs; its message carries the
            # image state the guest writes to the registry, the only place ARM surfaces it.
            return f"GuestAgent is running and processing the extensions. ImageState: {self.image_state(now)}"
        if agent_ready:
            return "GuestAgent is running and processing the extensions."
        if self.boot is not None:
            return self.boot.unready_message(now, self.lifecycle.is_ready(now))
        return "VM status blob is found but not yet populated."
