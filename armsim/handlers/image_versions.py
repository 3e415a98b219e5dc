"""galleries/{g}/images/{def}/versions/{ver}: create from a VM or managed image, replicate to the
target regions, update (PATCH), get with `$expand=ReplicationStatus`, list, delete."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from armsim.backend import Backend
from armsim.errors import (
    InvalidParameterError,
    OperationNotAllowedError,
    PropertyChangeNotAllowedError,
)
from armsim.faults import REPLICATION_FAILURE_MESSAGE
from armsim.handlers.common import (
    already_absent,
    async_headers,
    enum_value,
    get_path,
    keep_location,
    optional_str,
    require_str,
    seconds_later,
    start_caps_operation,
    tags_of,
)
from armsim.handlers.galleries import GALLERY_TYPE, gone_resolver
from armsim.handlers.lists import paged
from armsim.handlers.version_lifecycle import (
    check_deletable,
    check_region_removal,
    refuse_shadowing,
    restore,
    restore_requested,
    safety_update,
    soft_delete_on_delete,
    soft_deleted,
)
from armsim.handlers.version_publishing import (
    apply_strategy,
    check_strategy_unchanged,
    storage_strategy,
    validations,
)
from armsim.handlers.version_storage import capture, check_unchanged
from armsim.http import ArmRequest, Reply
from armsim.ids import check_version_name, key, region_key
from armsim.models.gallery import Gallery
from armsim.models.gallery_image import GalleryImage
from armsim.models.image_version import ImageVersion, TargetRegion
from armsim.models.operations import FAILED, IN_PROGRESS, SUCCEEDED, Outcome, Resolver
from armsim.models.replication import RegionReplication

VERSION_TYPE = "Microsoft.Compute/galleries/images/versions"
STORAGE_TYPES = ("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")
TARGET = "galleryImageVersion"


def _parents(backend: Backend, req: ArmRequest) -> tuple[Gallery, GalleryImage]:
    g, d = req.params["gallery"], req.params["definition"]
    gallery = backend.parent(backend.galleries, req.scope.gallery_id(g), f"{GALLERY_TYPE}/{g}")
    definition = backend.parent(
        backend.definitions, req.scope.definition_id(gallery.name, d), f"{GALLERY_TYPE}/images/{g}/{d}"
    )
    return gallery, definition


def _version(backend: Backend, req: ArmRequest) -> ImageVersion:
    _, definition = _parents(backend, req)
    name = req.params["version"]
    return backend.get(
        backend.versions,
        req.scope.version_id(definition.gallery, definition.name, name),
        VERSION_TYPE,
        f"{definition.gallery}/{definition.name}/{name}",
        req.scope.resource_group,
    )


def get_version(backend: Backend, req: ArmRequest) -> Reply:
    version = _version(backend, req)
    expand = req.expand()
    return Reply(
        200, version.to_resource(backend.now(), "replicationstatus" in expand, "validationprofile" in expand)
    )


def list_versions(backend: Backend, req: ArmRequest) -> Reply:
    _, definition = _parents(backend, req)
    now = backend.now()
    items = [v.to_resource(now) for v in backend.under(backend.versions, definition.id)]
    return Reply(200, paged(req, items))


def delete_version(backend: Backend, req: ArmRequest) -> Reply:
    gallery, definition = _parents(backend, req)
    version_id = req.scope.version_id(definition.gallery, definition.name, req.params["version"])
    version = backend.find(backend.versions, version_id)
    now = backend.now()
    bypass = req.query.get("bypasssoftdelete", "false").lower() == "true"
    if version is None:
        if bypass and soft_deleted(backend, version_id, now) is not None:
            del backend.soft_deleted[key(version_id)]  # permanently, as bypassSoftDelete asks
        return already_absent()
    if not version.lifecycle.is_deleting(now):
        check_deletable(gallery, version, now, bypass)
        gone_at = seconds_later(now, backend.timing.version_delete)
        version.lifecycle.start_delete(now, gone_at)
        soft_delete_on_delete(backend, gallery, version, bypass, gone_at)
    op = start_caps_operation(
        backend,
        req,
        "galleryImageVersions.delete",
        version.location,
        gone_resolver(version.lifecycle),
        backend.timing.retry_after_gallery,
    )
    return Reply(202, None, async_headers(op, req.base_url, location=True))


def version_resolver(version: ImageVersion) -> Resolver:
    """The version's LRO ends when every target region has replicated (or one failed)."""

    def resolve(at: datetime) -> Outcome:
        if not version.settled(at):
            return Outcome(IN_PROGRESS)
        failed = version.failed_regions(at)
        if failed:
            return Outcome(
                FAILED,
                version.settled_at(),
                error={"code": "InternalOperationError", "message": failed[0].failure_message},
            )
        return Outcome(SUCCEEDED, version.settled_at())

    return resolve


