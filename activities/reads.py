"""Read activities: one GET each, returning facts. The orchestrator polls through these."""

from __future__ import annotations

from typing import Any

from activities.common import dump, gateway, gateway_step
from activities.registry import ActivityInput, activity
from imagefactory.gateway.outcome import run_step
from imagefactory.ids import DefinitionId, GalleryId, ImageId, VersionId, VmId
from imagefactory.inspection import read_target_state
from imagefactory.request import BuildRequest
from imagefactory.settings import get_settings


@activity
def load_pipeline_settings(payload: Any) -> dict[str, Any]:
    """The settings, recorded in history so replays see the values the build started with."""
    return get_settings().model_dump(mode="json")


@activity
def read_vm(payload: ActivityInput) -> dict[str, Any]:
    vm = VmId.parse(payload["vm_id"])
    return gateway_step(vm.subscription_id, lambda client: client.get_vm(vm))


@activity
def read_target(payload: ActivityInput) -> dict[str, Any]:
    """Everything the plan needs to know about the target, read-only."""
    request = BuildRequest.model_validate(payload["request"])
    return run_step(lambda: dump(read_target_state(request, gateway)))


@activity
def read_gallery(payload: ActivityInput) -> dict[str, Any]:
    gallery = GalleryId.parse(payload["gallery_id"])
    return gateway_step(gallery.subscription_id, lambda client: client.get_gallery(gallery))


@activity
def read_definition(payload: ActivityInput) -> dict[str, Any]:
    definition = DefinitionId.parse(payload["definition_id"])
    return gateway_step(definition.subscription_id, lambda client: client.get_definition(definition))


@activity
def read_version(payload: ActivityInput) -> dict[str, Any]:
    version = VersionId.parse(payload["version_id"])
    return gateway_step(version.subscription_id, lambda client: client.get_version(version))


@activity
def read_image(payload: ActivityInput) -> dict[str, Any]:
    image = ImageId.parse(payload["image_id"])
    return gateway_step(image.subscription_id, lambda client: client.get_image(image))


@activity
def read_run_command(payload: ActivityInput) -> dict[str, Any]:
    """One read of a run command's operation URL: done or not yet, never a wait."""
    vm = VmId.parse(payload["vm_id"])
    return gateway_step(vm.subscription_id, lambda client: client.read_run_command(payload["operation_url"]))
