"""Networking of a VM being created, and the few Microsoft.Network calls armsim answers.

`networkProfile.networkInterfaceConfigurations` makes the VM create its own NICs (one per
configuration, named `{vm}-{configuration}`), each in the subnet its IP configuration names;
an unknown subnet, or one in another region than the VM, is refused as the network provider
refuses it (InvalidResourceReference). `networkProfile.networkInterfaces` (existing NICs by id)
is taken as given. NICs are served at their own path for GET, DELETE and a resource-group
list, so cleanup code can reach one by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from armsim.backend import Backend
from armsim.errors import InvalidParameterError, InvalidResourceReferenceError, NicInUseError
from armsim.handlers.common import already_absent, enum_value, get_path, require_str, tags_of
from armsim.handlers.lists import paged
from armsim.http import ArmRequest, Reply
from armsim.ids import Scope, key
from armsim.models.network import DELETE_OPTIONS, NetworkInterface, Subnet, network_prefix
from armsim.models.vm import VirtualMachine

NIC_TYPE = "Microsoft.Network/networkInterfaces"
TARGET = "networkProfile"


@dataclass
class PlannedNic:
    name: str
    subnet: Subnet
    ip_configuration: str
    primary: bool
    delete_option: str
    tags: dict[str, str]


@dataclass
class NetworkPlan:
    """The NICs a VM will create, validated before anything is stored."""

    nics: list[PlannedNic] = field(default_factory=list)
    configurations: list[dict[str, Any]] = field(default_factory=list)
    api_version: str | None = None
    references: list[dict[str, Any]] = field(default_factory=list)  # existing NICs, echoed as given

    def attach(self, backend: Backend, vm: VirtualMachine) -> None:
        if not self.nics:
            if self.references:
                vm.network_profile = {"networkInterfaces": self.references}
            return
        refs: list[dict[str, Any]] = []
        for planned in self.nics:
            nic = NetworkInterface(
                scope=vm.scope,
                name=planned.name,
                location=vm.location,
                subnet_id=planned.subnet.id,
                ip_configuration=planned.ip_configuration,
                private_ip=planned.subnet.next_address(),
                primary=planned.primary,
                delete_option=planned.delete_option,
                tags=planned.tags,
                lifecycle=backend.lifecycle(0, vm.lifecycle.created_at),
                vm_id=vm.id,
            )
            backend.nics[key(nic.id)] = nic
            refs.append(
                {
                    "id": nic.id,
                    "properties": {"primary": planned.primary, "deleteOption": planned.delete_option},
                }
            )
        vm.network_interfaces = [r["id"] for r in refs]
        vm.network_profile = {
            "networkApiVersion": self.api_version,
            "networkInterfaceConfigurations": self.configurations,
            "networkInterfaces": refs,
        }


def plan_network(
    backend: Backend, scope: Scope, vm_name: str, location: str, body: dict[str, Any]
) -> NetworkPlan:
    configs = get_path(body, "properties.networkProfile.networkInterfaceConfigurations")
    if configs is None:
        given = get_path(body, "properties.networkProfile.networkInterfaces") or []
        refs = [
            {
                "id": n["id"],
                **({"properties": n["properties"]} if isinstance(n.get("properties"), dict) else {}),
            }
            for n in given
            if isinstance(n, dict) and isinstance(n.get("id"), str)
        ]
        return NetworkPlan(references=refs)
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        raise InvalidParameterError(
            "Parameter 'networkInterfaceConfigurations' must be an array of objects.",
            target=f"{TARGET}.networkInterfaceConfigurations",
        )
    api_version = get_path(body, "properties.networkProfile.networkApiVersion")
    if configs and not isinstance(api_version, str):
        raise InvalidParameterError(
            "Required parameter 'networkApiVersion' is missing (null).", target=f"{TARGET}.networkApiVersion"
        )
    plan = NetworkPlan(api_version=api_version)
    for index, config in enumerate(configs):
        field_path = f"{TARGET}.networkInterfaceConfigurations[{index}]"
        planned, echoed = _plan_nic(backend, scope, vm_name, location, config, field_path, len(configs) == 1)
        plan.nics.append(planned)
        plan.configurations.append(echoed)
    return plan


def _plan_nic(
    backend: Backend,
    scope: Scope,
    vm_name: str,
    location: str,
    config: dict[str, Any],
    field_path: str,
    only: bool,
) -> tuple[PlannedNic, dict[str, Any]]:
    name = require_str(config, "name", field_path)
    raw_props = config.get("properties")
    props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
    primary = bool(props.get("primary", only))
    delete_option = enum_value(
        str(props.get("deleteOption") or "Detach"), DELETE_OPTIONS, f"{field_path}.deleteOption"
    )
    ip_configs = props.get("ipConfigurations")
    if not isinstance(ip_configs, list) or not ip_configs or not isinstance(ip_configs[0], dict):
        raise InvalidParameterError(
            "Required parameter 'ipConfigurations' is missing (null).",
            target=f"{field_path}.ipConfigurations",
        )
    ip_config = ip_configs[0]
    ip_name = require_str(ip_config, "name", f"{field_path}.ipConfigurations[0]")
    subnet_id = require_str(ip_config, "properties.subnet.id", f"{field_path}.ipConfigurations[0]")
    nic_name = f"{vm_name}-{name}"
    nic_id = f"{network_prefix(scope)}/networkInterfaces/{nic_name}"
    subnet = backend.find(backend.subnets, subnet_id)
    if subnet is None or not subnet.in_region(location):
        raise InvalidResourceReferenceError(
            f"Resource {subnet_id} referenced by resource {nic_id} was not found. Please make sure that the "
            "referenced resource exists, and that both resources are in the same region.",
            details=[{"code": "NotFound", "message": f"Resource {subnet_id} not found."}]
            if subnet is None
            else [],
        )
    echoed = {
        "name": name,
        "properties": {
            **props,
            "primary": primary,
            "deleteOption": delete_option,
        },
    }
    if config.get("tags") is not None:
        echoed["tags"] = tags_of(config)
    planned = PlannedNic(nic_name, subnet, ip_name, primary, delete_option, tags_of(config))
    return planned, echoed


# --- Microsoft.Network/networkInterfaces ---------------------------------------------------------
def _nic_id(req: ArmRequest) -> str:
    return f"{network_prefix(req.scope)}/networkInterfaces/{req.params['name']}"


def get_nic(backend: Backend, req: ArmRequest) -> Reply:
    name = req.params["name"]
    nic = backend.get(backend.nics, _nic_id(req), NIC_TYPE, name, req.scope.resource_group)
    return Reply(200, nic.to_resource(backend.now()))


def list_nics(backend: Backend, req: ArmRequest) -> Reply:
    now = backend.now()
    nics = backend.under(backend.nics, network_prefix(req.scope))
    return Reply(200, paged(req, [n.to_resource(now) for n in nics]))


def delete_nic(backend: Backend, req: ArmRequest) -> Reply:
    """A NIC attached to a VM cannot be deleted; a detached one is gone at once."""
    nic = backend.find(backend.nics, _nic_id(req))
    now = backend.now()
    if nic is None or nic.lifecycle.is_deleting(now):
        return already_absent()
    vm = nic.attached_vm(now)
    if vm is not None:
        raise NicInUseError(
            f"Network Interface {nic.id} is used by existing resource {vm}. In order to delete the network "
            "interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic."
        )
    nic.lifecycle.start_delete(now, now)
    return Reply(200, None)
