"""The plan of a build: what the pipeline will do, given the request and what exists now.

Pure: it takes facts that were read (the VM, the gallery, the definition, existing versions or
the managed image) and decides every step before anything is written. The pipeline follows it and
`POST /api/plan` shows it, so the two can never disagree. Anything that would fail later in Azure
(a definition the VM does not fit, a version name taken by another source) becomes a blocker
here, while the VM is still untouched.

Where each part lives: the plan document and `TargetState` in plan_document, the version choice
(and `retarget_version`) in plan_version, gallery targets in plan_gallery, managed images in
plan_image. This module joins them and checks the source VM; its names are the ones to import.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from imagefactory.gateway.facts import VmFacts
from imagefactory.opt_in import carries_delete_opt_in
from imagefactory.plan_document import (
    BUILD_TAG,
    BuildPlan,
    PlanIssue,
    PlannedStep,
    TargetState,
    planned_steps,
)
from imagefactory.plan_gallery import effective_regions, gallery_plan, retry_regions_body, version_body
from imagefactory.plan_image import image_plan
from imagefactory.plan_version import retarget_version
from imagefactory.request import BuildRequest, GalleryTarget

__all__ = [
    "BUILD_TAG",
    "BuildPlan",
    "PlanIssue",
    "PlannedStep",
    "TargetState",
    "effective_regions",
    "make_plan",
    "retarget_version",
    "retry_regions_body",
    "version_body",
]


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
        fields = gallery_plan(request, request.target, vm, target, build_id, today)
    else:
        fields = image_plan(request, request.target, vm, target, build_id)
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
    return plan.model_copy(update={"steps": planned_steps(plan, request)})


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
