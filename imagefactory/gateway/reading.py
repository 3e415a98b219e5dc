"""Read the REST JSON of ARM resources into facts.

The SDK's models are mappings over the REST JSON, so this reads the documented wire shape
(camelCase, `properties` envelope) rather than the SDK's Python attribute names: the shape is the
contract Azure publishes, and it is the same whichever SDK release produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from imagefactory.gateway.facts import (
    DataDiskFacts,
    DefinitionFacts,
    GalleryFacts,
    ImageFacts,
    RegionReplication,
    RegionTarget,
    ReplicationSummary,
    VersionFacts,
    VmFacts,
)
from imagefactory.regions import normalize_region


def as_json(resource: Any) -> dict[str, Any]:
    """The REST JSON of an SDK model (a mapping) or of a plain dict."""
    if resource is None:
        return {}
    if hasattr(resource, "as_dict"):
        value = resource.as_dict()
        return value if isinstance(value, dict) else {}
    if isinstance(resource, Mapping):
        return dict(resource)
    return {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tags(body: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in _dict(body.get("tags")).items()}


def _status_codes(instance_view: dict[str, Any]) -> list[str]:
    return [str(_dict(status).get("code", "")) for status in _list(instance_view.get("statuses"))]


def vm_facts(body: dict[str, Any]) -> VmFacts:
    props = _dict(body.get("properties"))
    instance_view = _dict(props.get("instanceView"))
    codes = _status_codes(instance_view)
    power = next((code.split("/", 1)[1] for code in codes if code.startswith("PowerState/")), "unknown")
    provisioning = next(
        (code.split("/", 1)[1] for code in codes if code.startswith("ProvisioningState/")),
        props.get("provisioningState"),
    )
    storage = _dict(props.get("storageProfile"))
    os_disk = _dict(storage.get("osDisk"))
    security = _dict(props.get("securityProfile"))
    data_disks = [
        DataDiskFacts(
            lun=int(disk["lun"]), size_gb=_dict(disk).get("diskSizeGB"), name=_dict(disk).get("name")
        )
        for disk in _list(storage.get("dataDisks"))
        if isinstance(disk, dict) and "lun" in disk
    ]
    return VmFacts(
        id=str(body.get("id", "")),
        name=str(body.get("name", "")),
        location=normalize_region(str(body.get("location", ""))),
        os_type=os_disk.get("osType"),
        power_state=power,
        provisioning_state=provisioning,
        generalized="OSState/generalized" in codes,
        hyper_v_generation=instance_view.get("hyperVGeneration") or props.get("hyperVGeneration"),
        security_type=str(security.get("securityType") or "Standard"),
        vm_size=_dict(props.get("hardwareProfile")).get("vmSize"),
        os_disk_size_gb=os_disk.get("diskSizeGB"),
        data_disks=sorted(data_disks, key=lambda disk: disk.lun),
        tags=_tags(body),
    )


def gallery_facts(body: dict[str, Any]) -> GalleryFacts:
    props = _dict(body.get("properties"))
    return GalleryFacts(
        id=str(body.get("id", "")),
        location=normalize_region(str(body.get("location", ""))),
        provisioning_state=props.get("provisioningState"),
    )


def definition_facts(body: dict[str, Any]) -> DefinitionFacts:
    props = _dict(body.get("properties"))
    identifier = _dict(props.get("identifier"))
    features = {
        str(_dict(feature).get("name", "")).lower(): _dict(feature).get("value")
        for feature in _list(props.get("features"))
    }
    return DefinitionFacts(
        id=str(body.get("id", "")),
        location=normalize_region(str(body.get("location", ""))),
        provisioning_state=props.get("provisioningState"),
        os_type=props.get("osType"),
        os_state=props.get("osState"),
        hyper_v_generation=props.get("hyperVGeneration"),
        architecture=props.get("architecture"),
        security_type=features.get("securitytype"),
        publisher=identifier.get("publisher"),
        offer=identifier.get("offer"),
        sku=identifier.get("sku"),
    )


def _replication(props: dict[str, Any]) -> ReplicationSummary | None:
    status = props.get("replicationStatus")
    if not isinstance(status, dict):
        return None
    regions = [
        RegionReplication(
            region=normalize_region(str(_dict(item).get("region", ""))),
            state=str(_dict(item).get("state", "Unknown")),
            progress=int(_dict(item).get("progress") or 0),
            details=_dict(item).get("details"),
        )
        for item in _list(status.get("summary"))
    ]
    return ReplicationSummary(aggregated_state=status.get("aggregatedState"), regions=regions)


def version_facts(body: dict[str, Any]) -> VersionFacts:
    props = _dict(body.get("properties"))
    publishing = _dict(props.get("publishingProfile"))
    storage = _dict(props.get("storageProfile"))
    source = _dict(storage.get("source"))
    targets = [
        RegionTarget(
            name=normalize_region(str(_dict(region).get("name", ""))),
            replica_count=_dict(region).get("regionalReplicaCount"),
            storage_account_type=_dict(region).get("storageAccountType"),
            exclude_from_latest=_dict(region).get("excludeFromLatest"),
        )
        for region in _list(publishing.get("targetRegions"))
    ]
    return VersionFacts(
        id=str(body.get("id", "")),
        name=str(body.get("name", "")),
        location=normalize_region(str(body.get("location", ""))),
        provisioning_state=props.get("provisioningState"),
        source_vm_id=source.get("virtualMachineId"),
        source_id=source.get("id"),
        replica_count=publishing.get("replicaCount"),
        storage_account_type=publishing.get("storageAccountType"),
        replication_mode=publishing.get("replicationMode"),
        exclude_from_latest=publishing.get("excludeFromLatest"),
        end_of_life=publishing.get("endOfLifeDate"),
        target_regions=targets,
        os_disk_size_gb=_dict(storage.get("osDiskImage")).get("sizeInGB"),
        data_disk_luns=sorted(
            int(_dict(disk)["lun"]) for disk in _list(storage.get("dataDiskImages")) if "lun" in _dict(disk)
        ),
        tags=_tags(body),
        replication=_replication(props),
    )


def image_facts(body: dict[str, Any]) -> ImageFacts:
    props = _dict(body.get("properties"))
    storage = _dict(props.get("storageProfile"))
    return ImageFacts(
        id=str(body.get("id", "")),
        location=normalize_region(str(body.get("location", ""))),
        provisioning_state=props.get("provisioningState"),
        source_vm_id=_dict(props.get("sourceVirtualMachine")).get("id"),
        hyper_v_generation=props.get("hyperVGeneration"),
        data_disk_luns=sorted(
            int(_dict(disk)["lun"]) for disk in _list(storage.get("dataDisks")) if "lun" in _dict(disk)
        ),
        tags=_tags(body),
    )
