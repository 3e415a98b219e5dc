"""A managed image made of disks: `storageProfile.osDisk` (and `dataDisks[]`) each naming a
snapshot (`snapshot.id`), a managed disk (`managedDisk.id`) or a VHD (`blobUri`), with the OS
type and state the request declares. Sources must be in the image's region, usable (a snapshot
done copying, a disk not attached to a running VM, a VHD that is a page blob with a footer) and
not of a Trusted Launch VM, which managed images do not support.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import InvalidParameterError
from armsim.handlers.common import enum_value, get_path, require_str
from armsim.handlers.sources import SourceFacts, check_vhd, disk_source
from armsim.http import ArmRequest
from armsim.ids import region_key
from armsim.models.image import ManagedImage
from armsim.models.storage import blob_key
from armsim.models.vm import HYPER_V_GENERATIONS, OS_TYPES, DataDisk
from armsim.resource_ids import DISK, SNAPSHOT, parse_ref

PROFILE = "parameters.properties.storageProfile"
CACHING = ("None", "ReadOnly", "ReadWrite")
IMAGE_SKUS = ("Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "Premium_ZRS", "StandardSSD_ZRS")


def _source(
    backend: Backend, disk: dict[str, Any], target: str, now: datetime
) -> tuple[dict[str, Any], SourceFacts]:
    """The disk's source as echoed back, and what it is."""
    named = [k for k in ("snapshot", "managedDisk", "blobUri") if disk.get(k)]
    if len(named) != 1:
        raise InvalidParameterError(
            "Exactly one of 'snapshot', 'managedDisk' or 'blobUri' must be given for a disk of an image.",
            target=target,
        )
    if named[0] == "blobUri":
        uri = str(disk["blobUri"])
        blob = backend.blobs.get(blob_key(uri))
        account = backend.storage_accounts.get(blob.storage_account_id.lower()) if blob is not None else None
        if blob is None or account is None:
            raise refusals.blob_not_accessible(uri)
        check_vhd(uri, blob.blob_type, blob.vhd_footer, blob.name)
        return {"blobUri": uri}, SourceFacts(uri, "vhd", account.location, blob.size_gb)
    field = named[0]
    raw = disk[field]
    source_id = str(raw.get("id") or "") if isinstance(raw, dict) else ""
    ref = parse_ref(source_id)
    expected = SNAPSHOT if field == "snapshot" else DISK
    if ref is None or ref.kind != expected:
        what = "snapshot" if field == "snapshot" else "managed disk"
        raise InvalidParameterError(
            f"The id '{source_id}' of '{field}' must be a {what} id.", target=f"{target}.{field}.id"
        )
    facts = disk_source(backend, source_id, now, f"{target}.{field}.id", refuse_running=True)
    if facts.security_type == "TrustedLaunch":
        raise refusals.trusted_launch_managed_image("snapshot" if field == "snapshot" else "disk")
    return {field: {"id": source_id}}, facts


def _same_region(facts: SourceFacts, location: str) -> None:
    if region_key(facts.location) != region_key(location):
        raise refusals.image_source_in_other_region(
            facts.source_id, region_key(facts.location), region_key(location)
        )


def _disk_settings(disk: dict[str, Any], facts: SourceFacts, target: str) -> tuple[int, str, str]:
    size = disk.get("diskSizeGB")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < facts.size_gb):
        raise InvalidParameterError(
            f"Parameter 'diskSizeGB' must be an integer of at least {facts.size_gb} GB (the source's size).",
            target=f"{target}.diskSizeGB",
        )
    caching = enum_value(str(disk.get("caching") or "ReadWrite"), CACHING, f"{target}.caching")
    sku = enum_value(
        str(disk.get("storageAccountType") or "Standard_LRS"), IMAGE_SKUS, f"{target}.storageAccountType"
    )
    return size if isinstance(size, int) else facts.size_gb, caching, sku


def from_disks(backend: Backend, req: ArmRequest, name: str, location: str, now: datetime) -> ManagedImage:
    body = req.json_object()
    os_disk = get_path(body, "properties.storageProfile.osDisk")
    if not isinstance(os_disk, dict):
        raise refusals.missing("osDisk", f"{PROFILE}.osDisk")
    target = f"{PROFILE}.osDisk"
    os_type = enum_value(require_str(os_disk, "osType", target), OS_TYPES, f"{target}.osType")
    os_state = enum_value(
        str(os_disk.get("osState") or "Generalized"), ("Generalized", "Specialized"), f"{target}.osState"
    )
    os_source, facts = _source(backend, os_disk, target, now)
    _same_region(facts, location)
    size, caching, sku = _disk_settings(os_disk, facts, target)
    generation = get_path(body, "properties.hyperVGeneration")
    if generation:
        generation = enum_value(
            str(generation), HYPER_V_GENERATIONS, "parameters.properties.hyperVGeneration"
        )
        if facts.hyper_v_generation and generation != facts.hyper_v_generation:
            raise InvalidParameterError(
                f"The Hyper-V generation '{generation}' of the image does not match the Hyper-V generation "
                f"'{facts.hyper_v_generation}' of the source '{facts.source_id}'.",
                target="parameters.properties.hyperVGeneration",
            )
    data_disks: list[DataDisk] = []
    data_sources: dict[int, dict[str, Any]] = {}
    raw_data = get_path(body, "properties.storageProfile.dataDisks") or []
    if not isinstance(raw_data, list):
        raise InvalidParameterError("Parameter 'dataDisks' must be an array.", target=f"{PROFILE}.dataDisks")
    for index, data in enumerate(raw_data):
        data_target = f"{PROFILE}.dataDisks[{index}]"
        lun = data.get("lun") if isinstance(data, dict) else None
        if isinstance(lun, bool) or not isinstance(lun, int) or not 0 <= lun <= 63 or lun in data_sources:
            raise InvalidParameterError(
                "Each data disk needs a distinct integer 'lun' 0-63.", target=f"{data_target}.lun"
            )
        assert isinstance(data, dict)
        source, data_facts = _source(backend, data, data_target, now)
        _same_region(data_facts, location)
        data_size, data_caching, data_sku = _disk_settings(data, data_facts, data_target)
        data_disks.append(DataDisk(lun, data_size))
        data_sources[lun] = {
            **source,
            "caching": data_caching if data.get("caching") else "None",
            "storageAccountType": data_sku,
        }
    return ManagedImage(
        scope=req.scope,
        name=name,
        location=location,
        os_type=os_type,
        os_state=os_state,
        hyper_v_generation=str(generation or facts.hyper_v_generation or "V1"),
        os_disk_size_gb=size,
        data_disks=data_disks,
        lifecycle=backend.lifecycle(backend.timing.image_capture, now),
        zone_resilient=zone_resilient(body),
        os_source=os_source,
        os_caching=caching,
        os_storage_account_type=sku,
        data_sources=data_sources,
    )


def zone_resilient(body: dict[str, Any]) -> bool:
    value = get_path(body, "properties.storageProfile.zoneResilient")
    if value is not None and not isinstance(value, bool):
        raise InvalidParameterError(
            "Parameter 'zoneResilient' must be true or false.", target=f"{PROFILE}.zoneResilient"
        )
    return bool(value)
