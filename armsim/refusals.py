"""Every refusal armsim gives about image sources, disks, snapshots, VHDs, sharing and publishing,
in one place, each with where its code and text come from:

- [docs] Microsoft's "Troubleshoot shared image galleries" article (messages, not codes);
- [issue] a real Azure answer quoted in a public issue thread (named below);
- [ARM] ARM's generic envelope texts;
- [choice] no public text found: armsim's own wording, shaped like Azure's neighbouring messages.
"""

from __future__ import annotations

from armsim.errors import (
    ArmError,
    ConflictError,
    InvalidParameterError,
    NotFoundError,
    OperationNotAllowedError,
    PropertyChangeNotAllowedError,
    ResourceNotFoundError,
)

VERSION = "galleryImageVersion.properties"


# --- gallery image version sources -------------------------------------------------------------
def source_not_found(source_id: str) -> ArmError:
    """[docs] text; [choice] code NotFound."""
    return NotFoundError(f"Source was not found: {source_id}. Please make sure the source exists.")


def source_in_other_region(source_id: str) -> ArmError:
    """[docs] text (Azure gives it for a source in another region); [choice] code."""
    return InvalidParameterError(
        f"Source {source_id} is not found. Please check source exists, and is in the same region as "
        "gallery image version being created."
    )


def source_must_be_image_vm_or_version(source_id: str) -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        f"The source id: {source_id} must either be a managed image, virtual machine or another gallery "
        "image version",
        target=f"{VERSION}.storageProfile.source.id",
    )


def source_must_be_disk_or_snapshot(source_id: str, target: str) -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        f"The source id: {source_id} must be a managed disk or snapshot.", target=target
    )


def one_source_only() -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        "The gallery artifact version source can only be specified either directly under storageProfile or "
        "within individual OS or data disks. One and only one source type (user image, snapshot, disk, "
        "virtual machine) can be provided.",
        target=f"{VERSION}.storageProfile",
    )


def invalid_source_id(source_id: str, path: str) -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        f"Property id {source_id} at path '{path}' is invalid. Expect fully qualified resource Id that start "
        "with '/subscriptions/{subscriptionId}' or '/providers/{resourceProviderNamespace}/'.",
        target=path,
    )


def duplicate_luns() -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        "Duplicated lun numbers have been detected in the input data disks. Lun number must be unique for "
        "each data disk.",
        target=f"{VERSION}.storageProfile.dataDiskImages",
    )


def duplicate_sources() -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        "Duplicated source ids are found in the input disks. Source id should be unique for each disk.",
        target=f"{VERSION}.storageProfile",
    )


def same_blob(uri: str) -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        f"OSDiskImage and DataDiskImage cannot point to same blob {uri}", target=f"{VERSION}.storageProfile"
    )


def mismatch(source_id: str, what: str, actual: str, expected: str) -> ArmError:
    """OS type, OS state, security type: [docs]/notes text, code BadRequest as armsim always gave.
    Hypervisor generation: [issue] code Conflict (MicrosoftDocs/azure-docs#118774 and #117462,
    confidential-containers/cloud-api-adaptor#928). Architecture: [choice] worded and coded as the
    generation."""
    message = (
        f"The resource with id '{source_id}' has a different {what} ['{actual}'] "
        f"than the parent gallery image {what} ['{expected}']."
    )
    if what in ("Hypervisor generation", "Architecture"):
        return ConflictError(message)
    return ArmError(message)  # 400 BadRequest


def snapshot_still_copying(snapshot_id: str, percent: float) -> ArmError:
    """[choice] (the Pending state is documented: "cannot be used for restore, copy or download")."""
    return OperationNotAllowedError(
        f"The snapshot '{snapshot_id}' cannot be used as a source while its background copy is in progress "
        f"(snapshotAccessState 'Pending', completionPercent {percent}). Retry when it is 'Available'."
    )


