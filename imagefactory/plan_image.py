"""The plan of a managed-image target: adopt an image this VM made, refuse one from another source.

A managed image lives in the VM's own region and has no versions, so the only choices are the
capture body and whether an image of that name already belongs to this build.
"""

from __future__ import annotations

from typing import Any

from imagefactory.gateway.facts import VmFacts
from imagefactory.plan_document import BUILD_TAG, PlanIssue, TargetState
from imagefactory.request import BuildRequest, ManagedImageTarget


def image_plan(
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
