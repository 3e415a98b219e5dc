"""Microsoft.Network resources a VM needs: subnets (seeded over the admin API) and the network
interfaces a VM creates from `networkProfile.networkInterfaceConfigurations`.

A NIC is attached to its VM until the VM's deletion completes; with `deleteOption: Delete` it is
deleted at that moment, with `Detach` it stays, detached, for someone to clean up.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.ids import Scope, region_key
from armsim.models.lifecycle import Lifecycle

NETWORK_PROVIDER = "Microsoft.Network"
DELETE_OPTIONS = ("Delete", "Detach")


def network_prefix(scope: Scope) -> str:
    group = f"/subscriptions/{scope.subscription}/resourceGroups/{scope.resource_group}"
    return f"{group}/providers/{NETWORK_PROVIDER}"


@dataclass
class Subnet:
    scope: Scope
    virtual_network: str
    name: str
    location: str  # the virtual network's region
    address_prefix: str
    lifecycle: Lifecycle
    allocated: int = 0  # private addresses handed out so far

    @property
    def id(self) -> str:
        return f"{network_prefix(self.scope)}/virtualNetworks/{self.virtual_network}/subnets/{self.name}"

    def next_address(self) -> str:
        """Azure keeps the first four addresses of a subnet; NICs get the next free one."""
        network = ipaddress.ip_network(self.address_prefix, strict=False)
        self.allocated += 1
        return str(network.network_address + 3 + self.allocated)

    def in_region(self, region: str) -> bool:
        return region_key(region) == region_key(self.location)

    def to_resource(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "properties": {"provisioningState": "Succeeded", "addressPrefix": self.address_prefix},
        }


@dataclass
class NetworkInterface:
    scope: Scope
    name: str
    location: str
    subnet_id: str
    ip_configuration: str
    private_ip: str
    primary: bool
    delete_option: str
    tags: dict[str, str]
    lifecycle: Lifecycle
    vm_id: str | None = None
    detached_at: datetime | None = None  # when the VM's deletion completes (deleteOption Detach)
    resource_guid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def id(self) -> str:
        return f"{network_prefix(self.scope)}/networkInterfaces/{self.name}"

    def attached_vm(self, now: datetime) -> str | None:
        if self.vm_id is None or (self.detached_at is not None and now >= self.detached_at):
            return None
        return self.vm_id

    def to_resource(self, now: datetime) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "provisioningState": "Deleting" if self.lifecycle.is_deleting(now) else "Succeeded",
            "resourceGuid": self.resource_guid,
            "ipConfigurations": [
                {
                    "name": self.ip_configuration,
                    "id": f"{self.id}/ipConfigurations/{self.ip_configuration}",
                    "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "privateIPAddress": self.private_ip,
                        "privateIPAllocationMethod": "Dynamic",
                        "subnet": {"id": self.subnet_id},
                        "primary": True,
                        "privateIPAddressVersion": "IPv4",
                    },
                }
            ],
            "primary": self.primary,
            "nicType": "Standard",
        }
        vm = self.attached_vm(now)
        if vm is not None:
            properties["virtualMachine"] = {"id": vm}
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Network/networkInterfaces",
            "location": region_key(self.location),
            "tags": dict(self.tags),
            "properties": properties,
        }
