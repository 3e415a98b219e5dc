"""virtualMachines: get, instanceView, list (resource group and subscription), create from an image,
deallocate, powerOff, start, restart, generalize, runCommand, delete — with the rules Azure
enforces on each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import (
    ConflictError,
    InvalidParameterError,
    OperationNotAllowedError,
    ResourceNotFoundError,
)
from armsim.handlers.common import (
    already_absent,
    async_headers,
    enum_value,
    get_path,
    keep_location,
    require_str,
    seconds_later,
    start_compute_operation,
    tags_of,
)
from armsim.handlers.lists import paged
from armsim.handlers.network import plan_network
from armsim.handlers.run_commands import execute
from armsim.handlers.vm_boot import agent_restarts, creation_resolver, plan_boot
from armsim.handlers.vm_images import (
    apply_storage_options,
    gallery_image_id,
    gallery_source,
    rendered_os_profile,
)
from armsim.http import ArmRequest, Reply
from armsim.ids import key, parse_id
from armsim.models.disk import disks_of_vm
from armsim.models.vm import DEALLOCATED, OS_TYPES, RUNNING, SECURITY_TYPES, STOPPED, DataDisk, VirtualMachine
from armsim.models.vm_agent import Boot
from armsim.models.vm_teardown import teardown

TYPE = "Microsoft.Compute/virtualMachines"


def _vm(backend: Backend, req: ArmRequest) -> VirtualMachine:
    name = req.params["name"]
    return backend.get(backend.vms, req.scope.vm_id(name), TYPE, name, req.scope.resource_group)


def _deleting_guard(vm: VirtualMachine, now: datetime, operation: str) -> None:
    if vm.lifecycle.is_deleting(now):
        raise OperationNotAllowedError(
            f"Operation '{operation}' is not allowed on VM '{vm.name}' since the VM is marked for deletion. "
            "You can only retry the Delete operation (or wait for an ongoing one to complete)."
        )


def get_vm(backend: Backend, req: ArmRequest) -> Reply:
    vm = _vm(backend, req)
    return Reply(200, vm.to_resource(backend.now(), expand_instance_view="instanceview" in req.expand()))


def instance_view(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, _vm(backend, req).instance_view(backend.now()))


def list_vms(backend: Backend, req: ArmRequest) -> Reply:
    now = backend.now()
    vms = backend.under(backend.vms, req.scope.prefix)
    expand = "instanceview" in req.expand()
    return Reply(200, paged(req, [vm.to_resource(now, expand) for vm in vms]))


def list_all(backend: Backend, req: ArmRequest) -> Reply:
    """Every VM of the subscription, across resource groups (`virtual_machines.list_all`)."""
    now = backend.now()
    prefix = key(f"/subscriptions/{req.params['subscription']}/resourceGroups/")
    vms = [
        vm
        for k, vm in list(backend.vms.items())
        if k.startswith(prefix) and backend.find(backend.vms, vm.id) is not None
    ]
    expand = "instanceview" in req.expand()
    return Reply(200, paged(req, [vm.to_resource(now, expand) for vm in vms]))


def _power_action(
    backend: Backend, req: ArmRequest, operation: str, via: str, target: str, seconds: float
) -> Reply:
    vm = _vm(backend, req)
    now = backend.now()
    _deleting_guard(vm, now, operation.split(".")[-1])
    current = vm.power_state(now)
    ends = now if current == target else seconds_later(now, seconds)
    op = start_compute_operation(backend, req, operation, vm.location, ends_at=ends)
    if current != target and op.resolver(ends).status != "Failed":  # an injected failure changes nothing
        vm.begin_transition(via, target, ends, now)
    return Reply(202, None, async_headers(op, req.base_url, location=True))


def deallocate(backend: Backend, req: ArmRequest) -> Reply:
    return _power_action(
        backend, req, "virtualMachines.deallocate", "deallocating", DEALLOCATED, backend.timing.deallocate
    )


def power_off(backend: Backend, req: ArmRequest) -> Reply:
    if _vm(backend, req).power_state(backend.now()) == DEALLOCATED:  # already off; nothing to do
        return _power_action(backend, req, "virtualMachines.powerOff", "stopping", DEALLOCATED, 0.0)
    return _power_action(
        backend, req, "virtualMachines.powerOff", "stopping", STOPPED, backend.timing.power_off
    )


def start(backend: Backend, req: ArmRequest) -> Reply:
    vm = _vm(backend, req)
    if vm.generalized:
        raise OperationNotAllowedError(
            f"Operation 'start' is not allowed on VM '{vm.name}' since the VM is generalized."
        )
    reply = _power_action(backend, req, "virtualMachines.start", "starting", RUNNING, backend.timing.start)
    if vm.transition is not None and vm.transition.target == RUNNING:
        agent_restarts(backend, vm, vm.transition.ends_at)
    return reply


def restart(backend: Backend, req: ArmRequest) -> Reply:
    """A running VM stops and starts again (powerOff + start time); its agent reports anew after."""
    vm = _vm(backend, req)
    now = backend.now()
    _deleting_guard(vm, now, "restart")
    state = vm.power_state(now)
    if state != RUNNING:
        raise OperationNotAllowedError(
            f"Operation 'restart' is not allowed on VM '{vm.name}' since the VM is {state}."
        )
    ends = seconds_later(now, backend.timing.power_off + backend.timing.start)
    op = start_compute_operation(backend, req, "virtualMachines.restart", vm.location, ends_at=ends)
    if op.resolver(ends).status != "Failed":
        vm.begin_transition("starting", RUNNING, ends, now)
        agent_restarts(backend, vm, ends)
    return Reply(202, None, async_headers(op, req.base_url, location=True))


def generalize(backend: Backend, req: ArmRequest) -> Reply:
    vm = _vm(backend, req)
    now = backend.now()
    _deleting_guard(vm, now, "generalize")
    state = vm.power_state(now)
    if state not in (STOPPED, DEALLOCATED):
        raise OperationNotAllowedError(
            f"Operation 'generalize' is not allowed on VM '{vm.name}' since the VM is {state}. "
            "Please power off or deallocate the VM before generalizing it."
        )
    vm.generalized = True
    return Reply(200, None)


def delete(backend: Backend, req: ArmRequest) -> Reply:
    vm = backend.find(backend.vms, req.scope.vm_id(req.params["name"]))
    if vm is None:
        return already_absent()
    now = backend.now()
    force = req.query.get("forcedeletion", "false").lower() == "true"
    seconds = backend.timing.vm_delete / (2 if force else 1)
    ends = vm.lifecycle.gone_at if vm.lifecycle.gone_at is not None else seconds_later(now, seconds)
    op = start_compute_operation(backend, req, "virtualMachines.delete", vm.location, ends_at=ends)
    if op.resolver(ends).status != "Failed" and not vm.lifecycle.is_deleting(now):
        vm.lifecycle.start_delete(now, ends)
        teardown(vm, backend.nics, backend.disks, now, ends)
    return Reply(202, None, async_headers(op, req.base_url, location=True, notification=True))


def run_command(backend: Backend, req: ArmRequest) -> Reply:
    vm = _vm(backend, req)
    now = backend.now()
    body = req.json_object()
    command_id = require_str(body, "commandId", "parameters")
    script = get_path(body, "script") or []
    if not isinstance(script, list) or not all(isinstance(line, str) for line in script):
        raise InvalidParameterError(
            "Parameter 'script' must be an array of strings.", target="parameters.script"
        )
    _deleting_guard(vm, now, "runCommand")
    if vm.power_state(now) != RUNNING:
        raise OperationNotAllowedError(
            f"Operation 'runCommand' is not allowed on VM '{vm.name}' since the VM is {vm.power_state(now)}."
        )
    if vm.run_command_busy_until is not None and now < vm.run_command_busy_until:
        raise ConflictError(
            "Run command extension execution is in progress. "
            "Please wait for completion before invoking a run command.",
        )
    ends = seconds_later(now, backend.timing.run_command)
    run = execute(backend, vm, command_id, script, now, ends)
    vm.run_command_busy_until = ends
    op = start_compute_operation(
        backend,
        req,
        "virtualMachines.runCommand",
        vm.location,
        ends_at=ends,
        output=run.output,
        error=run.error,
    )
    return Reply(202, None, async_headers(op, req.base_url, location=True))


def capture(backend: Backend, req: ArmRequest) -> Reply:
    """Every armsim VM has managed disks, and Azure captures only VMs with blob-based disks."""
    _vm(backend, req)
    raise refusals.capture_needs_blob_disks()


def create_or_update(backend: Backend, req: ArmRequest) -> Reply:
    """PUT: creating a VM needs `storageProfile.imageReference.id` naming a ready managed image
    or gallery image version; an existing VM only takes tag and size changes."""
    name = req.params["name"]
    scope = req.scope
    now = backend.now()
    body = req.json_object()
    existing = backend.find(backend.vms, scope.vm_id(name))
    if existing is not None:
        keep_location(existing.location, body, name, scope.resource_group)
        _deleting_guard(existing, now, "update")
        existing.tags = tags_of(body) if "tags" in body else existing.tags
        size = get_path(body, "properties.hardwareProfile.vmSize")
        if isinstance(size, str):
            existing.vm_size = size
        op = start_compute_operation(
            backend, req, "virtualMachines.createOrUpdate", existing.location, ends_at=now
        )
        return Reply(200, existing.to_resource(now), async_headers(op, req.base_url, location=False))
    location = require_str(body, "location", "parameters")
    reference = get_path(body, "properties.storageProfile.imageReference")
    gallery_image = gallery_image_id(reference)
    if gallery_image is not None:
        source = gallery_source(backend, body, gallery_image, location)
        reference = source["image_reference"]
    elif isinstance(reference, dict) and not reference.get("id") and reference.get("publisher"):
        source = _marketplace_source(body, reference)
    else:
        image_id = require_str(body, "properties.storageProfile.imageReference.id", "parameters")
        source = _image_source(backend, image_id, now)
        reference = {"id": image_id}
    security = get_path(body, "properties.securityProfile.securityType") or source.get(
        "security_type", "Standard"
    )
    nics = get_path(body, "properties.networkProfile.networkInterfaces") or []
    network = plan_network(backend, scope, name, location, body)
    vm = VirtualMachine(
        scope=scope,
        name=name,
        location=location,
        os_type=source["os_type"],
        vm_size=get_path(body, "properties.hardwareProfile.vmSize") or "Standard_D2s_v5",
        os_disk_size_gb=source["os_disk_size_gb"],
        data_disks=[DataDisk(d.lun, d.size_gb) for d in source["data_disks"]],  # the VM's own
        hyper_v_generation=source["hyper_v_generation"],
        security_type=enum_value(
            str(security), SECURITY_TYPES, "parameters.properties.securityProfile.securityType"
        ),
        tags=tags_of(body),
        lifecycle=backend.lifecycle(backend.timing.vm_create, now),
        image_reference=dict(reference),
        network_interfaces=[n.get("id", "") for n in nics if isinstance(n, dict)],
        admin_username=get_path(body, "properties.osProfile.adminUsername") or "azureuser",
        architecture=source.get("architecture", "x64"),
        os_disk_caching=enum_value(
            str(get_path(body, "properties.storageProfile.osDisk.caching") or "ReadWrite"),
            ("None", "ReadOnly", "ReadWrite"),
            "parameters.properties.storageProfile.osDisk.caching",
        ),
    )
    apply_storage_options(body, vm)
    if gallery_image is not None and source["specialized"]:
        vm.os_profile_allowed = False
    elif get_path(body, "properties.osProfile") is not None:
        vm.os_profile = rendered_os_profile(body, vm)
    backend.vms[vm.id.lower()] = vm
    for disk in disks_of_vm(vm, now, vm.lifecycle.ready_at):
        backend.disks[disk.id.lower()] = disk
    network.attach(backend, vm)
    plan_boot(backend, vm, now)
    op = start_compute_operation(
        backend, req, "virtualMachines.createOrUpdate", location, resolver=creation_resolver(vm)
    )
    if op.injected_failure:  # the operation fails at once; the VM stays, Failed, as Azure leaves it
        vm.lifecycle.ready_at = now
        vm.lifecycle.fails = True
        vm.boot = Boot(agent_ready_at=None)
    return Reply(201, vm.to_resource(now), async_headers(op, req.base_url, location=False, notification=True))


def _marketplace_source(body: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """A platform image: the OS comes from the request's osDisk.osType or the publisher's name."""
    named = f"{reference.get('publisher', '')} {reference.get('offer', '')}".lower()
    os_type = get_path(body, "properties.storageProfile.osDisk.osType") or (
        "Windows" if "windows" in named else "Linux"
    )
    os_type = enum_value(str(os_type), OS_TYPES, "parameters.properties.storageProfile.osDisk.osType")
    disks_raw = get_path(body, "properties.storageProfile.dataDisks") or []
    if not isinstance(disks_raw, list):
        raise InvalidParameterError(
            "Parameter 'dataDisks' must be an array.", target="parameters.properties.storageProfile.dataDisks"
        )
    disks = []
    for index, disk in enumerate(disks_raw):
        lun, size = (disk.get("lun"), disk.get("diskSizeGB")) if isinstance(disk, dict) else (None, None)
        if not isinstance(lun, int) or not isinstance(size, int):
            raise InvalidParameterError(
                "Each data disk needs an integer 'lun' and 'diskSizeGB'.",
                target=f"parameters.properties.storageProfile.dataDisks[{index}]",
            )
        disks.append(DataDisk(lun, size))
    os_size = get_path(body, "properties.storageProfile.osDisk.diskSizeGB")
    return {
        "os_type": os_type,
        "os_disk_size_gb": os_size if isinstance(os_size, int) else (127 if os_type == "Windows" else 30),
        "data_disks": disks,
        "hyper_v_generation": "V1",
    }


def _image_source(backend: Backend, image_id: str, now: datetime) -> dict[str, Any]:
    target = "parameters.properties.storageProfile.imageReference.id"
    parsed = parse_id(image_id, target)
    if parsed.kind == "images":
        image = backend.find(backend.images, image_id)
        if image is None:
            raise ResourceNotFoundError(
                f"The Image '{image_id}' cannot be found in '{parsed.scope.resource_group}' resource group.",
                target=target,
            )
        if image.lifecycle.provisioning_state(now) != "Succeeded":
            raise OperationNotAllowedError(
                f"Image '{image_id}' is not ready to be used (provisioningState "
                f"{image.lifecycle.provisioning_state(now)}).",
                target=target,
            )
        return {
            "os_type": image.os_type,
            "os_disk_size_gb": image.os_disk_size_gb,
            "data_disks": list(image.data_disks),
            "hyper_v_generation": image.hyper_v_generation,
        }
    raise InvalidParameterError(
        f"Image reference '{image_id}' must be a managed image or gallery image version id.", target=target
    )