def disk_attached_to_running_vm(disk_name: str, vm_id: str) -> ArmError:
    """[issue] wording of DiskRP's own refusal, "Access not permitted because disk X is currently
    attached to running VM Y" (microsoft/AzureStorageExplorer#6654), code Conflict; [choice] that
    an image source is refused the same way."""
    return ConflictError(
        f"The disk '{disk_name}' is currently attached to running VM {vm_id}. Deallocate the VM, or use a "
        "snapshot of the disk as the source."
    )


# --- VHD sources ----------------------------------------------------------------------------------
def blob_not_accessible(uri: str) -> ArmError:
    """[issue] hashicorp/terraform#22896 (code and target as Azure answered)."""
    return InvalidParameterError(f"The source blob {uri} is not accessible.", target="disks")


def not_a_page_blob(uri: str) -> ArmError:
    """[issue] DiskRP's text for a blob it cannot import (Azure/azure-cli#6179); [choice] that a block
    blob gets it, with the URI appended."""
    return InvalidParameterError(
        f"Only blobs formatted as VHDs can be imported. Blob {uri} is a block blob.", target="disks"
    )


def no_vhd_footer(blob_name: str, uri: str) -> ArmError:
    """[issue] osbuild/osbuild-composer#111, NixOS/nixpkgs#516860 (code, target and text)."""
    return InvalidParameterError(
        f"The specified cookie value in VHD footer indicates that disk '{blob_name}' with blob {uri} is not "
        "a supported VHD. Disk is expected to have cookie value 'conectix'.",
        target="disks",
    )


