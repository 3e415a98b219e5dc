"""POST /api/plan: the steps a request would take against what exists now, touching nothing.

Reads the VM and the target through the gateway's read methods and hands the facts to the same
pure `make_plan` the pipeline follows, so the answer cannot disagree with what a build would do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from imagefactory.gateway import gateway_for
from imagefactory.identity import instance_id_for
from imagefactory.plan import TargetState, make_plan
from imagefactory.request import BuildRequest, GalleryTarget
from imagefactory.settings import Settings


def read_target_state(request: BuildRequest, settings: Settings) -> TargetState:
    source = request.source_vm
    target = request.target
    if isinstance(target, GalleryTarget):
        gallery_id = target.gallery_id(source)
        definition_id = target.definition_id(source)
        gateway = gateway_for(settings, gallery_id.subscription_id)
        gallery = gateway.get_gallery(gallery_id)
        definition = gateway.get_definition(definition_id) if gallery is not None else None
        versions = gateway.list_versions(definition_id) if definition is not None else []
        return TargetState(gallery=gallery, definition=definition, versions=versions)
    image_id = target.image_id(source)
    return TargetState(image=gateway_for(settings, image_id.subscription_id).get_image(image_id))


def plan_document(
    request: BuildRequest, settings: Settings, *, today: datetime | None = None
) -> dict[str, Any]:
    """The plan as JSON, with the build id a start of this request would use (AzureCallError propagates)."""
    source = request.source_vm
    vm = gateway_for(settings, source.subscription_id).get_vm(source)
    state = read_target_state(request, settings)
    build_id = instance_id_for(request)
    plan = make_plan(
        request,
        vm,
        state,
        build_id=build_id,
        today=(today or datetime.now(UTC)).date(),
        delete_opt_in_tag=settings.delete_opt_in_tag,
    )
    return {"build_id": build_id, "ok": plan.ok, **plan.model_dump(mode="json")}
