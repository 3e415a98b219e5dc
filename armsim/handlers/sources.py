"""What an image source is, read from the resource it names: a VM, a managed image, a gallery image
version, a managed disk, a snapshot or a VHD blob. Gallery versions and managed images both build
on these, and check a source against what they will become (`check_compatible`).

A field left None is one the source does not report (a snapshot of a data disk has no OS type,
a VHD reports nothing), and is not checked: Azure trusts what the request declares there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import ArmError, OperationNotAllowedError, ResourceNotFoundError
from armsim.handlers.version_lifecycle import replicated_in, version_by_id
from armsim.ids import region_key
from armsim.models.gallery_image import GalleryImage
from armsim.models.snapshot import PENDING
from armsim.models.storage import PAGE, account_name_of, blob_key
from armsim.models.vm import DataDisk
from armsim.resource_ids import DISK, IMAGE, SNAPSHOT, STORAGE_ACCOUNT, VERSION, VM, parse_ref


@dataclass
class SourceFacts:
    source_id: str  # as the request named it (an id, or a blob URI)
    kind: str  # a resource_ids kind, or "vhd"
    location: str
    size_gb: int
    os_type: str | None = None
    os_state: str | None = None
    hyper_v_generation: str | None = None
    architecture: str | None = None
    security_type: str | None = None  # as a VM's securityType; None for a VHD
    data_disks: list[DataDisk] = field(default_factory=list)  # whole-image sources only
    platform_image: dict[str, str] | None = None  # the marketplace image a VM was created from


def _not_found_arm(type_name: str, name: str, resource_group: str, target: str) -> ArmError:
    return ResourceNotFoundError(
        f"The Resource '{type_name}/{name}' under resource group '{resource_group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        target=target,
    )


def vm_source(backend: Backend, source_id: str, now: datetime, target: str) -> SourceFacts:
    ref = parse_ref(source_id)
    vm = backend.find(backend.vms, ref.id) if ref is not None and ref.kind == VM else None
    if vm is None or vm.lifecycle.is_deleting(now):
        name = ref.name if ref is not None else source_id
        group = ref.resource_group if ref is not None else ""
        raise _not_found_arm("Microsoft.Compute/virtualMachines", name, group, target)
    reference = vm.image_reference or {}
    platform: dict[str, str] | None = None
    if reference.get("publisher"):
        platform = {k: str(reference[k]) for k in ("publisher", "offer", "sku", "version") if k in reference}
    return SourceFacts(
        source_id,
        VM,
        vm.location,
        vm.os_disk_size_gb,
        vm.os_type,
        "Generalized" if vm.generalized else "Specialized",
        vm.hyper_v_generation,
        vm.architecture,
        vm.security_type,
        list(vm.data_disks),
        platform,
    )


def image_source(backend: Backend, source_id: str, now: datetime, target: str) -> SourceFacts:
    ref = parse_ref(source_id)
    image = backend.find(backend.images, ref.id) if ref is not None else None
    if image is None or ref is None:
        group = ref.resource_group if ref is not None else ""
        raise ResourceNotFoundError(
            f"The Image '{source_id}' cannot be found in '{group}' resource group.", target=target
        )
    state = image.lifecycle.provisioning_state(now)
    if state != "Succeeded":
        raise OperationNotAllowedError(
            f"Image '{source_id}' is not ready (provisioningState {state}).", target=target
        )
    return SourceFacts(
        source_id,
        IMAGE,
        image.location,
        image.os_disk_size_gb,
        image.os_type,
        image.os_state,
        image.hyper_v_generation,
        None,
        "Standard",
        list(image.data_disks),
    )


def version_source(backend: Backend, source_id: str, location: str, now: datetime) -> SourceFacts:
    """Another gallery's (or this gallery's) image version, found by id as a VM's image reference
    finds it (armsim.handlers.version_lifecycle.version_by_id): it must be Succeeded and
    replicated to the region the new version is created in."""
    ref = parse_ref(source_id)
    version = version_by_id(backend, ref.id, now) if ref is not None else None
    if version is None or ref is None:
        raise refusals.source_not_found(source_id)
    state = version.provisioning_state(now)
    if state != "Succeeded":
        raise OperationNotAllowedError(
            f"Gallery image version '{source_id}' is not ready (provisioningState {state}).",
            target="galleryImageVersion.properties.storageProfile.source.id",
        )
    if not replicated_in(version, location, now):
        raise refusals.source_in_other_region(source_id)
    definition_id = ref.id.rsplit("/versions/", 1)[0]
    definition = backend.find(backend.definitions, definition_id)
    if definition is None:
        raise refusals.source_not_found(source_id)
    return SourceFacts(
        source_id,
        VERSION,
        location,
        version.os_disk_size_gb,
        definition.os_type,
        definition.os_state,
        definition.hyper_v_generation,
        definition.architecture,
        _boots_as(definition.security_type),
        list(version.data_disks),
    )


def _boots_as(definition_security: str) -> str:
    """The VM security type an image of a definition of this security type carries: a *Supported
    type is a generic Gen2 image without VM guest state, so it boots as Standard."""
    if definition_security in ("TrustedLaunch", "ConfidentialVM"):
        return definition_security
    return "Standard"


def disk_source(
    backend: Backend, source_id: str, now: datetime, target: str, refuse_running: bool
) -> SourceFacts:
    """A managed disk or a snapshot; `refuse_running` refuses a disk attached to a running VM
    (image sources), which a snapshot of it does not (crash-consistent snapshots are allowed)."""
    ref = parse_ref(source_id)
    if ref is None:
        raise refusals.invalid_source_id(source_id, target)
    if ref.kind == DISK:
        disk = backend.find(backend.disks, ref.id)
        if disk is None or disk.lifecycle.is_deleting(now):
            raise refusals.source_not_found(source_id)
        running = disk.attached_to_running_vm(now)
        if refuse_running and running is not None:
            raise refusals.disk_attached_to_running_vm(disk.name, running.id)
        facts, location = disk.facts, disk.location
    elif ref.kind == SNAPSHOT:
        snapshot = backend.find(backend.snapshots, ref.id)
        if snapshot is None or snapshot.lifecycle.is_deleting(now):
            raise refusals.source_not_found(source_id)
        if snapshot.access_state(now) == PENDING:
            raise refusals.snapshot_still_copying(source_id, snapshot.completion_percent(now))
        facts, location = snapshot.facts, snapshot.location
    else:
        raise refusals.source_must_be_disk_or_snapshot(source_id, target)
    return SourceFacts(
        source_id,
        ref.kind,
        location,
        facts.size_gb,
        facts.os_type,
        None,
        facts.hyper_v_generation,
        facts.architecture,
        facts.security_type,
    )


def vhd_source(backend: Backend, uri: str, storage_account_id: str | None, target: str) -> SourceFacts:
    """A VHD blob in a registered storage account: a page blob that ends in a fixed-size VHD footer."""
    if not storage_account_id:
        raise refusals.missing("storageAccountId", f"{target}.storageAccountId")
    ref = parse_ref(storage_account_id)
    if ref is None or ref.kind != STORAGE_ACCOUNT:
        raise refusals.invalid_source_id(storage_account_id, f"{target}.storageAccountId")
    account = backend.storage_accounts.get(ref.id.lower())
    if account is None:
        raise refusals.storage_account_not_found(ref.name, ref.resource_group)
    blob = backend.blobs.get(blob_key(uri))
    if blob is None:
        raise refusals.blob_not_accessible(uri)
    if account_name_of(uri) != account.name.lower() or blob.storage_account_id.lower() != account.id.lower():
        raise refusals.blob_not_in_account(uri, storage_account_id)
    check_vhd(uri, blob.blob_type, blob.vhd_footer, blob.name)
    return SourceFacts(uri, "vhd", account.location, blob.size_gb)


def check_vhd(uri: str, blob_type: str, footer: bool, name: str) -> None:
    if blob_type != PAGE:
        raise refusals.not_a_page_blob(uri)
    if not footer:
        raise refusals.no_vhd_footer(name, uri)


def check_compatible(facts: SourceFacts, definition: GalleryImage) -> None:
    """The source's OS type, OS state, Hyper-V generation, architecture and security type must fit
    the definition (each checked only where the source reports it)."""
    sid = facts.source_id
    if facts.os_type is not None and facts.os_type != definition.os_type:
        raise refusals.mismatch(sid, "OS type", facts.os_type, definition.os_type)
    if facts.os_state is not None and facts.os_state != definition.os_state:
        raise refusals.mismatch(sid, "OS state", facts.os_state, definition.os_state)
    generation = facts.hyper_v_generation
    if generation is not None and generation != definition.hyper_v_generation:
        raise refusals.mismatch(sid, "Hypervisor generation", generation, definition.hyper_v_generation)
    if facts.architecture is not None and facts.architecture.lower() != definition.architecture.lower():
        raise refusals.mismatch(sid, "Architecture", facts.architecture, definition.architecture)
    if facts.security_type is not None and not definition.accepts_security_type(facts.security_type):
        raise refusals.mismatch(sid, "security type", facts.security_type, definition.security_type)


def check_region(facts: SourceFacts, location: str) -> None:
    if region_key(facts.location) != region_key(location):
        raise refusals.source_in_other_region(facts.source_id)
