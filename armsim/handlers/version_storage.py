"""A gallery image version's `storageProfile`, as API 2024-03-03 / 2025-03-03 define it: one
source for the whole image (`source.virtualMachineId`, or `source.id` of a VM, a managed image
or another gallery image version), or one source per disk (`osDiskImage.source` and
`dataDiskImages[].source`: `id` of a managed disk or snapshot, or `uri` + `storageAccountId` of a
VHD). Sources are checked against the definition and the version's region before anything is
written; the captured profile is what the version reports back (sources, sizes, host caching).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import InvalidParameterError
from armsim.handlers.common import enum_value, get_path
from armsim.handlers.sources import (
    SourceFacts,
    check_compatible,
    check_region,
    disk_source,
    image_source,
    version_source,
    vhd_source,
    vm_source,
)
from armsim.models.gallery_image import GalleryImage
from armsim.models.image_version import ImageVersion
from armsim.models.vm import DataDisk
from armsim.resource_ids import IMAGE, VERSION, VM, parse_ref

PROFILE = "galleryImageVersion.properties.storageProfile"
CACHING = ("None", "ReadOnly", "ReadWrite")


@dataclass
class Captured:
    source: dict[str, str]  # the whole-image source ({"virtualMachineId"} or {"id"}), else {}
    os_size_gb: int
    data_disks: list[DataDisk]
    storage_profile: dict[str, Any]
    os_facts: SourceFacts


def _dict(value: Any, target: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidParameterError(f"Parameter '{target.split('.')[-1]}' must be an object.", target=target)
    return value


def _caching(disk: dict[str, Any] | None, default: str, target: str) -> str:
    value = (disk or {}).get("hostCaching")
    return enum_value(str(value), CACHING, f"{target}.hostCaching") if value else default


def _disk_ref(source: dict[str, Any]) -> str | None:
    """What names a per-disk source: its id, or its blob URI."""
    value = source.get("id") or source.get("uri")
    return str(value) if value else None


def capture(
    backend: Backend, definition: GalleryImage, body: dict[str, Any], location: str, now: datetime
) -> Captured:
    profile = _dict(get_path(body, "properties.storageProfile"), PROFILE)
    if profile is None:
        raise refusals.missing("storageProfile", PROFILE)
    whole = _dict(profile.get("source"), f"{PROFILE}.source") or {}
    os_disk = _dict(profile.get("osDiskImage"), f"{PROFILE}.osDiskImage")
    data_raw = profile.get("dataDiskImages") or []
    if not isinstance(data_raw, list) or not all(isinstance(d, dict) for d in data_raw):
        raise InvalidParameterError(
            "Parameter 'dataDiskImages' must be an array of objects.", target=f"{PROFILE}.dataDiskImages"
        )
    os_source = _dict((os_disk or {}).get("source"), f"{PROFILE}.osDiskImage.source") or {}
    per_disk = bool(_disk_ref(os_source)) or any(_disk_ref(d.get("source") or {}) for d in data_raw)
    whole_ref = whole.get("virtualMachineId") or whole.get("id")
    if whole.get("communityGalleryImageId"):
        raise InvalidParameterError(
            "Community gallery images are not simulated as version sources.", target=f"{PROFILE}.source"
        )
    if bool(whole_ref) == per_disk or (per_disk and not _disk_ref(os_source)):
        raise refusals.one_source_only()
    if whole_ref:
        return _whole(backend, definition, whole, os_disk, data_raw, location, now)
    return _per_disk(backend, definition, os_disk or {}, os_source, data_raw, location, now)


def _whole(
    backend: Backend,
    definition: GalleryImage,
    whole: dict[str, Any],
    os_disk: dict[str, Any] | None,
    data_raw: list[dict[str, Any]],
    location: str,
    now: datetime,
) -> Captured:
    if whole.get("virtualMachineId"):
        source = {"virtualMachineId": str(whole["virtualMachineId"])}
        facts = vm_source(backend, source["virtualMachineId"], now, f"{PROFILE}.source.virtualMachineId")
    else:
        source_id = str(whole["id"])
        source = {"id": source_id}
        ref = parse_ref(source_id)
        if ref is None or not source_id.startswith("/"):
            raise refusals.invalid_source_id(source_id, "properties.storageProfile.source.id")
        if ref.kind == VM:
            facts = vm_source(backend, source_id, now, f"{PROFILE}.source.id")
        elif ref.kind == IMAGE:
            facts = image_source(backend, source_id, now, f"{PROFILE}.source.id")
        elif ref.kind == VERSION:
            facts = version_source(backend, source_id, location, now)
        else:
            raise refusals.source_must_be_image_vm_or_version(source_id)
    check_region(facts, location)
    check_compatible(facts, definition)
    caching = {int(d["lun"]): d for d in data_raw if isinstance(d.get("lun"), int)}
    storage: dict[str, Any] = {
        "source": dict(source),
        "osDiskImage": {
            "sizeInGB": facts.size_gb,
            "hostCaching": _caching(os_disk, "ReadWrite", f"{PROFILE}.osDiskImage"),
        },
    }
    if facts.data_disks:
        storage["dataDiskImages"] = [
            {
                "lun": d.lun,
                "sizeInGB": d.size_gb,
                "hostCaching": _caching(caching.get(d.lun), "None", f"{PROFILE}.dataDiskImages"),
            }
            for d in facts.data_disks
        ]
    return Captured(source, facts.size_gb, list(facts.data_disks), storage, facts)


def _disk_facts(backend: Backend, source: dict[str, Any], target: str, now: datetime) -> SourceFacts:
    if source.get("id") and source.get("uri"):
        raise refusals.one_source_only()
    if source.get("uri"):
        return vhd_source(backend, str(source["uri"]), source.get("storageAccountId"), target)
    source_id = str(source["id"])
    if not source_id.startswith("/"):
        raise refusals.invalid_source_id(
            source_id, f"properties.storageProfile.{target.rsplit('.', 2)[-2]}.source.id"
        )
    return disk_source(backend, source_id, now, f"{target}.id", refuse_running=True)


def _echo(source: dict[str, Any]) -> dict[str, str]:
    if source.get("uri"):
        echo = {"uri": str(source["uri"])}
        if source.get("storageAccountId"):
            echo["storageAccountId"] = str(source["storageAccountId"])
        return echo
    return {"id": str(source["id"])}


def _per_disk(
    backend: Backend,
    definition: GalleryImage,
    os_disk: dict[str, Any],
    os_source: dict[str, Any],
    data_raw: list[dict[str, Any]],
    location: str,
    now: datetime,
) -> Captured:
    os_facts = _disk_facts(backend, os_source, f"{PROFILE}.osDiskImage.source", now)
    check_region(os_facts, location)
    check_compatible(os_facts, definition)
    refs = [os_facts.source_id.lower()]
    luns: set[int] = set()
    data_disks: list[DataDisk] = []
    data_bodies: list[dict[str, Any]] = []
    for index, item in enumerate(data_raw):
        target = f"{PROFILE}.dataDiskImages[{index}]"
        lun = item.get("lun")
        if isinstance(lun, bool) or not isinstance(lun, int) or not 0 <= lun <= 63:
            raise InvalidParameterError(
                "Each data disk image needs an integer 'lun' 0-63.", target=f"{target}.lun"
            )
        if lun in luns:
            raise refusals.duplicate_luns()
        luns.add(lun)
        source = _dict(item.get("source"), f"{target}.source") or {}
        if not _disk_ref(source):
            raise refusals.missing("source", f"{target}.source")
        facts = _disk_facts(backend, source, f"{target}.source", now)
        check_region(facts, location)
        if facts.source_id.lower() in refs:
            if facts.kind == "vhd" and refs[0] == facts.source_id.lower():
                raise refusals.same_blob(facts.source_id)
            raise refusals.duplicate_sources()
        refs.append(facts.source_id.lower())
        data_disks.append(DataDisk(lun, facts.size_gb))
        data_bodies.append(
            {
                "lun": lun,
                "sizeInGB": facts.size_gb,
                "hostCaching": _caching(item, "None", target),
                "source": _echo(source),
            }
        )
    storage: dict[str, Any] = {
        "osDiskImage": {
            "sizeInGB": os_facts.size_gb,
            "hostCaching": _caching(os_disk, "ReadWrite", f"{PROFILE}.osDiskImage"),
            "source": _echo(os_source),
        }
    }
    if data_bodies:
        storage["dataDiskImages"] = data_bodies
    return Captured({}, os_facts.size_gb, data_disks, storage, os_facts)


def check_unchanged(version: ImageVersion, body: dict[str, Any]) -> None:
    """An update (PATCH, or PUT of an existing version) may not change any source."""
    profile = get_path(body, "properties.storageProfile")
    if not isinstance(profile, dict):
        return
    whole = profile.get("source")
    if isinstance(whole, dict):
        for field in ("virtualMachineId", "id"):
            requested = whole.get(field)
            current = version.source.get(field) or next(iter(version.source.values()), "")
            if requested and str(requested).lower() != current.lower():
                raise refusals.source_change(f"source.{field}")
    stored = version.storage_profile or {}
    os_requested = get_path(profile, "osDiskImage.source")
    if isinstance(os_requested, dict) and _disk_ref(os_requested):
        current = _disk_ref(get_path(stored, "osDiskImage.source") or {}) or ""
        if str(_disk_ref(os_requested)).lower() != current.lower():
            raise refusals.source_change("osDiskImage.source.id")
    stored_data = {d["lun"]: d for d in stored.get("dataDiskImages") or [] if isinstance(d, dict)}
    for item in profile.get("dataDiskImages") or []:
        if not isinstance(item, dict) or not _disk_ref(item.get("source") or {}):
            continue
        before = stored_data.get(item.get("lun"))
        if before is None:
            raise refusals.new_data_disk()
        if str(_disk_ref(item["source"])).lower() != str(_disk_ref(before.get("source") or {})).lower():
            raise refusals.source_change("dataDiskImages.source.id")
