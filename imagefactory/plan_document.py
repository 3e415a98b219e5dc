"""The plan document: what `make_plan` decides, as `POST /api/plan` shows it and the pipeline follows it.

One frozen model for both readers, so the plan an operator is shown is the plan that runs. Also
what exists at the target (`TargetState`), the tag a build leaves on what it makes, and the
human-readable list of steps.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from imagefactory.gateway.facts import (
    DefinitionFacts,
    GalleryFacts,
    ImageFacts,
    RegionTarget,
    VersionFacts,
)
from imagefactory.request import BuildRequest

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


def planned_steps(plan: BuildPlan, request: BuildRequest) -> list[PlannedStep]:
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
