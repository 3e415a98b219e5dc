"""An image version's later life: which version is `latest`, what its safetyProfile forbids, soft
delete and restore.

- latest (a VM's `imageReference.id` naming the definition): the highest version (numerically
  Major.Minor.Patch) that is Succeeded, replicated to the VM's region, not excluded from latest
  (globally or for that region) and not deleted or soft-deleted, whatever its source kind.
- by id (a VM's `imageReference.id` naming a version, or `storageProfile.source.id` of a new
  version): the version unless it is being deleted; a soft-deleted one until it is purged.
- safetyProfile.blockDeletionBeforeEndOfLife: a DELETE before `publishingProfile.endOfLifeDate`
  (or with no end of life at all) is refused; allowDeletionOfReplicatedLocations false: a PATCH
  that drops a replicated target region is refused. Both are updatable by PATCH.
- soft delete: see armsim/models/soft_delete.py. A Failed version in a gallery with soft delete on
  cannot be deleted (the documented limitation) unless `bypassSoftDelete=true`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from armsim.backend import Backend
from armsim.errors import ConflictError, InvalidParameterError, OperationNotAllowedError
from armsim.handlers.common import get_path, seconds_later
from armsim.ids import key, region_key
from armsim.models.gallery import Gallery
from armsim.models.image_version import ImageVersion
from armsim.models.lifecycle import Lifecycle
from armsim.models.replication import COMPLETED
from armsim.models.soft_delete import SoftDeletedVersion, soft_deleted_entry

TARGET = "galleryImageVersion"
SAFETY_FIELDS = ("allowDeletionOfReplicatedLocations", "blockDeletionBeforeEndOfLife")


# --- latest --------------------------------------------------------------------------------------
def version_order(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split("."))


def replicated_in(version: ImageVersion, region: str, now: datetime) -> bool:
    replication = version.replication.get(region_key(region))
    return replication is not None and replication.state(now) == COMPLETED


def excluded_from_latest(version: ImageVersion, region: str) -> bool:
    return version.exclude_from_latest or any(
        t.key == region_key(region) and t.exclude_from_latest for t in version.target_regions
    )


def version_by_id(backend: Backend, version_id: str, now: datetime) -> ImageVersion | None:
    """The version an id names for consumers (a VM's image reference, another version's source):
    a live version not being deleted, or a soft-deleted one until it is purged."""
    version = backend.find(backend.versions, version_id)
    if version is None:
        entry = soft_deleted(backend, version_id, now)
        return entry.version if entry is not None else None
    return None if version.lifecycle.is_deleting(now) else version


def latest_version(backend: Backend, definition_id: str, region: str, now: datetime) -> ImageVersion | None:
    candidates = [
        v
        for v in backend.under(backend.versions, definition_id)
        if v.provisioning_state(now) == "Succeeded"
        and replicated_in(v, region, now)
        and not excluded_from_latest(v, region)
    ]
    return max(candidates, key=lambda v: version_order(v.name), default=None)


# --- safety profile ------------------------------------------------------------------------------
def end_of_life(version: ImageVersion) -> datetime | None:
    if version.end_of_life_date is None:
        return None
    return parse_end_of_life(version.end_of_life_date)


def parse_end_of_life(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise InvalidParameterError(
            f"The value '{text}' of parameter 'endOfLifeDate' is not a valid date-time.",
            target=f"{TARGET}.properties.publishingProfile.endOfLifeDate",
        ) from err
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def safety_update(body: dict[str, Any]) -> dict[str, Any]:
    raw = get_path(body, "properties.safetyProfile")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InvalidParameterError(
            "Parameter 'safetyProfile' must be an object.", target=f"{TARGET}.properties.safetyProfile"
        )
    changes: dict[str, Any] = {}
    for name in SAFETY_FIELDS:
        if name in raw:
            if not isinstance(raw[name], bool):
                raise InvalidParameterError(
                    f"Parameter '{name}' must be true or false.",
                    target=f"{TARGET}.properties.safetyProfile.{name}",
                )
            changes[name] = raw[name]
    return changes


def check_region_removal(version: ImageVersion, kept: set[str]) -> None:
    removed = [r.region for k, r in version.replication.items() if k not in kept]
    if removed and version.safety_profile.get("allowDeletionOfReplicatedLocations") is False:
        raise OperationNotAllowedError(
            f"Removing the replicated regions {', '.join(repr(r) for r in removed)} from gallery image "
            f"version '{version.name}' is not allowed: its safetyProfile.allowDeletionOfReplicatedLocations "
            "is false.",
            target=f"{TARGET}.properties.publishingProfile.targetRegions",
        )


def check_deletable(gallery: Gallery, version: ImageVersion, now: datetime, bypass_soft_delete: bool) -> None:
    if version.safety_profile.get("blockDeletionBeforeEndOfLife") is True:
        eol = end_of_life(version)
        if eol is None or now < eol:
            until = (
                f"its end of life date '{version.end_of_life_date}'" if eol else "an end of life date is set"
            )
            raise OperationNotAllowedError(
                f"Gallery image version '{version.name}' cannot be deleted before {until}: its "
                "safetyProfile.blockDeletionBeforeEndOfLife is true."
            )
    soft = gallery.soft_delete is not None and gallery.soft_delete.enabled
    if soft and not bypass_soft_delete and version.provisioning_state(now) == "Failed":
        raise OperationNotAllowedError(
            f"Gallery image version '{version.name}' is in provisioning state Failed and cannot be deleted "
            f"while soft delete is enabled on gallery '{gallery.name}'. Disable soft delete on the gallery, "
            "or delete with bypassSoftDelete=true."
        )


# --- soft delete ---------------------------------------------------------------------------------
def soft_delete_on_delete(
    backend: Backend, gallery: Gallery, version: ImageVersion, bypass: bool, gone_at: datetime
) -> None:
    """With the gallery's soft delete on, the version becomes soft-deleted when its deletion ends."""
    policy = gallery.soft_delete
    if policy is not None and policy.enabled and not bypass:
        backend.soft_deleted[key(version.id)] = soft_deleted_entry(version, policy, gone_at)


