"""What a request touches, as Azure has it now: the source VM and the target, read-only.

The pipeline plans from it, POST /api/plan answers from it and a cancelled build reports from it,
so the three never disagree about what exists. Only the gateway's read methods are used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from imagefactory.gateway import ComputeGateway, ImageFacts, VersionFacts, VmFacts, gateway_for
from imagefactory.ids import ImageId, VersionId
from imagefactory.plan import TargetState
from imagefactory.request import BuildRequest, GalleryTarget
from imagefactory.settings import Settings

GatewayFor = Callable[[str], ComputeGateway]  # subscription id -> gateway


def read_target_state(request: BuildRequest, gateway: GatewayFor) -> TargetState:
    """Gallery, definition and versions (or the managed image) the request's target names."""
    source = request.source_vm
    target = request.target
    if isinstance(target, GalleryTarget):
        gallery_id = target.gallery_id(source)
        definition_id = target.definition_id(source)
        client = gateway(gallery_id.subscription_id)
        gallery = client.get_gallery(gallery_id)
        definition = client.get_definition(definition_id) if gallery is not None else None
        versions = client.list_versions(definition_id) if definition is not None else []
        # A Failed version is read again with its replication status: the plan must tell a
        # region's failed replication (re-driven) from the version's own failure (replaced).
        versions = [
            (client.get_version(definition_id.version(v.name)) or v)
            if (v.provisioning_state or "").lower() == "failed"
            else v
            for v in versions
        ]
        return TargetState(gallery=gallery, definition=definition, versions=versions)
    image_id = target.image_id(source)
    return TargetState(image=gateway(image_id.subscription_id).get_image(image_id))


@dataclass(frozen=True)
class Inspection:
    vm: VmFacts | None
    target: TargetState
    version: VersionFacts | None = None  # the version a build was making, with its replication


def inspect(request: BuildRequest, settings: Settings, *, image_id: str | None = None) -> Inspection:
    """The VM and the target now (AzureCallError when ARM refuses or cannot be reached).

    With `image_id` naming a gallery version, that version is read with its per-region
    replication status too.
    """
    source = request.source_vm
    target = read_target_state(request, lambda sub: gateway_for(settings, sub))
    version = None
    if image_id is not None and isinstance(request.target, GalleryTarget) and target.definition is not None:
        version_id = VersionId.parse(image_id)
        version = gateway_for(settings, version_id.subscription_id).get_version(version_id)
    return Inspection(
        vm=gateway_for(settings, source.subscription_id).get_vm(source), target=target, version=version
    )


def what_is_left(request: BuildRequest, found: Inspection, *, image_id: str | None) -> list[str]:
    """One sentence per resource a stopped build leaves, from the facts (nothing was deleted).

    `image_id` is the version or image the build was making (its status names it once the
    version policy is resolved); None when the build stopped before choosing one.
    """
    left: list[str] = []
    vm_id = request.source
    if found.vm is None:
        left.append(f"VM {vm_id} does not exist")
    else:
        state = found.vm.power_state or "in an unknown power state"
        if found.vm.generalized:
            left.append(
                f"VM {vm_id} is {state} and generalized: it can never start again; it was not deleted"
            )
        else:
            left.append(f"VM {vm_id} is {state}, not generalized; it was not deleted")
    target = found.target
    if isinstance(request.target, GalleryTarget):
        gallery = request.target.gallery_id(request.source_vm)
        definition = request.target.definition_id(request.source_vm)
        left.append(f"gallery {gallery} {'exists' if target.gallery else 'does not exist'}")
        left.append(f"image definition {definition} {'exists' if target.definition else 'does not exist'}")
        if image_id is None:
            left.append("no image version was chosen yet")
        elif found.version is None:
            left.append(f"image version {image_id} does not exist")
        else:
            replication = _replication(found.version)
            left.append(f"image version {found.version.id} exists, {replication}; it was kept")
    else:
        image = target.image
        name = image_id or str(request.target.image_id(request.source_vm))
        left.append(_image_sentence(name, image))
    return left


def _replication(version: VersionFacts) -> str:
    state = version.provisioning_state or "Unknown"
    regions = version.replication.regions if version.replication else []
    if not regions:
        return f"provisioningState {state}"
    described = ", ".join(f"{r.region} {r.state} {r.progress}%" for r in regions)
    return f"provisioningState {state}, replication: {described}"


def _image_sentence(name: str, image: ImageFacts | None) -> str:
    if image is None:
        return f"managed image {ImageId.parse(name)} does not exist"
    return f"managed image {image.id} exists, provisioningState {image.provisioning_state}; it was kept"