# --- publishing profile ----------------------------------------------------------------------------
def _int_in_range(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameterError(
            f"The value of parameter {field.split('.')[-1]} is out of range. Value '{value}' must be between "
            f"'{low}' and '{high}'.",
            target=field,
        )
    return value


def _target_regions(raw: Any, default_count: int, default_sku: str) -> list[TargetRegion]:
    if not isinstance(raw, list):
        raise InvalidParameterError(
            "Parameter 'targetRegions' must be an array.",
            target=f"{TARGET}.properties.publishingProfile.targetRegions",
        )
    regions: list[TargetRegion] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        field = f"{TARGET}.properties.publishingProfile.targetRegions[{index}]"
        if not isinstance(item, dict):
            raise InvalidParameterError("Each target region must be an object.", target=field)
        name = require_str(item, "name", field)
        if region_key(name) in seen:
            raise InvalidParameterError(
                f"Target region '{name}' is specified more than once. Each target region must be unique.",
                target=f"{field}.name",
            )
        seen.add(region_key(name))
        count = item.get("regionalReplicaCount", default_count)
        sku = enum_value(
            str(item.get("storageAccountType") or default_sku), STORAGE_TYPES, f"{field}.storageAccountType"
        )
        extra = {
            k: v
            for k, v in item.items()
            if k not in ("name", "regionalReplicaCount", "storageAccountType", "excludeFromLatest")
        }
        regions.append(
            TargetRegion(
                name=name,
                regional_replica_count=_int_in_range(count, f"{field}.regionalReplicaCount", 1, 100),
                storage_account_type=sku,
                exclude_from_latest=bool(item.get("excludeFromLatest", False)),
                extra=extra,
            )
        )
    return regions


def _require_home_region(regions: list[TargetRegion], location: str) -> None:
    if region_key(location) not in {r.key for r in regions}:
        names = ",".join(r.key for r in regions)
        raise InvalidParameterError(
            f"Gallery image version publishing profile regions '{names}' must contain the location of image "
            f"version '{region_key(location)}'.",
            target=f"{TARGET}.properties.publishingProfile.targetRegions",
        )


# --- replication planning ---------------------------------------------------------------------------
def _plan(
    backend: Backend, version: ImageVersion, regions: list[TargetRegion], start: datetime, operation: str
) -> None:
    """Replicate `regions` from `start`: the home region first if listed, then the rest in parallel."""
    home = [r for r in regions if r.key == region_key(version.location)]
    others = [r for r in regions if r.key != region_key(version.location)]
    after_home = start
    for group, group_start in ((home, start), (others, None)):
        for region in group:
            begins = group_start if group_start is not None else after_home
            replication = _replicate(backend, version, region, begins, operation)
            if group is home:
                after_home = replication.ends_at


def _replicate(
    backend: Backend, version: ImageVersion, region: TargetRegion, begins: datetime, operation: str
) -> RegionReplication:
    """Schedule one region's copy; a `replication_failure` fault makes it fail halfway."""
    seconds = backend.timing.replication_seconds(
        version.total_size_gb,
        region.regional_replica_count,
        region.storage_account_type,
        version.replication_mode == "Shallow",
    )
    replication = RegionReplication(region.name, begins, begins + timedelta(seconds=seconds))
    fault = backend.faults.take(("replication_failure",), operation, version.name, region.name)
    if fault is not None:
        replication.fails_at = begins + timedelta(seconds=seconds / 2)
        replication.failure_message = fault.message or REPLICATION_FAILURE_MESSAGE.format(region=region.name)
    version.replication[region.key] = replication
    return replication


# --- create / update --------------------------------------------------------------------------------
def put_version(backend: Backend, req: ArmRequest) -> Reply:
    gallery, definition = _parents(backend, req)
    name = req.params["version"]
    check_version_name(name)
    body = req.json_object()
    now = backend.now()
    location = require_str(body, "location", TARGET)
    deleted = soft_deleted(backend, req.scope.version_id(gallery.name, definition.name, name), now)
    if deleted is not None:
        if not restore_requested(body):
            raise refuse_shadowing(name)
        return _restored(backend, req, restore(backend, deleted, now), now)
    existing = backend.find(backend.versions, req.scope.version_id(gallery.name, definition.name, name))
    if existing is not None:
        keep_location(existing.location, body, name, req.scope.resource_group)
        return _update(backend, req, existing, body, now, status=200)
    if region_key(location) != region_key(gallery.location):
        raise InvalidParameterError(
            f"The location '{location}' of the gallery image version must match the location "
            f"'{gallery.location}' of its gallery.",
            target=f"{TARGET}.location",
        )
    captured = capture(backend, definition, body, location, now)
    profile = get_path(body, "properties.publishingProfile") or {}
    strategy = storage_strategy(profile, req.api_version)
    replica_count = _int_in_range(
        profile.get("replicaCount", 1), f"{TARGET}.properties.publishingProfile.replicaCount", 1, 100
    )
    sku = enum_value(
        str(profile.get("storageAccountType") or "Standard_LRS"),
        STORAGE_TYPES,
        f"{TARGET}.properties.publishingProfile.storageAccountType",
    )
    mode = enum_value(
        str(profile.get("replicationMode") or "Full"),
        ("Full", "Shallow"),
        f"{TARGET}.properties.publishingProfile.replicationMode",
    )
    raw_regions = profile.get("targetRegions")
    if raw_regions is None:
        regions = [TargetRegion(location, replica_count, sku, False)]
    else:
        regions = _target_regions(raw_regions, replica_count, sku)
        _require_home_region(regions, location)
    apply_strategy(strategy, regions, raw_regions)
    version = ImageVersion(
        scope=req.scope,
        gallery=gallery.name,
        definition=definition.name,
        name=name,
        location=location,
        source=captured.source,
        os_disk_size_gb=captured.os_size_gb,
        data_disks=captured.data_disks,
        target_regions=regions,
        replica_count=replica_count,
        storage_account_type=sku,
        replication_mode=mode,
        exclude_from_latest=bool(profile.get("excludeFromLatest", False)),
        end_of_life_date=optional_str(body, "properties.publishingProfile.endOfLifeDate", TARGET),
        safety_profile=_safety(body),
        lifecycle=backend.lifecycle(0, now),
        published_at=now,
        tags=tags_of(body),
        storage_account_strategy=strategy,
        storage_profile=captured.storage_profile,
        validations=validations(definition, captured.os_facts, now, req.api_version, backend.timing),
    )
    _plan(backend, version, regions, now, "galleryImageVersions.createOrUpdate")
    backend.versions[key(version.id)] = version
    op = start_caps_operation(
        backend,
        req,
        "galleryImageVersions.createOrUpdate",
        gallery.location,
        version_resolver(version),
        backend.timing.retry_after_version,
    )
    version.lifecycle.fails = op.injected_failure
    return Reply(201, version.to_resource(now), async_headers(op, req.base_url, location=False))


def patch_version(backend: Backend, req: ArmRequest) -> Reply:
    _, definition = _parents(backend, req)
    body = req.json_object()
    now = backend.now()
    version_id = req.scope.version_id(definition.gallery, definition.name, req.params["version"])
    deleted = soft_deleted(backend, version_id, now)
    if deleted is not None and get_path(body, "properties.restore") is True:
        return _restored(backend, req, restore(backend, deleted, now), now)
    version = _version(backend, req)
    return _update(backend, req, version, body, now, status=200)


def _restored(backend: Backend, req: ArmRequest, version: ImageVersion, now: datetime) -> Reply:
    op = start_caps_operation(
        backend,
        req,
        "galleryImageVersions.update",
        version.location,
        version_resolver(version),
        backend.timing.retry_after_version,
    )
    return Reply(200, version.to_resource(now), async_headers(op, req.base_url, location=False))


def _update(
    backend: Backend, req: ArmRequest, version: ImageVersion, body: dict[str, Any], now: datetime, status: int
) -> Reply:
    """Only target regions, replica counts, excludeFromLatest and endOfLifeDate may change."""
    if version.lifecycle.is_deleting(now):
        raise OperationNotAllowedError(f"Gallery image version '{version.name}' is being deleted.")
    check_unchanged(version, body)
    profile = get_path(body, "properties.publishingProfile") or {}
    check_strategy_unchanged(version, profile)
    for field, current_value in (
        ("storageAccountType", version.storage_account_type),
        ("replicationMode", version.replication_mode),
    ):
        requested_value = profile.get(field)
        if requested_value is not None and str(requested_value).lower() != current_value.lower():
            raise PropertyChangeNotAllowedError(
                f"Changing property '{TARGET}.properties.publishingProfile.{field}' is not allowed.",
                target=f"{TARGET}.properties.publishingProfile.{field}",
            )
    if "replicaCount" in profile:
        version.replica_count = _int_in_range(
            profile["replicaCount"], f"{TARGET}.properties.publishingProfile.replicaCount", 1, 100
        )
    if "excludeFromLatest" in profile:
        version.exclude_from_latest = bool(profile["excludeFromLatest"])
    if "endOfLifeDate" in profile:
        version.end_of_life_date = optional_str(body, "properties.publishingProfile.endOfLifeDate", TARGET)
    if "tags" in body:
        version.tags = tags_of(body)
    version.safety_profile.update(safety_update(body))
    replan: list[TargetRegion] = [
        t
        for t in version.target_regions
        if t.key in version.replication and version.replication[t.key].state(now) == FAILED
    ]
    if profile.get("targetRegions") is not None:
        regions = _target_regions(
            profile["targetRegions"], version.replica_count, version.storage_account_type
        )
        _require_home_region(regions, version.location)
        check_region_removal(version, {r.key for r in regions})
        apply_strategy(version.storage_account_strategy, regions, profile["targetRegions"])
        old = {t.key: t for t in version.target_regions}
        replan = []
        for region in regions:
            before = old.get(region.key)
            replicated = version.replication.get(region.key)
            changed = before is None or (before.regional_replica_count, before.storage_account_type) != (
                region.regional_replica_count,
                region.storage_account_type,
            )
            if changed or replicated is None or replicated.state(now) == FAILED:
                replan.append(region)
        for gone in set(old) - {r.key for r in regions}:
            version.replication.pop(gone, None)
        version.target_regions = regions
    # Retried regions copy from the already-replicated home region, so they all run in parallel.
    for region in replan:
        version.replication.pop(region.key, None)
    _plan_parallel(backend, version, replan, now)
    version.phase = "Updating"
    version.busy_until = seconds_later(now, backend.timing.version_update_min)
    op = start_caps_operation(
        backend,
        req,
        "galleryImageVersions.update",
        version.location,
        version_resolver(version),
        backend.timing.retry_after_version,
    )
    version.lifecycle.fails = op.injected_failure  # an update is how a Failed version is retried
    return Reply(status, version.to_resource(now), async_headers(op, req.base_url, location=False))


def _plan_parallel(
    backend: Backend, version: ImageVersion, regions: list[TargetRegion], start: datetime
) -> None:
    home_key = region_key(version.location)
    home_ready = version.replication.get(home_key)
    if home_ready is None and any(r.key == home_key for r in regions):
        _plan(backend, version, regions, start, "galleryImageVersions.update")
        return
    for region in regions:
        _replicate(backend, version, region, start, "galleryImageVersions.update")


def _safety(body: dict[str, Any]) -> dict[str, Any]:
    raw = get_path(body, "properties.safetyProfile") or {}
    if not isinstance(raw, dict):
        raise InvalidParameterError(
            "Parameter 'safetyProfile' must be an object.", target=f"{TARGET}.properties.safetyProfile"
        )
    return {
        k: v
        for k, v in raw.items()
        if k in ("allowDeletionOfReplicatedLocations", "blockDeletionBeforeEndOfLife")
    }
