"""snapshots: get, list, create (Copy of a disk or snapshot, full or incremental; Import of a VHD),
delete. A snapshot of a disk attached to a running VM is taken (crash-consistent), as Azure does."""

from __future__ import annotations

from datetime import timedelta

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import InvalidParameterError
from armsim.handlers.common import (
    already_absent,
    async_headers,
    enum_value,
    get_path,
    keep_location,
    require_str,
    seconds_later,
    tags_of,
)
from armsim.handlers.disks import (
    creation_source,
    facts_from_body,
    gone_when,
    output_when,
    start_disk_operation,
)
from armsim.handlers.lists import paged
from armsim.http import ArmRequest, Reply
from armsim.ids import key
from armsim.models.disk import ManagedDisk
from armsim.models.snapshot import Snapshot

TYPE = "Microsoft.Compute/snapshots"
SNAPSHOT_SKUS = ("Standard_LRS", "Premium_LRS", "Standard_ZRS")


def _snapshot(backend: Backend, req: ArmRequest) -> Snapshot:
    name = req.params["name"]
    return backend.get(
        backend.snapshots, f"{req.scope.prefix}/snapshots/{name}", TYPE, name, req.scope.resource_group
    )


def get_snapshot(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, _snapshot(backend, req).to_resource(backend.now()))


def list_snapshots(backend: Backend, req: ArmRequest) -> Reply:
    now = backend.now()
    items = [s.to_resource(now) for s in backend.under(backend.snapshots, req.scope.prefix)]
    return Reply(200, paged(req, items))


def put_snapshot(backend: Backend, req: ArmRequest) -> Reply:
    name, now, body = req.params["name"], backend.now(), req.json_object()
    existing = backend.find(backend.snapshots, f"{req.scope.prefix}/snapshots/{name}")
    if existing is not None:
        keep_location(existing.location, body, name, req.scope.resource_group)
        if "tags" in body:
            existing.tags = tags_of(body)
        op = start_disk_operation(
            backend,
            req,
            "snapshots.createOrUpdate",
            existing.location,
            output_when(existing.lifecycle, existing.to_resource),
        )
        return Reply(202, existing.to_resource(now), async_headers(op, req.base_url, location=True))
    location = require_str(body, "location", "snapshot")
    creation = get_path(body, "properties.creationData")
    if not isinstance(creation, dict):
        raise refusals.missing("creationData", "properties.creationData")
    incremental = get_path(body, "properties.incremental") or False
    if not isinstance(incremental, bool):
        raise InvalidParameterError(
            "Parameter 'incremental' must be true or false.", target="properties.incremental"
        )
    option = str(creation.get("createOption") or "")
    if option.lower() == "empty":
        raise InvalidParameterError(
            "A snapshot is created with createOption 'Copy' (of a disk or snapshot) or 'Import' (of a VHD).",
            target="properties.creationData.createOption",
        )
    base, echo, source = creation_source(backend, creation, location, now)
    if incremental and not isinstance(source, ManagedDisk):
        raise refusals.incremental_needs_a_disk(
            str(creation.get("sourceResourceId") or creation.get("sourceUri"))
        )
    facts = facts_from_body(body, base)
    lifecycle = backend.lifecycle(backend.timing.snapshot_create, now)
    copy_ends = lifecycle.ready_at
    if incremental:
        copy_ends = now + timedelta(seconds=backend.timing.incremental_copy_seconds(facts.size_gb))
    snapshot = Snapshot(
        scope=req.scope,
        name=name,
        location=location,
        facts=facts,
        sku=enum_value(str(get_path(body, "sku.name") or "Standard_LRS"), SNAPSHOT_SKUS, "sku.name"),
        incremental=incremental,
        creation_data=echo,
        lifecycle=lifecycle,
        copy_ends_at=max(copy_ends, lifecycle.ready_at),
        family_id=source.unique_id if incremental and source is not None else None,
        tags=tags_of(body),
    )
    backend.snapshots[key(snapshot.id)] = snapshot
    op = start_disk_operation(
        backend,
        req,
        "snapshots.createOrUpdate",
        location,
        output_when(snapshot.lifecycle, snapshot.to_resource),
    )
    snapshot.lifecycle.fails = op.injected_failure
    return Reply(202, snapshot.to_resource(now), async_headers(op, req.base_url, location=True))


def delete_snapshot(backend: Backend, req: ArmRequest) -> Reply:
    snapshot = backend.find(backend.snapshots, f"{req.scope.prefix}/snapshots/{req.params['name']}")
    if snapshot is None:
        return already_absent()
    now = backend.now()
    snapshot.lifecycle.start_delete(now, seconds_later(now, backend.timing.snapshot_delete))
    op = start_disk_operation(
        backend, req, "snapshots.delete", snapshot.location, gone_when(snapshot.lifecycle)
    )
    return Reply(202, None, async_headers(op, req.base_url, location=True))