def storage_account_not_found(name: str, resource_group: str) -> ArmError:
    """[ARM]"""
    return ResourceNotFoundError(
        f"The Resource 'Microsoft.Storage/storageAccounts/{name}' under resource group '{resource_group}' "
        "was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    )


def blob_not_in_account(uri: str, account_id: str) -> ArmError:
    """[choice]"""
    return InvalidParameterError(
        f"The source blob {uri} is not in the storage account '{account_id}' named by storageAccountId.",
        target="storageAccountId",
    )


def missing(parameter: str, target: str) -> ArmError:
    """[ARM] the generic required-parameter text."""
    return InvalidParameterError(f"Required parameter '{parameter}' is missing (null).", target=target)


# --- managed images ---------------------------------------------------------------------------------
def trusted_launch_managed_image(kind: str) -> ArmError:
    """[issue] hashicorp/packer#13189, taskcluster/community-tc-config#936 for a VM; [choice] the
    same refusal for a disk or snapshot of a Trusted Launch VM."""
    return OperationNotAllowedError(
        f"Creation of managed images are not supported for {kind} with TrustedLaunch security type."
    )


def image_source_in_other_region(source_id: str, source_location: str, location: str) -> ArmError:
    """[choice] (Azure/azure-cli#3809: Azure answered "An internal execution error occurred"; a
    managed image must be created from sources in its own region)."""
    return InvalidParameterError(
        f"The source '{source_id}' is in location '{source_location}'. A managed image in location "
        f"'{location}' can only be created from sources in the same location.",
        target="properties.storageProfile",
    )


# --- disks and snapshots ----------------------------------------------------------------------------
def copy_source_not_found(name: str) -> ArmError:
    """[issue] text of Azure/azure-cli#11281; [choice] code NotFound."""
    return NotFoundError(f"Resource {name} is not found.")


def copy_in_other_region(source_id: str, source_location: str, location: str) -> ArmError:
    """[choice] (createOption Copy works within a region; CopyStart copies across regions)."""
    return InvalidParameterError(
        f"The source resource '{source_id}' is in location '{source_location}' but the new resource is in "
        f"'{location}'. Use createOption 'CopyStart' to copy across regions.",
        target="creationData.sourceResourceId",
    )


def incremental_needs_a_disk(source_id: str) -> ArmError:
    """[choice] (an incremental snapshot is taken of a managed disk)."""
    return InvalidParameterError(
        f"An incremental snapshot must be created from a managed disk; '{source_id}' is not a disk.",
        target="creationData.sourceResourceId",
    )


def disk_attached_cannot_delete(disk_name: str, vm_id: str) -> ArmError:
    """[choice] code OperationNotAllowed, as Azure refuses it."""
    return OperationNotAllowedError(f"Disk {disk_name} is attached to VM {vm_id}.")


# --- galleries and sharing ---------------------------------------------------------------------------
def gallery_name_not_unique(name: str, subscription: str) -> ArmError:
    """[docs] text; code OperationNotAllowed as Azure answers (409)."""
    return OperationNotAllowedError(
        f"The gallery name '{name}' is not unique within the subscription '{subscription}'. Please pick "
        "another gallery name."
    )


def sharing_needs_groups(gallery: str, permissions: str) -> ArmError:
    """[choice]"""
    return OperationNotAllowedError(
        f"The gallery '{gallery}' has sharing permissions '{permissions}'. Only a gallery with "
        "sharingProfile.permissions 'Groups' can be shared with subscriptions and tenants."
    )


def community_not_configured(gallery: str) -> ArmError:
    """[choice]"""
    return OperationNotAllowedError(
        f"The gallery '{gallery}' cannot be shared to the community: set sharingProfile.permissions to "
        "'Community' with its communityGalleryInfo first."
    )


def too_many_ids(group_type: str, limit: int) -> ArmError:
    """[choice] (limits from the direct-sharing documentation: 30 subscriptions, 5 tenants)."""
    return InvalidParameterError(
        f"A gallery can be shared with at most {limit} {group_type}.", target="sharingUpdate.groups"
    )


def invalid_group_id(group_type: str, identifier: str) -> ArmError:
    """[choice]"""
    return InvalidParameterError(
        f"The id '{identifier}' in group '{group_type}' is not a valid GUID.", target="sharingUpdate.groups"
    )


# --- publishing profile -------------------------------------------------------------------------------
def strategy_with_type() -> ArmError:
    """[choice] (the spec: "Cannot be specified along with storageAccountType")."""
    return InvalidParameterError(
        "The properties 'storageAccountStrategy' and 'storageAccountType' of the publishing profile cannot "
        "be specified together. Specify one of them, or override the storage per region with "
        "targetRegions[].storageAccountType.",
        target=f"{VERSION}.publishingProfile",
    )


def strategy_change() -> ArmError:
    """[docs] the "Changing property ... is not allowed" pattern (the spec: not updatable)."""
    field = f"{VERSION}.publishingProfile.storageAccountStrategy"
    return PropertyChangeNotAllowedError(f"Changing property '{field}' is not allowed.", target=field)


def type_change() -> ArmError:
    """[docs] the "Changing property ... is not allowed" pattern, as for any non-updatable field."""
    field = f"{VERSION}.publishingProfile.storageAccountType"
    return PropertyChangeNotAllowedError(f"Changing property '{field}' is not allowed.", target=field)


def new_data_disk() -> ArmError:
    """[docs]"""
    return InvalidParameterError(
        "Adding new Data Disks or changing the LUN of a Data Disk in an existing Image is not allowed.",
        target=f"{VERSION}.storageProfile.dataDiskImages",
    )


def source_change(path: str) -> ArmError:
    """[docs]"""
    field = f"{VERSION}.storageProfile.{path}"
    return PropertyChangeNotAllowedError(f"Changing property '{field}' is not allowed.", target=field)


# --- virtual machines -----------------------------------------------------------------------------------
def capture_needs_blob_disks() -> ArmError:
    """[issue] the text Azure answers `az vm capture` / Save-AzureRmVMImage on a VM with managed
    disks (quoted in public scripts and a CLI transcript); [choice] code OperationNotAllowed."""
    return OperationNotAllowedError(
        "The Capture action is only supported on a Virtual Machine with blob based disks. Please use the "
        "'Image' resource APIs to create an Image from a managed Virtual Machine."
    )
