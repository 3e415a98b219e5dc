"""The plan of a gallery target: location, gallery and definition, regions and the ARM bodies.

An existing definition the VM does not fit, or a new one the request cannot describe, is a
blocker here, while the VM is untouched (imagefactory.compatibility holds the rules). The version
body captures straight from the VM, so data disks come along.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from imagefactory.compatibility import (
    check_existing_definition,
    check_vm_against,
    new_definition_properties,
)
from imagefactory.gateway.facts import RegionTarget, VmFacts
from imagefactory.plan_document import BUILD_TAG, PlanIssue, TargetState
from imagefactory.plan_version import failed_by_itself, resolve_version
from imagefactory.request import BuildRequest, GalleryTarget


def effective_regions(target: GalleryTarget, gallery_location: str) -> list[RegionTarget]:
    """Target regions with every default filled in, the gallery's own region always included."""
    replication = target.replication
    regions = [
        RegionTarget(
            name=region.name,
            replica_count=region.replica_count or replication.replica_count,
            storage_account_type=region.storage_account_type or replication.storage_account_type,
            exclude_from_latest=region.exclude_from_latest,
        )
        for region in replication.target_regions
    ]
    if gallery_location not in {region.name for region in regions}:
        regions.insert(
            0,
            RegionTarget(
                name=gallery_location,
                replica_count=replication.replica_count,
                storage_account_type=replication.storage_account_type,
            ),
        )
    return regions


def version_body(
    request: BuildRequest, target: GalleryTarget, location: str, regions: list[RegionTarget], build_id: str
) -> dict[str, Any]:
    """The ARM body of the image version: captured straight from the VM (data disks come along)."""
    publishing: dict[str, Any] = {
        "targetRegions": [_region_body(region) for region in regions],
        "replicaCount": target.replication.replica_count,
        "storageAccountType": target.replication.storage_account_type,
        "excludeFromLatest": target.exclude_from_latest,
        "replicationMode": target.replication.mode,
    }
    if target.end_of_life is not None:
        publishing["endOfLifeDate"] = target.end_of_life.isoformat()
    return {
        "location": location,
        "tags": {**target.tags, BUILD_TAG: build_id},
        "properties": {
            "publishingProfile": publishing,
            "storageProfile": {"source": {"virtualMachineId": request.source}},
            "safetyProfile": {
                "allowDeletionOfReplicatedLocations": target.allow_deletion_of_replicated_locations
            },
        },
    }


def retry_regions_body(regions: list[RegionTarget]) -> dict[str, Any]:
    """The PATCH body that re-submits the target regions; Azure restarts Failed regions on update."""
    return {"properties": {"publishingProfile": {"targetRegions": [_region_body(r) for r in regions]}}}


def _region_body(region: RegionTarget) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": region.name,
        "regionalReplicaCount": region.replica_count,
        "storageAccountType": region.storage_account_type,
    }
    if region.exclude_from_latest is not None:
        body["excludeFromLatest"] = region.exclude_from_latest
    return body


def gallery_plan(
    request: BuildRequest,
    target: GalleryTarget,
    vm: VmFacts | None,
    state: TargetState,
    build_id: str,
    today: date,
) -> dict[str, Any]:
    source = request.source_vm
    gallery_id = target.gallery_id(source)
    definition_id = target.definition_id(source)
    blockers: list[PlanIssue] = []
    notes: list[str] = []
    location = (
        state.gallery.location
        if state.gallery is not None
        else (target.gallery.location or (vm.location if vm is not None else None))
    )
    if location is None:
        location = ""
        blockers.append(
            PlanIssue(field="target.gallery.location", rule="unknown", message="cannot be derived")
        )

    # version: explicit name, adoption of a version this build (or this VM) already made, or policy
    version, adopt = resolve_version(request, target, state, build_id, today, blockers)
    replace_failed = None
    existing = next((v for v in state.versions if v.name == version), None) if adopt else None
    if existing is not None and failed_by_itself(existing):
        adopt = False
        replace_failed = str(definition_id.version(existing.name))
        notes.append(
            f"version {existing.name} from this source is in provisioningState Failed (an earlier "
            "attempt's half-made version): it is deleted and created again from the same VM"
        )

    create_gallery = None
    if state.gallery is None:
        create_gallery = {"location": location, "tags": dict(target.tags), "properties": {}}
    create_definition = None
    if state.definition is not None:
        if not adopt:
            for problem in check_existing_definition(request, target.definition, vm, state.definition):
                blockers.append(PlanIssue(field=problem.field, rule=problem.rule, message=problem.message))
    elif vm is not None:
        create_definition = _definition_body(request, target, vm, location, blockers)
    elif not adopt:
        pass  # the missing VM is reported by make_plan
    regions = effective_regions(target, location) if location else []
    version_id = str(definition_id.version(version)) if version else None
    capture = version_body(request, target, location, regions, build_id) if version and not adopt else None
    if adopt:
        notes.append(f"version {version} already exists from this source: adopted, not created again")
    return {
        "blockers": blockers,
        "notes": notes,
        "target_kind": "gallery",
        "adopt": adopt,
        "replace_failed": replace_failed,
        "version": version,
        "image_id": version_id,
        "gallery_id": str(gallery_id),
        "definition_id": str(definition_id),
        "location": location,
        "create_gallery": create_gallery,
        "create_definition": create_definition,
        "capture_body": capture,
        "target_regions": regions,
        "replication_mode": target.replication.mode,
    }


def _definition_body(
    request: BuildRequest, target: GalleryTarget, vm: VmFacts, location: str, blockers: list[PlanIssue]
) -> dict[str, Any] | None:
    spec = target.definition
    if spec.publisher is None or spec.offer is None or spec.sku is None:
        blockers.append(
            PlanIssue(
                field="target.definition.publisher",
                rule="definition_identifier_required",
                message=f"definition {spec.name!r} does not exist; publisher, offer and sku are needed "
                "to create it",
            )
        )
        return None
    props = new_definition_properties(request, spec, vm)
    for problem in check_vm_against(
        vm,
        props["os_type"],
        props["hyper_v_generation"],
        props["security_type"],
        f"the new definition {spec.name!r}",
    ):
        blockers.append(PlanIssue(field=problem.field, rule=problem.rule, message=problem.message))
    properties: dict[str, Any] = {
        "osType": props["os_type"],
        "osState": props["os_state"],
        "hyperVGeneration": props["hyper_v_generation"],
        "architecture": props["architecture"],
        "identifier": {"publisher": spec.publisher, "offer": spec.offer, "sku": spec.sku},
        "features": [{"name": "SecurityType", "value": props["security_type"]}],
    }
    if spec.description is not None:
        properties["description"] = spec.description
    return {"location": location, "tags": dict(target.tags), "properties": properties}
