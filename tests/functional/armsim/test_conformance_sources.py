"""Conformance with Microsoft's x-ms-examples for disks, snapshots, managed images of disks and
blobs, versions from snapshots, VHDs and other versions, the storage account strategy, the
validations profile and gallery sharing.

These examples are not among ../shared/azure-api-examples and are not copied here: each case states
what was read from the example in Azure/azure-rest-api-specs (path under
specification/compute/resource-manager/Microsoft.Compute/, and commit, in `source`): the status
codes it lists, the headers each names, and the property structure of each response body (key
paths, list items collapsed to `[]`; a sub-tree armsim does not model is written as its root alone
and named in `not_modelled`). Each request is written here after the example's, with our own ids,
through the real SDK; armsim must answer one of those codes with its headers and that structure.
Properties armsim returns that recorded traffic (../shared/azure-recordings) or the spec shows but
an example leaves out are named per case (`documented_extra`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import RG, SUB, generalized_vm
from tests.functional.armsim.exchange import Captured, capture, first
from tests.functional.armsim.structure import key_paths

pytestmark = pytest.mark.timeout(30)
WEST = "West US"
COMPUTE = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute"
# Some examples name a resource id without its leading slash; the requests below keep that form.
UNSLASHED = COMPUTE.lstrip("/")
DES = f"{COMPUTE}/diskEncryptionSet"  # as the examples spell the type; echoed, not resolved
GALLERY = "myGalleryName"
DEFINITION = "myGalleryImageName"

DISK_EXAMPLES = "DiskRP/stable/2025-01-02/examples"
GALLERY_RP = "GalleryRP/stable/2025-03-03/examples/galleryExamples"
GALLERY_2026 = "Compute/stable/2026-03-03/examples/galleryExamples"
IMAGE_2026 = "Compute/Compute/Compute/examples/2026-04-01/imageExamples"


@dataclass
class Answer:
    paths: set[str] | None  # the body's key paths; None: the example answers without a body
    headers: set[str] = field(default_factory=set)


@dataclass
class Case:
    source: str  # path under .../Microsoft.Compute/ @ commit of the example read
    run: Callable[[ArmsimHandle, ComputeManagementClient], Captured]
    answers: dict[int, Answer]  # status code -> what the example shows for it
    not_modelled: set[str] = field(default_factory=set)
    documented_extra: set[str] = field(default_factory=set)


def same(paths: set[str] | None, *statuses: int, headers: set[str] | None = None) -> dict[int, Answer]:
    return {status: Answer(paths, set(headers or ())) for status in statuses}


RECORDED_EXTRA = {"type", "tags"}  # every recorded ARM response carries them; examples often omit them

# --- what the examples show ----------------------------------------------------------------------------
DISK_GET_PATHS = {  # Disk_Get.json, 200
    "id",
    "name",
    "type",
    "location",
    "managedBy",
    "sku",
    "sku.name",
    "tags",
    "tags.department",
    "tags.project",
    "properties",
    "properties.osType",
    "properties.hyperVGeneration",
    "properties.creationData",
    "properties.creationData.createOption",
    "properties.creationData.imageReference",
    "properties.creationData.imageReference.id",
    "properties.diskSizeGB",
    "properties.encryption",
    "properties.encryption.type",
    "properties.securityProfile",
    "properties.securityProfile.securityType",
    "properties.supportedCapabilities",
    "properties.supportedCapabilities.acceleratedNetwork",
    "properties.timeCreated",
    "properties.provisioningState",
    "properties.purchasePlan",  # .name .product .publisher
    "properties.encryptionSettingsCollection",  # .enabled .encryptionSettings[]...
    "properties.supportsHibernation",
    "properties.LastOwnershipUpdateTime",
}
SNAPSHOT_COPY_PATHS = {  # Snapshot_Create_FromAnExistingSnapshot.json, 200 and 202 alike
    "id",
    "name",
    "location",
    "properties",
    "properties.creationData",
    "properties.creationData.createOption",
    "properties.creationData.sourceResourceId",
    "properties.provisioningState",
}
INCREMENTAL_SNAPSHOT_PATHS = {  # Snapshot_GetIncrementalSnapshot.json, 200
    "id",
    "name",
    "type",
    "location",
    "tags",
    "tags.department",
    "tags.project",
    "properties",
    "properties.osType",
    "properties.hyperVGeneration",
    "properties.creationData",
    "properties.creationData.createOption",
    "properties.creationData.sourceResourceId",
    "properties.creationData.sourceUniqueId",
    "properties.diskSizeGB",
    "properties.diskSizeBytes",
    "properties.diskState",
    "properties.encryption",
    "properties.encryption.type",
    "properties.incremental",
    "properties.incrementalSnapshotFamilyId",
    "properties.networkAccessPolicy",
    "properties.provisioningState",
    "properties.timeCreated",
    "properties.uniqueId",
    "properties.supportedCapabilities",  # .acceleratedNetwork
    "properties.purchasePlan",  # .name .product .publisher
    "properties.encryptionSettingsCollection",  # .enabled .encryptionSettings[]...
    "properties.supportsHibernation",
}
IMAGE_PATHS = {  # Image_CreateFrom{ASnapshot,AManagedDisk,ABlob}.json, 200 and 201 alike, + the source
    "id",
    "name",
    "type",
    "location",
    "properties",
    "properties.provisioningState",
    "properties.storageProfile",
    "properties.storageProfile.dataDisks",
    "properties.storageProfile.osDisk",
    "properties.storageProfile.osDisk.caching",
    "properties.storageProfile.osDisk.osState",
    "properties.storageProfile.osDisk.osType",
    "properties.storageProfile.zoneResilient",
}
TARGET_REGIONS = {
    "properties.publishingProfile.targetRegions",
    "properties.publishingProfile.targetRegions[].name",
    "properties.publishingProfile.targetRegions[].regionalReplicaCount",
    "properties.publishingProfile.targetRegions[].storageAccountType",
}
ENCRYPTION = {  # targetRegions[].encryption as the examples show it
    "properties.publishingProfile.targetRegions[].encryption",
    "properties.publishingProfile.targetRegions[].encryption.osDiskImage",
    "properties.publishingProfile.targetRegions[].encryption.osDiskImage.diskEncryptionSetId",
    "properties.publishingProfile.targetRegions[].encryption.dataDiskImages",
    "properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].diskEncryptionSetId",
    "properties.publishingProfile.targetRegions[].encryption.dataDiskImages[].lun",
}
VERSION_PATHS = (  # the 2025-03-03 / 2026-03-03 version create examples, 200, 201 and 202 alike
    {
        "id",
        "name",
        "location",
        "properties",
        "properties.provisioningState",
        "properties.publishingProfile",
        "properties.publishingProfile.publishedDate",
        "properties.publishingProfile.replicaCount",
        "properties.publishingProfile.storageAccountType",
        "properties.publishingProfile.targetRegions[].excludeFromLatest",
        "properties.safetyProfile",
        "properties.safetyProfile.allowDeletionOfReplicatedLocations",
        "properties.safetyProfile.blockDeletionBeforeEndOfLife",
        "properties.safetyProfile.reportedForPolicyViolation",
        "properties.safetyProfile.policyViolations",  # [].category [].details
        "properties.storageProfile",
        "properties.storageProfile.osDiskImage",
        "properties.storageProfile.osDiskImage.hostCaching",
        "properties.storageProfile.dataDiskImages",
        "properties.storageProfile.dataDiskImages[].hostCaching",
        "properties.storageProfile.dataDiskImages[].lun",
    }
    | TARGET_REGIONS
    | ENCRYPTION
)
SIZES = {
    "properties.storageProfile.osDiskImage.sizeInGB",
    "properties.storageProfile.dataDiskImages[].sizeInGB",
}
FROM_SNAPSHOTS_PATHS = (
    VERSION_PATHS
    | SIZES
    | {  # GalleryImageVersion_Create_WithSnapshotsAsSource.json
        "properties.storageProfile.osDiskImage.source",
        "properties.storageProfile.osDiskImage.source.id",
        "properties.storageProfile.dataDiskImages[].source",
        "properties.storageProfile.dataDiskImages[].source.id",
    }
)
FROM_VHD_PATHS = VERSION_PATHS | {  # GalleryImageVersion_Create_WithVHD.json (no sizes shown)
    "properties.storageProfile.osDiskImage.source",
    "properties.storageProfile.osDiskImage.source.uri",
    "properties.storageProfile.osDiskImage.source.storageAccountId",
    "properties.storageProfile.dataDiskImages[].source",
    "properties.storageProfile.dataDiskImages[].source.uri",
    "properties.storageProfile.dataDiskImages[].source.storageAccountId",
}
FROM_VERSION_PATHS = (
    VERSION_PATHS
    | SIZES
    | {  # GalleryImageVersion_Create_WithImageVersionAsSource.json
        "properties.storageProfile.source",
        "properties.storageProfile.source.id",
    }
)
STRATEGY_PATHS = TARGET_REGIONS | {  # GalleryImageVersion_Create_WithStorageAccountStrategy.json
    "id",
    "name",
    "location",
    "properties",
    "properties.provisioningState",
    "properties.publishingProfile",
    "properties.publishingProfile.excludeFromLatest",
    "properties.publishingProfile.publishedDate",
    "properties.publishingProfile.replicaCount",
    "properties.publishingProfile.storageAccountStrategy",
    "properties.safetyProfile",
    "properties.safetyProfile.allowDeletionOfReplicatedLocations",
    "properties.safetyProfile.reportedForPolicyViolation",
    "properties.storageProfile",
    "properties.storageProfile.source",
    "properties.storageProfile.source.virtualMachineId",
}
VALIDATION_PATHS = (FROM_VERSION_PATHS - {"properties.safetyProfile.blockDeletionBeforeEndOfLife"}) | {
    # GalleryImageVersion_Get_WithValidationProfile.json, 200 (its version has an image as source)
    "properties.validationsProfile",
    "properties.validationsProfile.executedValidations",
    "properties.validationsProfile.executedValidations[].executionTime",
    "properties.validationsProfile.executedValidations[].status",
    "properties.validationsProfile.executedValidations[].type",
    "properties.validationsProfile.executedValidations[].version",
    "properties.validationsProfile.platformAttributes",
    "properties.validationsProfile.platformAttributes[].name",
    "properties.validationsProfile.platformAttributes[].value",
    "properties.validationsProfile.validationEtag",
}
GALLERY_PATHS = {  # Gallery_Create_WithSharingProfile.json, 200, 201 and 202 alike
    "id",
    "name",
    "location",
    "properties",
    "properties.description",
    "properties.identifier",
    "properties.identifier.uniqueName",
    "properties.provisioningState",
    "properties.sharingProfile",
    "properties.sharingProfile.permissions",
}
COMMUNITY_PATHS = GALLERY_PATHS | {  # CommunityGallery_Create.json, 200, 201 and 202 alike
    "properties.sharingProfile.communityGalleryInfo",
    "properties.sharingProfile.communityGalleryInfo.eula",
    "properties.sharingProfile.communityGalleryInfo.publicNamePrefix",
    "properties.sharingProfile.communityGalleryInfo.publisherContact",
    "properties.sharingProfile.communityGalleryInfo.publisherUri",
}
SHARE_ADD_PATHS = {"operationType", "groups", "groups[].type", "groups[].ids"}  # Gallery_AddToSharingProfile
PERMISSIONS_PATHS = {  # Gallery_Get_WithSelectPermissions.json, 200
    "id",
    "name",
    "location",
    "properties",
    "properties.sharingProfile",
    "properties.sharingProfile.permissions",
    "properties.sharingProfile.groups",
    "properties.sharingProfile.groups[].type",
    "properties.sharingProfile.groups[].ids",
}

# --- what armsim does not model, and what it returns beyond an example ---------------------------------
DISK_NOT_MODELLED = {
    "properties.purchasePlan",  # marketplace purchase plans
    "properties.supportsHibernation",
    "properties.encryptionSettingsCollection",  # Azure Disk Encryption
    "properties.supportedCapabilities.acceleratedNetwork",
    "properties.LastOwnershipUpdateTime",
}
# Returned by the recorded disk and snapshot GETs, absent from the examples.
DISK_RECORDED = RECORDED_EXTRA | {
    "sku.tier",
    "properties.diskState",
    "properties.diskSizeBytes",
    "properties.uniqueId",
    "properties.networkAccessPolicy",
    "properties.encryption",
    "properties.timeCreated",
    "properties.diskSizeGB",
    "properties.creationData.sourceUniqueId",
}
IMAGE_EXTRA = RECORDED_EXTRA | {  # as Image_CreateFromAVM.json in ../shared shows them
    "properties.hyperVGeneration",
    "properties.storageProfile.osDisk.storageAccountType",
    "properties.storageProfile.osDisk.diskSizeGB",
}
VERSION_NOT_MODELLED = {"properties.safetyProfile.policyViolations"}  # policy scanning is not simulated
# These examples send neither storageAccountType nor storageAccountStrategy: from 2025-03-03 on,
# the default strategy (PreferStandard_ZRS) applies and is reported in place of the top-level type,
# as GalleryImageVersion_Create_WithStorageAccountStrategy.json shows it.
DEFAULT_STRATEGY_NOT_MODELLED = {"properties.publishingProfile.storageAccountType"}
VERSION_EXTRA = RECORDED_EXTRA | {
    "properties.publishingProfile.excludeFromLatest",  # present in the recordings
    "properties.publishingProfile.storageAccountStrategy",  # the default strategy, as above
}


# --- requests ------------------------------------------------------------------------------------------
def os_disk_of(client: ComputeManagementClient, vm: str) -> str:
    return str(client.virtual_machines.get(RG, vm).properties.storage_profile.os_disk.managed_disk.id)


def snapshot_of(client: ComputeManagementClient, disk: str, name: str) -> str:
    body = {
        "location": WEST,
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": disk}},
    }
    return str(client.snapshots.begin_create_or_update(RG, name, body).result().id)


def definition(client: ComputeManagementClient, os_type: str = "Windows", generation: str = "V1") -> None:
    client.galleries.begin_create_or_update(RG, GALLERY, {"location": WEST}).result()
    body = {
        "location": WEST,
        "properties": {
            "osType": os_type,
            "osState": "Generalized",
            "hyperVGeneration": generation,
            "identifier": {"publisher": "p", "offer": "o", "sku": "s"},
        },
    }
    client.gallery_images.begin_create_or_update(RG, GALLERY, DEFINITION, body).result()


def put_version(client: ComputeManagementClient, body: dict[str, Any]) -> Captured:
    seen, hook = capture()
    client.gallery_image_versions.begin_create_or_update(
        RG, GALLERY, DEFINITION, "1.0.0", body, polling=False, raw_response_hook=hook
    )
    return first(seen)


def encrypted_regions(*data_luns: int) -> list[dict[str, Any]]:
    """The examples' two target regions, each with a disk encryption set per disk."""

    def encryption(region: str) -> dict[str, Any]:
        return {
            "osDiskImage": {"diskEncryptionSetId": f"{DES}/my{region}DiskEncryptionSet"},
            "dataDiskImages": [
                {"lun": lun, "diskEncryptionSetId": f"{DES}/myOther{region}DiskEncryptionSet"}
                for lun in data_luns
            ],
        }

    return [
        {
            "name": WEST,
            "regionalReplicaCount": 1,
            "encryption": encryption("WestUS"),
            "excludeFromLatest": False,
        },
        {
            "name": "East US",
            "regionalReplicaCount": 2,
            "storageAccountType": "Standard_ZRS",
            "encryption": encryption("EastUS"),
            "excludeFromLatest": False,
        },
    ]


