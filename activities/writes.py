"""Write activities: each reads first, then starts at most one operation and returns at once."""

from __future__ import annotations

from typing import Any

from activities.common import gateway_step
from activities.registry import ActivityInput, activity
from imagefactory.ids import DefinitionId, GalleryId, ImageId, VersionId, VmId
from imagefactory.settings import get_settings


@activity
def start_run_command(payload: ActivityInput) -> dict[str, Any]:
    vm = VmId.parse(payload["vm_id"])
    return gateway_step(
        vm.subscription_id,
        lambda client: client.start_run_command(vm, payload["command_id"], list(payload["script"])),
    )


@activity
def start_deallocate(payload: ActivityInput) -> dict[str, Any]:
    vm = VmId.parse(payload["vm_id"])
    return gateway_step(vm.subscription_id, lambda client: client.start_deallocate(vm))


@activity
def generalize_vm(payload: ActivityInput) -> dict[str, Any]:
    vm = VmId.parse(payload["vm_id"])
    return gateway_step(vm.subscription_id, lambda client: client.generalize(vm))


@activity
def start_delete_source_vm(payload: ActivityInput) -> dict[str, Any]:
    """Deletes the source VM after re-checking, against Azure now, the opt-in tag and the image."""
    vm = VmId.parse(payload["vm_id"])
    image_id: VersionId | ImageId = (
        VersionId.parse(payload["image_id"])
        if "/versions/" in payload["image_id"].lower()
        else ImageId.parse(payload["image_id"])
    )
    return gateway_step(
        vm.subscription_id,
        lambda client: client.start_delete_source_vm(
            vm,
            opt_in_tag=get_settings().delete_opt_in_tag,
            image_id=image_id,
            regions=list(payload.get("regions") or []),
        ),
    )


@activity
def start_vm(payload: ActivityInput) -> dict[str, Any]:
    vm = VmId.parse(payload["vm_id"])
    return gateway_step(vm.subscription_id, lambda client: client.start_vm(vm))


@activity
def start_create_gallery(payload: ActivityInput) -> dict[str, Any]:
    gallery = GalleryId.parse(payload["gallery_id"])
    return gateway_step(
        gallery.subscription_id, lambda client: client.start_create_gallery(gallery, payload["body"])
    )


@activity
def start_create_definition(payload: ActivityInput) -> dict[str, Any]:
    definition = DefinitionId.parse(payload["definition_id"])
    return gateway_step(
        definition.subscription_id, lambda client: client.start_create_definition(definition, payload["body"])
    )


@activity
def start_create_version(payload: ActivityInput) -> dict[str, Any]:
    version = VersionId.parse(payload["version_id"])
    return gateway_step(
        version.subscription_id,
        lambda client: client.start_create_version(version, payload["body"], payload["source_id"]),
    )


@activity
def start_delete_failed_version(payload: ActivityInput) -> dict[str, Any]:
    version = VersionId.parse(payload["version_id"])
    source_id = payload["source_id"]
    return gateway_step(
        version.subscription_id, lambda client: client.start_delete_failed_version(version, source_id)
    )


@activity
def start_update_version(payload: ActivityInput) -> dict[str, Any]:
    version = VersionId.parse(payload["version_id"])
    return gateway_step(
        version.subscription_id, lambda client: client.start_update_version(version, payload["body"])
    )


@activity
def start_create_image(payload: ActivityInput) -> dict[str, Any]:
    image = ImageId.parse(payload["image_id"])
    return gateway_step(
        image.subscription_id,
        lambda client: client.start_create_image(image, payload["body"], payload["source_vm_id"]),
    )