def soft_deleted(backend: Backend, version_id: str, now: datetime) -> SoftDeletedVersion | None:
    """The soft-deleted version of that id, dropping it once its retention has ended."""
    entry = backend.soft_deleted.get(key(version_id))
    if entry is not None and now >= entry.purge_at:
        del backend.soft_deleted[key(version_id)]
        return None
    return entry if entry is not None and entry.visible(now) else None


def soft_deleted_under(backend: Backend, definition_id: str, now: datetime) -> list[SoftDeletedVersion]:
    prefix = key(definition_id) + "/versions/"
    entries = [
        soft_deleted(backend, e.version.id, now)
        for k, e in list(backend.soft_deleted.items())
        if k.startswith(prefix)
    ]
    return [e for e in entries if e is not None]


def purge_under(backend: Backend, definition_id: str) -> None:
    prefix = key(definition_id) + "/versions/"
    for k in [k for k in backend.soft_deleted if k.startswith(prefix)]:
        del backend.soft_deleted[k]


def restore(backend: Backend, entry: SoftDeletedVersion, now: datetime) -> ImageVersion:
    """Bring a soft-deleted version back; it is Updating while its replicas are restored."""
    version = entry.version
    del backend.soft_deleted[key(version.id)]
    version.lifecycle = Lifecycle(
        created_at=version.lifecycle.created_at, ready_at=version.lifecycle.created_at
    )
    version.phase = "Updating"
    version.busy_until = seconds_later(now, backend.timing.version_update_min)
    backend.versions[key(version.id)] = version
    return version


def restore_requested(body: dict[str, Any]) -> bool:
    """`properties.restore: true`, or a PUT naming no source at all (neither a whole-image source
    nor per-disk sources: osDiskImage.source, dataDiskImages[].source)."""
    if get_path(body, "properties.restore") is True:
        return True
    profile = get_path(body, "properties.storageProfile")
    if not isinstance(profile, dict):
        return True
    sources = [profile.get("source"), get_path(profile, "osDiskImage.source")]
    data = profile.get("dataDiskImages")
    sources += [d.get("source") for d in data if isinstance(d, dict)] if isinstance(data, list) else []
    return not any(isinstance(s, dict) and s for s in sources)


def refuse_shadowing(version_name: str) -> ConflictError:
    return ConflictError(
        f"Gallery image version '{version_name}' is soft-deleted. Restore it (properties.restore: true) or "
        "delete it permanently before creating a version of the same name."
    )
