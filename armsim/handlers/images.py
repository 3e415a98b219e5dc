"""Managed images (`Microsoft.Compute/images`): capture from a generalized VM or make of disks
(armsim.handlers.image_disks), get, list, delete."""

from __future__ import annotations

from datetime import datetime

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import (
    InvalidParameterError,
    OperationNotAllowedError,
    PropertyChangeNotAllowedError,
    ResourceNotFoundError,
)
from armsim.handlers.common import (
    already_absent,
    async_headers,
    enum_value,
    keep_location,
    optional_str,
    require_str,
    seconds_later,
    start_compute_operation,
    tags_of,
)
from armsim.handlers.image_disks import from_disks, zone_resilient
from armsim.handlers.lists import paged
from armsim.http import ArmRequest, Reply
from armsim.ids import key, parse_id, region_key
from armsim.models.image import ManagedImage
from armsim.models.operations import IN_PROGRESS, Outcome
from armsim.models.vm import HYPER_V_GENERATIONS

TYPE = "Microsoft.Compute/images"


def _image(backend: Backend, req: ArmRequest) -> ManagedImage:
    name = req.params["name"]
    return backend.get(backend.images, req.scope.image_id(name), TYPE, name, req.scope.resource_group)


def get_image(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, _image(backend, req).to_resource(backend.now()))


def list_images(backend: Backend, req: ArmRequest) -> Reply:
    now = backend.now()
    return Reply(
        200, paged(req, [i.to_resource(now) for i in backend.under(backend.images, req.scope.prefix)])
    )


def delete_image(backend: Backend, req: ArmRequest) -> Reply:
    image = backend.find(backend.images, req.scope.image_id(req.params["name"]))
    if image is None:
        return already_absent()
    now = backend.now()
    ends = image.lifecycle.gone_at or seconds_later(now, backend.timing.image_delete)
    op = start_compute_operation(backend, req, "images.delete", image.location, ends_at=ends)
    if op.resolver(ends).status != "Failed":
        image.lifecycle.start_delete(now, ends)
    return Reply(202, None, async_headers(op, req.base_url, location=True))


def create_or_update(backend: Backend, req: ArmRequest) -> Reply:
    name = req.params["name"]
    scope = req.scope
    now = backend.now()
    body = req.json_object()
    location = require_str(body, "location", "parameters")
    source_vm_id = optional_str(body, "properties.sourceVirtualMachine.id", "parameters")
    existing = backend.find(backend.images, scope.image_id(name))
    if existing is not None:
        keep_location(existing.location, body, name, scope.resource_group)
        if (source_vm_id or "").lower() != (existing.source_vm_id or "").lower():
            raise PropertyChangeNotAllowedError(
                "Changing property 'sourceVirtualMachine' is not allowed.", target="sourceVirtualMachine"
            )
        existing.tags = tags_of(body)
        return Reply(200, existing.to_resource(now))
    requested_generation = optional_str(body, "properties.hyperVGeneration", "parameters")
    if source_vm_id:
        image = _from_vm(backend, req, name, location, source_vm_id, now)
    else:
        image = from_disks(backend, req, name, location, now)
    if requested_generation:
        generation = enum_value(
            requested_generation, HYPER_V_GENERATIONS, "parameters.properties.hyperVGeneration"
        )
        if source_vm_id and generation != image.hyper_v_generation:
            raise InvalidParameterError(
                f"The Hyper-V generation '{generation}' of the image does not match the Hyper-V generation "
                f"'{image.hyper_v_generation}' of the source virtual machine.",
                target="parameters.properties.hyperVGeneration",
            )
        image.hyper_v_generation = generation
    image.tags = tags_of(body)
    image.zone_resilient = zone_resilient(body)
    backend.images[key(image.id)] = image

    def resolve(at: datetime) -> Outcome:
        ready = image.lifecycle.ready_at
        return Outcome(IN_PROGRESS) if at < ready else Outcome("Succeeded", ready)

    op = start_compute_operation(backend, req, "images.createOrUpdate", location, resolver=resolve)
    if op.resolver(seconds_later(image.lifecycle.ready_at, 1)).status == "Failed":
        del backend.images[key(image.id)]
    return Reply(201, image.to_resource(now), async_headers(op, req.base_url, location=False))


def _from_vm(
    backend: Backend, req: ArmRequest, name: str, location: str, vm_id: str, now: datetime
) -> ManagedImage:
    target = "parameters.properties.sourceVirtualMachine.id"
    parsed = parse_id(vm_id, target)
    vm = backend.find(backend.vms, vm_id) if parsed.kind == "virtualMachines" else None
    if vm is None:
        raise ResourceNotFoundError(
            f"The Resource 'Microsoft.Compute/virtualMachines/{parsed.name}' under resource group "
            f"'{parsed.scope.resource_group}' was not found. For more details please go to "
            "https://aka.ms/ARMResourceNotFoundFix",
            target=target,
        )
    if not vm.generalized:
        raise OperationNotAllowedError(
            f"The operation 'Create Image' requires the Virtual Machine '{vm.name}' to be Generalized."
        )
    if vm.security_type == "TrustedLaunch":
        raise refusals.trusted_launch_managed_image("virtual machine")
    if region_key(vm.location) != region_key(location):
        raise refusals.image_source_in_other_region(vm.id, region_key(vm.location), region_key(location))
    return ManagedImage(
        scope=req.scope,
        name=name,
        location=location,
        os_type=vm.os_type,
        os_state="Generalized",
        hyper_v_generation=vm.hyper_v_generation,
        os_disk_size_gb=vm.os_disk_size_gb,
        data_disks=list(vm.data_disks),
        lifecycle=backend.lifecycle(backend.timing.image_capture, now),
        source_vm_id=vm.id,
        os_managed_disk_id=vm.disk_id(vm.os_disk_name()),
    )
