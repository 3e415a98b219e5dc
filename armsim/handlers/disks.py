"""disks: get, list, create (Empty, Copy of a disk or snapshot, Import of a VHD blob), delete.

Disks and snapshots answer writes with 202, the resource (provisioningState Updating) and both
Azure-AsyncOperation and Location pointing at `locations/{loc}/DiskOperations/{id}`, whose
status body carries the finished resource in `properties.output`, as recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import InvalidParameterError
from armsim.handlers.common import (
    already_absent,
    async_headers,
    enum_value,
    get_path,
    keep_location,
    operation_failure_fault,
    require_str,
    seconds_later,
    tags_of,
)
from armsim.handlers.lists import paged
from armsim.handlers.sources import check_vhd
from armsim.http import ArmRequest, Reply
from armsim.ids import key, region_key
from armsim.models.disk import SKU_TIERS, DiskFacts, ManagedDisk, vm_security_of
from armsim.models.lifecycle import Lifecycle
from armsim.models.operations import FAILED, IN_PROGRESS, SUCCEEDED, AsyncOperation, Outcome, Resolver
from armsim.models.snapshot import PENDING, Snapshot
from armsim.models.storage import blob_key
from armsim.models.vm import HYPER_V_GENERATIONS, OS_TYPES
from armsim.resource_ids import DISK, SNAPSHOT, STORAGE_ACCOUNT, parse_ref

TYPE = "Microsoft.Compute/disks"
DISK_API_VERSION = "2026-03-02"


def start_disk_operation(
    backend: Backend, req: ArmRequest, name: str, location: str, resolver: Resolver
) -> AsyncOperation:
    """A `DiskOperations` operation; fault `operation_failed` makes it end Failed."""
    injected = operation_failure_fault(backend, name, req.resource_name or "")
    if injected is not None:
        error, succeeding = injected, resolver

        def failing(at: datetime) -> Outcome:
            done = succeeding(at)
            return Outcome(FAILED, done.end_time, error=error) if done.done else done

        resolver = failing
    op = backend.start_operation(
        name,
        req.scope.subscription,
        location,
        "disk",
        req.api_version or DISK_API_VERSION,
        resolver,
        backend.timing.retry_after_disk,
    )
    op.injected_failure = injected is not None
    return op


def output_when(lifecycle: Lifecycle, render: Any) -> Resolver:
    """Done when the resource is provisioned; the status body carries it (`properties.output`)."""

    def resolve(at: datetime) -> Outcome:
        if at < lifecycle.ready_at:
            return Outcome(IN_PROGRESS)
        return Outcome(SUCCEEDED, lifecycle.ready_at, output=render(lifecycle.ready_at))

    return resolve


def gone_when(lifecycle: Lifecycle) -> Resolver:
    def resolve(at: datetime) -> Outcome:
        gone = lifecycle.gone_at
        return Outcome(SUCCEEDED, gone) if gone is not None and at >= gone else Outcome(IN_PROGRESS)

    return resolve


def facts_from_body(body: dict[str, Any], base: DiskFacts) -> DiskFacts:
    """Properties a disk or snapshot PUT may declare; unset ones come from the copy source."""
    props = body.get("properties") or {}
    os_type = props.get("osType")
    generation = props.get("hyperVGeneration")
    architecture = get_path(props, "supportedCapabilities.architecture")
    security = get_path(props, "securityProfile.securityType")
    size = props.get("diskSizeGB")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise InvalidParameterError("Parameter 'diskSizeGB' must be a positive integer.", target="diskSizeGB")
    if isinstance(size, int) and size < base.size_gb:
        raise InvalidParameterError(
            f"Disk size {size} GB is smaller than the size {base.size_gb} GB of the source.",
            target="diskSizeGB",
        )
    return DiskFacts(
        size_gb=size if isinstance(size, int) else base.size_gb,
        os_type=enum_value(str(os_type), OS_TYPES, "osType") if os_type else base.os_type,
        hyper_v_generation=(
            enum_value(str(generation), HYPER_V_GENERATIONS, "hyperVGeneration")
            if generation
            else base.hyper_v_generation
        ),
        architecture=enum_value(str(architecture), ("x64", "Arm64"), "architecture")
        if architecture
        else base.architecture,
        security_type=vm_security_of(str(security)) if security else base.security_type,
    )


def creation_source(
    backend: Backend, creation: dict[str, Any], location: str, now: datetime
) -> tuple[DiskFacts, dict[str, Any], ManagedDisk | Snapshot | None]:
    """The facts, echoed creationData and source resource of a Copy or Import (Empty: 0 GB base)."""
    option = enum_value(
        str(creation.get("createOption") or ""), ("Empty", "Copy", "Import"), "creationData.createOption"
    )
    if option == "Empty":
        return DiskFacts(0), {"createOption": "Empty"}, None
    if option == "Import":
        return _imported(backend, creation, location)
    source_id = str(creation.get("sourceResourceId") or creation.get("sourceUri") or "")
    ref = parse_ref(source_id)
    if ref is None or ref.kind not in (DISK, SNAPSHOT):
        raise refusals.missing("sourceResourceId", "creationData.sourceResourceId")
    source: ManagedDisk | Snapshot | None = (
        backend.find(backend.disks, ref.id) if ref.kind == DISK else backend.find(backend.snapshots, ref.id)
    )
    if source is None or source.lifecycle.is_deleting(now):
        raise refusals.copy_source_not_found(ref.name)
    if isinstance(source, Snapshot) and source.access_state(now) == PENDING:
        raise refusals.snapshot_still_copying(source_id, source.completion_percent(now))
    if region_key(source.location) != region_key(location):
        raise refusals.copy_in_other_region(source_id, region_key(source.location), region_key(location))
    echo = {"createOption": "Copy", "sourceResourceId": source_id, "sourceUniqueId": source.unique_id}
    base = source.facts
    return (
        DiskFacts(base.size_gb, base.os_type, base.hyper_v_generation, base.architecture, base.security_type),
        echo,
        source,
    )


def _imported(
    backend: Backend, creation: dict[str, Any], location: str
) -> tuple[DiskFacts, dict[str, Any], None]:
    uri = require_str(creation, "sourceUri", "creationData")
    account_id = require_str(creation, "storageAccountId", "creationData")
    ref = parse_ref(account_id)
    account = (
        backend.storage_accounts.get(ref.id.lower())
        if ref is not None and ref.kind == STORAGE_ACCOUNT
        else None
    )
    if account is None:
        raise refusals.storage_account_not_found(
            ref.name if ref else account_id, ref.resource_group if ref else ""
        )
    blob = backend.blobs.get(blob_key(uri))
    if blob is None:
        raise refusals.blob_not_accessible(uri)
    check_vhd(uri, blob.blob_type, blob.vhd_footer, blob.name)
    echo = {"createOption": "Import", "sourceUri": uri, "storageAccountId": account_id}
    return DiskFacts(blob.size_gb), echo, None


def _disk(backend: Backend, req: ArmRequest) -> ManagedDisk:
    name = req.params["name"]
    return backend.get(
        backend.disks, f"{req.scope.prefix}/disks/{name}", TYPE, name, req.scope.resource_group
    )


def get_disk(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, _disk(backend, req).to_resource(backend.now()))


def list_disks(backend: Backend, req: ArmRequest) -> Reply:
    now = backend.now()
    return Reply(
        200, paged(req, [d.to_resource(now) for d in backend.under(backend.disks, req.scope.prefix)])
    )


def put_disk(backend: Backend, req: ArmRequest) -> Reply:
    name, now, body = req.params["name"], backend.now(), req.json_object()
    existing = backend.find(backend.disks, f"{req.scope.prefix}/disks/{name}")
    if existing is not None:
        keep_location(existing.location, body, name, req.scope.resource_group)
        if "tags" in body:
            existing.tags = tags_of(body)
        op = start_disk_operation(
            backend,
            req,
            "disks.createOrUpdate",
            existing.location,
            output_when(existing.lifecycle, existing.to_resource),
        )
        return Reply(202, existing.to_resource(now), async_headers(op, req.base_url, location=True))
    location = require_str(body, "location", "disk")
    creation = get_path(body, "properties.creationData")
    if not isinstance(creation, dict):
        raise refusals.missing("creationData", "properties.creationData")
    base, echo, _ = creation_source(backend, creation, location, now)
    facts = facts_from_body(body, base)
    if facts.size_gb < 1:
        raise refusals.missing("diskSizeGB", "properties.diskSizeGB")
    sku = enum_value(str(get_path(body, "sku.name") or "Standard_LRS"), tuple(SKU_TIERS), "sku.name")
    disk = ManagedDisk(
        scope=req.scope,
        name=name,
        location=location,
        facts=facts,
        sku=sku,
        creation_data=echo,
        lifecycle=backend.lifecycle(backend.timing.disk_create, now),
        tags=tags_of(body),
    )
    backend.disks[key(disk.id)] = disk
    op = start_disk_operation(
        backend, req, "disks.createOrUpdate", location, output_when(disk.lifecycle, disk.to_resource)
    )
    disk.lifecycle.fails = op.injected_failure
    return Reply(202, disk.to_resource(now), async_headers(op, req.base_url, location=True))


def delete_disk(backend: Backend, req: ArmRequest) -> Reply:
    disk = backend.find(backend.disks, f"{req.scope.prefix}/disks/{req.params['name']}")
    if disk is None:
        return already_absent()
    now = backend.now()
    vm = disk.attached_vm(now)
    if vm is not None:
        raise refusals.disk_attached_cannot_delete(disk.name, vm.id)
    disk.lifecycle.start_delete(now, seconds_later(now, backend.timing.disk_delete))
    op = start_disk_operation(backend, req, "disks.delete", disk.location, gone_when(disk.lifecycle))
    return Reply(202, None, async_headers(op, req.base_url, location=True))
