"""The plan of a build: what the pipeline will do, given the request and what exists now.

Pure: it takes facts that were read (the VM, the gallery, the definition, existing versions or
the managed image) and decides every step before anything is written. The pipeline follows it and
`POST /api/plan` shows it, so the two can never disagree. Anything that would fail later in Azure
(a definition the VM does not fit, a version name taken by another source) becomes a blocker
here, while the VM is still untouched.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from imagefactory.compatibility import (
    check_existing_definition,
    check_vm_against,
    new_definition_properties,
)
from imagefactory.exceptions import VersionPolicyError
from imagefactory.gateway.facts import (
    DefinitionFacts,
    GalleryFacts,
    ImageFacts,
    RegionTarget,
    VersionFacts,
    VmFacts,
)
from imagefactory.opt_in import carries_delete_opt_in
from imagefactory.request import BuildRequest, GalleryTarget, ManagedImageTarget
from imagefactory.versioning import next_version

BUILD_TAG = "imagefactory-build"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TargetState(_Model):
    """What exists at the target, read before planning."""

    gallery: GalleryFacts | None = None
    definition: DefinitionFacts | None = None
    versions: list[VersionFacts] = Field(default_factory=list)
    image: ImageFacts | None = None


class PlanIssue(_Model):
    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class PlannedStep(_Model):
    step: str
    detail: str


class BuildPlan(_Model):
    build_id: str
    target_kind: Literal["gallery", "managed_image"]
    source_vm_id: str
    vm_exists: bool
    blockers: list[PlanIssue] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    adopt: bool = False
    # A version this build (or this VM) made earlier whose own provisioningState is Failed: it is
    # deleted and created again (our half-made resource; the VM is only read).
    replace_failed: str | None = None
    version: str | None = None
    image_id: str | None = None  # the version id or the managed image id
    gallery_id: str | None = None
    definition_id: str | None = None
    location: str | None = None  # the gallery's (or the managed image's) region
    create_gallery: dict[str, Any] | None = None
    create_definition: dict[str, Any] | None = None
    deprovision: Literal["Linux", "Windows"] | None = None
    deallocate: bool = False
    generalize: bool = False
    capture_body: dict[str, Any] | None = None
    target_regions: list[RegionTarget] = Field(default_factory=list)
    replication_mode: str | None = None
    delete_vm: bool = False
    restart_vm: bool = False
    steps: list[PlannedStep] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers


def make_plan(
    request: BuildRequest,
    vm: VmFacts | None,
    target: TargetState,
    *,
    build_id: str,
    today: date,
    delete_opt_in_tag: str = "imagefactory-allow-delete",
) -> BuildPlan:
    """Decide every step of the build (see the module docstring)."""
    if isinstance(request.target, GalleryTarget):
        fields = _gallery_plan(request, request.target, vm, target, build_id, today)
    else:
        fields = _image_plan(request, request.target, vm, target, build_id)
    blockers: list[PlanIssue] = fields.pop("blockers")
    adopt = bool(fields.get("adopt"))
    if vm is None and not adopt:
        blockers.insert(
            0, PlanIssue(field="source", rule="not_found", message=f"VM {request.source} does not exist")
        )
    if vm is not None and not adopt:
        blockers.extend(_vm_readiness(request, vm))
    delete_vm = request.delete_source_vm and vm is not None
    if delete_vm and vm is not None and not carries_delete_opt_in(vm.tags, delete_opt_in_tag):
        blockers.append(
            PlanIssue(
                field="delete_source_vm",
                rule="delete_opt_in_missing",
                message=f"VM {vm.name!r} does not carry the tag {delete_opt_in_tag}=true "
                "that allows deleting it",
            )
        )
    needs_vm_work = vm is not None and not adopt
    generalize = needs_vm_work and request.generalize != "none" and vm is not None and not vm.generalized
    deprovision: Literal["Linux", "Windows"] | None = None
    if needs_vm_work and request.generalize == "deprovision" and vm is not None and not vm.generalized:
        deprovision = "Windows" if (vm.os_type or "").lower() == "windows" else "Linux"
    notes: list[str] = fields.pop("notes")
    if vm is not None and vm.generalized and request.generalize != "none" and not blockers:
        notes.append(
            f"VM {vm.name!r} is already generalized: the guest work is done, so deprovision, "
            "deallocate and generalize are skipped"
        )
    if request.rebuild_failed:
        notes.append("rebuild of a failed build: what the earlier attempt left is adopted and converged")
    plan = BuildPlan(
        build_id=build_id,
        notes=notes,
        source_vm_id=request.source,
        vm_exists=vm is not None,
        blockers=blockers,
        deprovision=deprovision,
        deallocate=needs_vm_work and vm is not None and vm.power_state != "deallocated",
        generalize=generalize,
        delete_vm=delete_vm,
        restart_vm=request.restart_source_after_capture and vm is not None,
        **fields,
    )
    return plan.model_copy(update={"steps": _steps(plan, request)})


def _vm_readiness(request: BuildRequest, vm: VmFacts) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    if request.generalize == "none" and vm.generalized:
        issues.append(
            PlanIssue(
                field="generalize",
                rule="vm_already_generalized",
                message=f"'none' asks for a specialized image but VM {vm.name!r} is already generalized",
            )
        )
    if request.generalize == "deprovision" and not vm.generalized and vm.power_state != "running":
        issues.append(
            PlanIssue(
                field="generalize",
                rule="deprovision_needs_running_vm",
                message=f"'deprovision' runs a command inside VM {vm.name!r}, which is {vm.power_state}; "
                "start it, or use 'already_deprovisioned' if the guest was prepared already",
            )
        )
    if not vm.os_type:
        issues.append(
            PlanIssue(field="source", rule="os_type_unknown", message=f"VM {vm.name!r} reports no OS type")
        )
    return issues


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


def _gallery_plan(
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
    version, adopt = _resolve_version(request, target, state, build_id, today, blockers)
    replace_failed = None
    existing = next((v for v in state.versions if v.name == version), None) if adopt else None
    if existing is not None and _failed_by_itself(existing):
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


def _resolve_version(
    request: BuildRequest,
    target: GalleryTarget,
    state: TargetState,
    build_id: str,
    today: date,
    blockers: list[PlanIssue],
) -> tuple[str | None, bool]:
    source_key = request.source.lower()
    if isinstance(target.version, str):
        existing = next((v for v in state.versions if v.name == target.version), None)
        if existing is None:
            return target.version, False
        found = (existing.source or "").lower()
        if found == source_key:
            return target.version, True
        blockers.append(
            PlanIssue(
                field="target.version",
                rule="version_exists",
                message=f"version {target.version} already exists with another source "
                f"({existing.source or 'unknown'})",
            )
        )
        return target.version, False
    mine = [v for v in state.versions if v.tags.get(BUILD_TAG) == build_id]
    if mine:
        return mine[0].name, (mine[0].source_vm_id or "").lower() == source_key
    try:
        return next_version(target.version, [v.name for v in state.versions], today), False
    except VersionPolicyError as error:
        blockers.append(PlanIssue(field="target.version", rule="version_policy", message=str(error)))
        return None, False


def _failed_by_itself(version: VersionFacts) -> bool:
    """Failed, and not because a region's replication failed (that is re-driven, not replaced).

    Unknown replication status counts as a region failure: deleting is the one irreversible
    choice, so it needs the evidence.
    """
    if (version.provisioning_state or "").lower() != "failed" or version.replication is None:
        return False
    return not any(region.state.lower() == "failed" for region in version.replication.regions)


def retarget_version(
    plan: BuildPlan, request: BuildRequest, state: TargetState, *, taken: str, today: date
) -> BuildPlan:
    """The plan after another build took the version our policy picked (optimistic concurrency).

    Builds of one rollout sweep start together and read the same versions, so their policy picks
    the same name and all but one lose the create with a conflict. The loser re-reads the versions
    (`state`) and moves to the next free name. If the version this build tagged turns out to exist
    after all (an earlier attempt of this build made it), that one is adopted instead. Raises
    VersionPolicyError when the policy has no next version (int32 limit, newer date version).
    """
    target = request.target
    if not isinstance(target, GalleryTarget) or isinstance(target.version, str):
        raise VersionPolicyError(f"version {taken} was named explicitly; another name is not picked for it")
    source_key = request.source.lower()
    definition_id = target.definition_id(request.source_vm)
    mine = next(
        (
            v
            for v in state.versions
            if v.tags.get(BUILD_TAG) == plan.build_id and (v.source_vm_id or "").lower() == source_key
        ),
        None,
    )
    if mine is not None:
        version, adopt = mine.name, True
        note = f"version {mine.name} was already made by this build: adopted"
    else:
        version = next_version(target.version, [v.name for v in state.versions] + [taken], today)
        adopt = False
        note = (
            f"version {taken} was taken by another build while this one prepared its VM; "
            f"{target.version.policy} picked {version} instead"
        )
    updated = plan.model_copy(
        update={
            "version": version,
            "image_id": str(definition_id.version(version)),
            "adopt": adopt,
            "capture_body": None if adopt else plan.capture_body,
            "notes": [*plan.notes, note],
        }
    )
    return updated.model_copy(update={"steps": _steps(updated, request)})


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


def _image_plan(
    request: BuildRequest,
    target: ManagedImageTarget,
    vm: VmFacts | None,
    state: TargetState,
    build_id: str,
) -> dict[str, Any]:
    image_id = target.image_id(request.source_vm)
    blockers: list[PlanIssue] = []
    notes: list[str] = []
    adopt = False
    if state.image is not None:
        found = (state.image.source_vm_id or "").lower()
        if found == request.source.lower():
            adopt = True
            notes.append(f"managed image {image_id.name} already exists from this source: adopted")
        else:
            blockers.append(
                PlanIssue(
                    field="target.name",
                    rule="image_exists",
                    message=f"managed image {image_id.name!r} already exists with another source "
                    f"({state.image.source_vm_id or 'unknown'})",
                )
            )
    location = state.image.location if state.image is not None else (vm.location if vm is not None else None)
    if vm is not None and target.location is not None and target.location != vm.location:
        blockers.append(
            PlanIssue(
                field="target.location",
                rule="image_location",
                message=f"a managed image must be in the VM's region {vm.location!r}, "
                f"got {target.location!r}",
            )
        )
    capture = None
    if vm is not None and not adopt:
        hyper_v = target.hyper_v_generation or vm.hyper_v_generation or "V1"
        capture = {
            "location": vm.location,
            "tags": {**target.tags, BUILD_TAG: build_id},
            "properties": {"sourceVirtualMachine": {"id": request.source}, "hyperVGeneration": hyper_v},
        }
    return {
        "blockers": blockers,
        "notes": notes,
        "target_kind": "managed_image",
        "adopt": adopt,
        "image_id": str(image_id),
        "location": location,
        "capture_body": capture,
    }


def _steps(plan: BuildPlan, request: BuildRequest) -> list[PlannedStep]:
    steps = [PlannedStep(step="inspect", detail=f"read VM {plan.source_vm_id} and the target")]
    if plan.blockers:
        return [*steps, PlannedStep(step="fail", detail="; ".join(str(b) for b in plan.blockers))]
    if plan.deprovision:
        steps.append(
            PlannedStep(step="deprovision", detail=f"in-guest {plan.deprovision} deprovision (Run Command)")
        )
    if plan.deallocate:
        steps.append(PlannedStep(step="deallocate", detail="deallocate the VM"))
    if plan.create_gallery:
        steps.append(PlannedStep(step="create_gallery", detail=f"create gallery {plan.gallery_id}"))
    if plan.create_definition:
        steps.append(PlannedStep(step="create_definition", detail=f"create definition {plan.definition_id}"))
    if plan.generalize:
        steps.append(
            PlannedStep(step="generalize", detail="mark the VM generalized (it can never start again)")
        )
    if plan.replace_failed:
        steps.append(
            PlannedStep(
                step="delete_failed_version",
                detail=f"delete {plan.replace_failed} (provisioningState Failed, made from this VM)",
            )
        )
    if plan.adopt:
        steps.append(PlannedStep(step="adopt", detail=f"use existing {plan.image_id}"))
    else:
        steps.append(PlannedStep(step="capture", detail=f"create {plan.image_id} from the VM"))
    if plan.target_kind == "gallery":
        regions = ", ".join(
            f"{r.name}x{r.replica_count} {r.storage_account_type}" for r in plan.target_regions
        )
        steps.append(
            PlannedStep(step="replicate", detail=f"{plan.replication_mode} replication to {regions}")
        )
    steps.append(PlannedStep(step="verify", detail="image Succeeded and every region Completed"))
    if plan.delete_vm:
        steps.append(PlannedStep(step="delete_vm", detail="delete the source VM once the image is verified"))
    if plan.restart_vm:
        steps.append(PlannedStep(step="restart_vm", detail="start the source VM again"))
    steps.append(PlannedStep(step="report", detail="publish the result message"))
    return steps