SAFETY = {"allowDeletionOfReplicatedLocations": False, "blockDeletionBeforeEndOfLife": False}


def disk_get(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    generalized_vm(sim, "TestVM", location=WEST, os_type="Windows", security_type="TrustedLaunch")
    name = os_disk_of(client, "TestVM").rsplit("/", 1)[-1]
    tags = {"department": "Development", "project": "ManagedDisks"}
    client.disks.begin_create_or_update(RG, name, {"location": WEST, "tags": tags}).result()
    seen, hook = capture()
    client.disks.get(RG, name, raw_response_hook=hook)
    return first(seen)


def snapshot_copy(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    generalized_vm(sim, "myVM", location=WEST)
    snapshot_of(client, os_disk_of(client, "myVM"), "mySnapshot1")
    body = {
        "location": WEST,
        "properties": {
            "creationData": {"createOption": "Copy", "sourceResourceId": f"{UNSLASHED}/snapshots/mySnapshot1"}
        },
    }
    seen, hook = capture()
    client.snapshots.begin_create_or_update(RG, "mySnapshot2", body, polling=False, raw_response_hook=hook)
    return first(seen)


def snapshot_get_incremental(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    disk = {
        "location": "westus",
        "properties": {
            "creationData": {"createOption": "Empty"},
            "diskSizeGB": 100,
            "osType": "Windows",
            "hyperVGeneration": "V1",
        },
    }
    client.disks.begin_create_or_update(RG, "myDisk", disk).result()
    body = {
        "location": "westus",
        "tags": {"department": "Development", "project": "Snapshots"},
        "properties": {
            "creationData": {"createOption": "Copy", "sourceResourceId": f"{COMPUTE}/disks/myDisk"},
            "incremental": True,
        },
    }
    client.snapshots.begin_create_or_update(RG, "myIncrementalSnapshot", body).result()
    sim.advance(sim.backend.timing.incremental_copy_seconds(100))
    seen, hook = capture()
    client.snapshots.get(RG, "myIncrementalSnapshot", raw_response_hook=hook)
    return first(seen)


def image_from(kind: str) -> Callable[[ArmsimHandle, ComputeManagementClient], Captured]:
    def run(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
        generalized_vm(sim, "myVM", location=WEST)
        os_disk: dict[str, Any] = {"osType": "Linux", "osState": "Generalized"}
        if kind == "snapshot":
            snapshot_of(client, os_disk_of(client, "myVM"), "mySnapshot")
            os_disk["snapshot"] = {"id": f"{UNSLASHED}/snapshots/mySnapshot"}
        elif kind == "disk":
            copy = {"createOption": "Copy", "sourceResourceId": os_disk_of(client, "myVM")}
            disk = {"location": WEST, "properties": {"creationData": copy}}
            client.disks.begin_create_or_update(RG, "myManagedDisk", disk).result()
            os_disk["managedDisk"] = {"id": f"{UNSLASHED}/disks/myManagedDisk"}
        else:
            account = sim.register_storage_account("mystorageaccount", resource_group=RG, location="westus")
            blob = "https://mystorageaccount.blob.core.windows.net/osimages/osimage.vhd"
            sim.register_blob(blob, storage_account_id=account)
            os_disk["blobUri"] = blob
        body = {
            "location": WEST,
            "properties": {"storageProfile": {"osDisk": os_disk, "zoneResilient": kind != "snapshot"}},
        }
        seen, hook = capture()
        client.images.begin_create_or_update(RG, "myImage", body, polling=False, raw_response_hook=hook)
        return first(seen)

    return run


def version_from_snapshots(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    generalized_vm(
        sim,
        "myVM",
        location=WEST,
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    snapshot = snapshot_of(client, os_disk_of(client, "myVM"), "os-snapshot")
    definition(client)
    storage = {
        "osDiskImage": {"source": {"id": snapshot}, "hostCaching": "ReadOnly"},
        "dataDiskImages": [
            {"source": {"id": f"{COMPUTE}/disks/myVM_DataDisk_1"}, "lun": 1, "hostCaching": "None"}
        ],
    }
    publishing = {"targetRegions": encrypted_regions(1)}
    properties = {"publishingProfile": publishing, "storageProfile": storage, "safetyProfile": SAFETY}
    return put_version(client, {"location": WEST, "properties": properties})


def version_from_vhd(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    account = sim.register_storage_account("gallerysourcencus", resource_group=RG, location="westus")
    vhd = "https://gallerysourcencus.blob.core.windows.net/myvhds/Windows-Server-2012-R2-20171216-en.us-128GB.vhd"
    sim.register_blob(vhd, storage_account_id=account, size_gb=128)
    # The example names one blob for both disks, which Azure refuses ("OSDiskImage and
    # DataDiskImage cannot point to same blob"): the data disk gets its own blob.
    data_vhd = vhd.replace(".vhd", "-data.vhd")
    sim.register_blob(data_vhd, storage_account_id=account, size_gb=10)
    definition(client)
    regions = encrypted_regions(1)
    del regions[1]["encryption"]  # the example encrypts the West US replicas only
    storage = {
        "osDiskImage": {"source": {"storageAccountId": account, "uri": vhd}, "hostCaching": "ReadOnly"},
        "dataDiskImages": [
            {"source": {"storageAccountId": account, "uri": data_vhd}, "lun": 1, "hostCaching": "None"}
        ],
    }
    properties = {
        "publishingProfile": {"targetRegions": regions},
        "storageProfile": storage,
        "safetyProfile": SAFETY,
    }
    return put_version(client, {"location": WEST, "properties": properties})


def version_from_version(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    vm_id = generalized_vm(
        sim,
        "myVM",
        location=WEST,
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    body = {
        "location": WEST,
        "properties": {
            "osType": "Windows",
            "osState": "Generalized",
            "hyperVGeneration": "V1",
            "identifier": {"publisher": "p", "offer": "o", "sku": "test"},
        },
    }
    client.galleries.begin_create_or_update(RG, "testGallery", {"location": WEST}).result()
    client.gallery_images.begin_create_or_update(RG, "testGallery", "base", body).result()
    source = client.gallery_image_versions.begin_create_or_update(
        RG,
        "testGallery",
        "base",
        "0.9.0",
        {"location": WEST, "properties": {"storageProfile": {"source": {"virtualMachineId": vm_id}}}},
    ).result()
    definition(client)
    publishing = {"targetRegions": encrypted_regions(0, 1)}
    storage = {"source": {"id": source.id}}
    properties = {"publishingProfile": publishing, "storageProfile": storage, "safetyProfile": SAFETY}
    return put_version(client, {"location": WEST, "properties": properties})


def version_with_strategy(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    vm_id = generalized_vm(sim, "myVM", location=WEST, os_type="Windows", hyper_v_generation="V1")
    definition(client)
    publishing = {
        "targetRegions": [
            {"name": WEST},
            {"name": "East US"},
            {"name": "East US 2", "storageAccountType": "Premium_LRS"},
        ],
        "storageAccountStrategy": "PreferStandard_ZRS",
    }
    body = {
        "location": WEST,
        "properties": {
            "publishingProfile": publishing,
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
        },
    }
    return put_version(client, body)


def version_get_validation(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    vm_id = generalized_vm(
        sim, "myVM", location=WEST, hyper_v_generation="V2", data_disks=[{"lun": 1, "size_gb": 10}]
    )
    image = client.images.begin_create_or_update(
        RG,
        "myImage",
        {"location": WEST, "properties": {"sourceVirtualMachine": {"id": vm_id}, "hyperVGeneration": "V2"}},
    ).result()
    client.galleries.begin_create_or_update(RG, GALLERY, {"location": WEST}).result()
    body = {
        "location": WEST,
        "properties": {
            "osType": "Linux",
            "osState": "Generalized",
            "identifier": {"publisher": "p", "offer": "o", "sku": "s"},
        },
    }  # no hyperVGeneration, no SecurityType: from 2025-03-03, V2 and TrustedLaunchSupported
    client.gallery_images.begin_create_or_update(RG, GALLERY, DEFINITION, body).result()
    version = {
        "location": WEST,
        "properties": {
            "storageProfile": {"source": {"id": image.id}, "osDiskImage": {"hostCaching": "ReadOnly"}},
            "publishingProfile": {
                "targetRegions": [{"name": WEST}, {"name": "East US", "regionalReplicaCount": 2}],
                "storageAccountType": "Standard_LRS",
            },
        },
    }
    client.gallery_image_versions.begin_create_or_update(RG, GALLERY, DEFINITION, "1.0.0", version).result()
    seen, hook = capture()
    client.gallery_image_versions.get(
        RG, GALLERY, DEFINITION, "1.0.0", expand="ValidationProfile", raw_response_hook=hook
    )
    return first(seen)


GROUPS_GALLERY = {
    "location": WEST,
    "properties": {
        "description": "This is the gallery description.",
        "sharingProfile": {"permissions": "Groups"},
    },
}
COMMUNITY_GALLERY = {
    "location": WEST,
    "properties": {
        "description": "This is the gallery description.",
        "sharingProfile": {
            "permissions": "Community",
            "communityGalleryInfo": {
                "publisherUri": "uri",
                "publisherContact": "pir@microsoft.com",
                "eula": "eula",
                "publicNamePrefix": "PirPublic",
            },
        },
    },
}
ADD_GROUPS = {
    "operationType": "Add",
    "groups": [
        {
            "type": "Subscriptions",
            "ids": ["34a4ab42-0d72-47d9-bd1a-aed207386dac", "380fd389-260b-41aa-bad9-0a83108c370b"],
        },
        {"type": "AADTenants", "ids": ["c24c76aa-8897-4027-9b03-8f7928b54ff6"]},
    ],
}


def gallery_put(body: dict[str, Any]) -> Callable[[ArmsimHandle, ComputeManagementClient], Captured]:
    def run(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
        seen, hook = capture()
        client.galleries.begin_create_or_update(RG, GALLERY, body, polling=False, raw_response_hook=hook)
        return first(seen)

    return run


def share(update: dict[str, Any]) -> Callable[[ArmsimHandle, ComputeManagementClient], Captured]:
    def run(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
        community = update["operationType"] == "EnableCommunity"
        client.galleries.begin_create_or_update(
            RG, GALLERY, COMMUNITY_GALLERY if community else GROUPS_GALLERY
        ).result()
        seen, hook = capture()
        client.gallery_sharing_profile.begin_update(
            RG, GALLERY, update, polling=False, raw_response_hook=hook
        )
        return first(seen)

    return run


def gallery_get_permissions(sim: ArmsimHandle, client: ComputeManagementClient) -> Captured:
    body = {"location": WEST, "properties": {"sharingProfile": {"permissions": "Groups"}}}  # no description
    client.galleries.begin_create_or_update(RG, GALLERY, body).result()
    client.gallery_sharing_profile.begin_update(RG, GALLERY, ADD_GROUPS).result()
    seen, hook = capture()
    client.galleries.get(RG, GALLERY, select="Permissions", raw_response_hook=hook)
    return first(seen)


CASES: dict[str, Case] = {
    "Disk_Get": Case(
        f"{DISK_EXAMPLES}/diskExamples/Disk_Get.json @ a6e34a2ef5092e35fce03bdf78b7bf604dc6a08a",
        disk_get,
        same(DISK_GET_PATHS, 200),
        not_modelled=DISK_NOT_MODELLED
        | {"properties.creationData.imageReference"},  # a seeded VM has no image
        documented_extra=DISK_RECORDED | {"properties.supportedCapabilities.architecture"},  # spec property
    ),
    "Snapshot_Create_FromAnExistingSnapshot": Case(
        f"{DISK_EXAMPLES}/snapshotExamples/Snapshot_Create_FromAnExistingSnapshot.json "
        "@ 1074fd7f37bcf8554650a7555ca04782d6d2fce4",
        snapshot_copy,
        same(SNAPSHOT_COPY_PATHS, 200, 202),
        # The 202 carries the resource as a GET shows it (recorded): its disk facts, sku and state.
        documented_extra=DISK_RECORDED
        | {
            "sku",
            "properties.osType",
            "properties.hyperVGeneration",
            "properties.supportedCapabilities",
            "properties.incremental",
            "properties.snapshotAccessState",
        },
    ),
    "Snapshot_GetIncrementalSnapshot": Case(
        f"{DISK_EXAMPLES}/snapshotExamples/Snapshot_GetIncrementalSnapshot.json "
        "@ a0730331b91b724ff826348875a63f6dcef4c048",
        snapshot_get_incremental,
        same(INCREMENTAL_SNAPSHOT_PATHS, 200),
        not_modelled=DISK_NOT_MODELLED | {"properties.supportedCapabilities"},
        documented_extra=DISK_RECORDED
        | {"sku", "properties.completionPercent", "properties.snapshotAccessState"},
    ),
    "Image_CreateFromASnapshot": Case(
        "ComputeRP/stable/2025-04-01/examples/imageExamples/Image_CreateFromASnapshot.json "
        "@ fb205a8b8b61361fabcef8f5e72f784c91e85922",
        image_from("snapshot"),
        same(
            IMAGE_PATHS
            | {"properties.storageProfile.osDisk.snapshot", "properties.storageProfile.osDisk.snapshot.id"},
            200,
            201,
        ),
        documented_extra=IMAGE_EXTRA,
    ),
    "Image_CreateFromAManagedDisk": Case(
        f"{IMAGE_2026}/Image_CreateFromAManagedDisk.json @ 540c6e3ab9ee468129cc071cd2bb767644a2b109",
        image_from("disk"),
        same(
            IMAGE_PATHS
            | {
                "properties.storageProfile.osDisk.managedDisk",
                "properties.storageProfile.osDisk.managedDisk.id",
            },
            200,
            201,
        ),
        documented_extra=IMAGE_EXTRA,
    ),
    "Image_CreateFromABlob": Case(
        f"{IMAGE_2026}/Image_CreateFromABlob.json @ b3f1a79422db58ca99f30ba3399f266875b082f4",
        image_from("blob"),
        same(IMAGE_PATHS | {"properties.storageProfile.osDisk.blobUri"}, 200, 201),
        documented_extra=IMAGE_EXTRA,
    ),
    "GalleryImageVersion_Create_WithSnapshotsAsSource": Case(
        f"{GALLERY_RP}/GalleryImageVersion_Create_WithSnapshotsAsSource.json "
        "@ 0c20ffea1c2726ecaee61c69148099d3e1227989",
        version_from_snapshots,
        same(FROM_SNAPSHOTS_PATHS, 200, 201, 202),
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_EXTRA,
    ),
    "GalleryImageVersion_Create_WithVHD": Case(
        f"{GALLERY_RP}/GalleryImageVersion_Create_WithVHD.json @ 0c20ffea1c2726ecaee61c69148099d3e1227989",
        version_from_vhd,
        same(FROM_VHD_PATHS, 200, 201, 202),
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        # armsim reports the VHD's size as for every other source (the example leaves it out)
        documented_extra=VERSION_EXTRA | SIZES,
    ),
    "GalleryImageVersion_Create_WithImageVersionAsSource": Case(
        f"{GALLERY_2026}/GalleryImageVersion_Create_WithImageVersionAsSource.json "
        "@ 0970fcd06f27dcdb4409b3898fcd2e976c628b6e",
        version_from_version,
        same(FROM_VERSION_PATHS, 200, 201, 202),
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_EXTRA,
    ),
    "GalleryImageVersion_Create_WithStorageAccountStrategy": Case(
        f"{GALLERY_2026}/GalleryImageVersion_Create_WithStorageAccountStrategy.json "
        "@ 8582ed4501afe5c9f3e6c7ee18103bebeb6b7ac4",
        version_with_strategy,
        same(STRATEGY_PATHS, 200, 201, 202),
        documented_extra=RECORDED_EXTRA
        | {
            "properties.safetyProfile.blockDeletionBeforeEndOfLife",
            "properties.publishingProfile.targetRegions[].excludeFromLatest",  # as in the other examples
            "properties.storageProfile.osDiskImage",  # what was captured, as every version reports it
        },
    ),
    "GalleryImageVersion_Get_WithValidationProfile": Case(
        f"{GALLERY_2026}/GalleryImageVersion_Get_WithValidationProfile.json "
        "@ 4d37c9c81a5d9e78c8a0ced432a7eacf83b144d7",
        version_get_validation,
        same(VALIDATION_PATHS, 200),
        not_modelled=VERSION_NOT_MODELLED
        | {
            "properties.publishingProfile.targetRegions[].encryption",  # the request asks for none
            # the source VM was seeded, not created from a marketplace image: no platform attributes
            "properties.validationsProfile.platformAttributes[]",
        },
        documented_extra=RECORDED_EXTRA
        | {
            "properties.publishingProfile.excludeFromLatest",
            "properties.safetyProfile.blockDeletionBeforeEndOfLife",
        },
    ),
    "Gallery_Create_WithSharingProfile": Case(
        f"{GALLERY_RP}/Gallery_Create_WithSharingProfile.json @ 0c20ffea1c2726ecaee61c69148099d3e1227989",
        gallery_put(GROUPS_GALLERY),
        same(GALLERY_PATHS, 200, 201, 202),
        documented_extra=RECORDED_EXTRA,
    ),
    "CommunityGallery_Create": Case(
        f"{GALLERY_2026}/CommunityGallery_Create.json @ 7213c8b8153df589cabe24aa5eb3043f4a203973",
        gallery_put(COMMUNITY_GALLERY),
        same(COMMUNITY_PATHS, 200, 201, 202),
        # read-only, in the spec
        documented_extra=RECORDED_EXTRA
        | {"properties.sharingProfile.communityGalleryInfo.communityGalleryEnabled"},
    ),
    "Gallery_AddToSharingProfile": Case(
        f"{GALLERY_RP}/Gallery_AddToSharingProfile.json @ 3dd5967824250b457416b6811ceaee2002abcf11",
        share(ADD_GROUPS),
        same(SHARE_ADD_PATHS, 200) | same(SHARE_ADD_PATHS, 202, headers={"Location"}),
    ),
    "Gallery_ResetSharingProfile": Case(
        f"{GALLERY_RP}/Gallery_ResetSharingProfile.json @ a3ba8f89b23c581e227427e402de17fcd49ff559",
        share({"operationType": "Reset"}),
        same({"operationType"}, 200) | same({"operationType"}, 202, headers={"Location"}),
    ),
    "Gallery_EnableCommunityGallery": Case(
        f"{GALLERY_2026}/Gallery_EnableCommunityGallery.json @ 8582ed4501afe5c9f3e6c7ee18103bebeb6b7ac4",
        share({"operationType": "EnableCommunity"}),
        same({"operationType"}, 200) | same({"operationType"}, 202, headers={"Location"}),
    ),
    "Gallery_Get_WithSelectPermissions": Case(
        f"{GALLERY_RP}/Gallery_Get_WithSelectPermissions.json @ a3ba8f89b23c581e227427e402de17fcd49ff559",
        gallery_get_permissions,
        same(PERMISSIONS_PATHS, 200),
        documented_extra=RECORDED_EXTRA | {"properties.identifier", "properties.provisioningState"},
    ),
}


def covered(path: str, prefixes: set[str]) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[]")) for p in prefixes)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(name: str, sim: ArmsimHandle, client: ComputeManagementClient):
    case = CASES[name]
    captured = case.run(sim, client)
    where = f"{name} ({case.source})"
    assert captured.status in case.answers, f"{where}: status {captured.status} not in {sorted(case.answers)}"
    answer = case.answers[captured.status]
    sent = {h.lower() for h in captured.headers}
    assert {h for h in answer.headers if h.lower() not in sent} == set(), f"{where}: missing headers"
    if answer.paths is None:
        assert captured.body is None, f"{where}: the example answers {captured.status} without a body"
        return
    have = key_paths(captured.body)
    missing = {p for p in answer.paths - have if not covered(p, case.not_modelled)}
    extra = {p for p in have - answer.paths if not covered(p, case.documented_extra)}
    assert (missing, extra) == (set(), set()), f"{where}: missing {sorted(missing)}, extra {sorted(extra)}"
