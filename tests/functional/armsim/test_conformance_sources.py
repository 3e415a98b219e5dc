"""Conformance with Microsoft's examples for disks, snapshots, every image source and gallery sharing
(test data in ./examples, copied from Azure/azure-rest-api-specs; see its README).

As in test_conformance_examples: each example's request goes through the real SDK, and armsim must
answer with a status code the example lists, its headers, and a body of the example's property
structure. Placeholders in ids are replaced by resources each case creates first. Properties
armsim does not model (encryption, purchase plans, hibernation, policy violations) are named per
case, and so are the properties armsim returns that recorded traffic or the spec shows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import RG, SUB, generalized_vm
from tests.functional.armsim.test_conformance_examples import (
    DEFAULT_STRATEGY_EXTRA,
    DEFAULT_STRATEGY_NOT_MODELLED,
    RECORDED_EXTRA,
    VERSION_EXTRA,
    VERSION_NOT_MODELLED,
    Captured,
    Case,
    assert_conforms,
    capture,
    first,
    gallery,
)

EXAMPLES = Path(__file__).resolve().parent / "examples"
pytestmark = pytest.mark.timeout(30)
WEST = "West US"
# Returned by the recorded disk and snapshot GETs (../shared/azure-recordings), absent from examples.
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
DISK_NOT_MODELLED = {
    "properties.purchasePlan",
    "properties.supportsHibernation",
    "properties.encryptionSettingsCollection",
    "properties.supportedCapabilities.acceleratedNetwork",
    "properties.LastOwnershipUpdateTime",
}
IMAGE_EXTRA = RECORDED_EXTRA | {
    "properties.hyperVGeneration",
    "properties.storageProfile.osDisk.storageAccountType",
    "properties.storageProfile.osDisk.diskSizeGB",
}


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name).read_text())


def fill(value: Any, **ids: str) -> Any:
    """Replace the example's placeholders: {name} -> ids[name], and our subscription and group."""
    text = json.dumps(value).replace("{subscription-id}", SUB).replace("{subscriptionId}", SUB)
    text = text.replace("myResourceGroup", RG).replace("{resourceGroup}", RG)
    for name, replacement in ids.items():
        text = text.replace("{" + name + "}", replacement)
    return json.loads(text)


def disk_id(name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/disks/{name}"


def os_disk_of(client: ComputeManagementClient, vm: str) -> str:
    return str(client.virtual_machines.get(RG, vm).properties.storage_profile.os_disk.managed_disk.id)


def snapshot_of(client: ComputeManagementClient, disk: str, name: str, **extra: Any) -> str:
    body = {
        "location": WEST,
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": disk}},
    }
    body["properties"].update(extra)
    return str(client.snapshots.begin_create_or_update(RG, name, body).result().id)


# --- disks and snapshots -------------------------------------------------------------------------
def disk_get(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    generalized_vm(sim, "TestVM", location=WEST, os_type="Windows", security_type="TrustedLaunch")
    name = os_disk_of(client, "TestVM").rsplit("/", 1)[-1]
    tags = {"department": "Development", "project": "ManagedDisks"}
    client.disks.begin_create_or_update(RG, name, {"location": WEST, "tags": tags}).result()
    seen, hook = capture()
    client.disks.get(RG, name, raw_response_hook=hook)
    return first(seen)


def snapshot_copy(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    generalized_vm(sim, "myVM", location=WEST)
    snapshot_of(client, os_disk_of(client, "myVM"), "mySnapshot1")
    seen, hook = capture()
    client.snapshots.begin_create_or_update(
        RG, p["snapshotName"], fill(p["snapshot"]), polling=False, raw_response_hook=hook
    )
    return first(seen)


def snapshot_get_incremental(
    sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]
) -> Captured:
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
            "creationData": {"createOption": "Copy", "sourceResourceId": disk_id("myDisk")},
            "incremental": True,
        },
    }
    client.snapshots.begin_create_or_update(RG, p["snapshotName"], body).result()
    sim.advance(sim.backend.timing.incremental_copy_seconds(100))
    seen, hook = capture()
    client.snapshots.get(RG, p["snapshotName"], raw_response_hook=hook)
    return first(seen)


# --- managed images of disks ------------------------------------------------------------------------
def image_from(kind: str) -> Any:
    def run(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
        generalized_vm(sim, "myVM", location=WEST)
        ids: dict[str, str] = {}
        if kind == "snapshot":
            snapshot_of(client, os_disk_of(client, "myVM"), "mySnapshot")
        elif kind == "disk":
            disk = {
                "location": WEST,
                "properties": {
                    "creationData": {"createOption": "Copy", "sourceResourceId": os_disk_of(client, "myVM")}
                },
            }
            client.disks.begin_create_or_update(RG, "myManagedDisk", disk).result()
        else:
            account = sim.register_storage_account("mystorageaccount", resource_group=RG, location="westus")
            sim.register_blob(
                "https://mystorageaccount.blob.core.windows.net/osimages/osimage.vhd",
                storage_account_id=account,
            )
        seen, hook = capture()
        client.images.begin_create_or_update(
            RG, p["imageName"], fill(p["parameters"], **ids), polling=False, raw_response_hook=hook
        )
        return first(seen)

    return run


# --- gallery image versions from each source ---------------------------------------------------------------
def version_from_snapshots(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    generalized_vm(
        sim,
        "myVM",
        location=WEST,
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    snapshot_of(client, os_disk_of(client, "myVM"), "os-snapshot")
    gallery(client)
    seen, hook = capture()
    body = fill(p["galleryImageVersion"], osSnapshotName="os-snapshot", dataDiskName="myVM_DataDisk_1")
    client.gallery_image_versions.begin_create_or_update(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        body,
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def version_from_vhd(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    account = sim.register_storage_account("gallerysourcencus", resource_group=RG, location="westus")
    vhd = "https://gallerysourcencus.blob.core.windows.net/myvhds/Windows-Server-2012-R2-20171216-en.us-128GB.vhd"
    sim.register_blob(vhd, storage_account_id=account, size_gb=128)
    data_vhd = vhd.replace(".vhd", "-data.vhd")
    sim.register_blob(data_vhd, storage_account_id=account, size_gb=10)
    gallery(client)
    body = fill(p["galleryImageVersion"], storageAccount="gallerysourcencus")
    # The example names one blob for both disks, which Azure refuses ("OSDiskImage and
    # DataDiskImage cannot point to same blob"): the data disk gets its own blob.
    body["properties"]["storageProfile"]["dataDiskImages"][0]["source"]["uri"] = data_vhd
    seen, hook = capture()
    client.gallery_image_versions.begin_create_or_update(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        body,
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def version_from_version(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    vm_id = generalized_vm(
        sim,
        "myVM",
        location=WEST,
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    definition = {
        "location": WEST,
        "properties": {
            "osType": "Windows",
            "osState": "Generalized",
            "hyperVGeneration": "V1",
            "identifier": {"publisher": "p", "offer": "o", "sku": "test"},
        },
    }
    client.galleries.begin_create_or_update(RG, "testGallery", {"location": WEST}).result()
    client.gallery_images.begin_create_or_update(RG, "testGallery", "base", definition).result()
    source = client.gallery_image_versions.begin_create_or_update(
        RG,
        "testGallery",
        "base",
        "0.9.0",
        {"location": WEST, "properties": {"storageProfile": {"source": {"virtualMachineId": vm_id}}}},
    ).result()
    gallery(client)
    body = fill(p["galleryImageVersion"])
    body["properties"]["storageProfile"]["source"]["id"] = source.id
    seen, hook = capture()
    client.gallery_image_versions.begin_create_or_update(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        body,
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def version_with_strategy(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    generalized_vm(sim, "myVM", location=WEST, os_type="Windows", hyper_v_generation="V1")
    gallery(client)
    seen, hook = capture()
    client.gallery_image_versions.begin_create_or_update(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        fill(p["galleryImageVersion"], vmName="myVM"),
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def version_get_validation(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    vm_id = generalized_vm(
        sim, "myVM", location=WEST, hyper_v_generation="V2", data_disks=[{"lun": 1, "size_gb": 10}]
    )
    image = client.images.begin_create_or_update(
        RG,
        "myImage",
        {"location": WEST, "properties": {"sourceVirtualMachine": {"id": vm_id}, "hyperVGeneration": "V2"}},
    ).result()
    client.galleries.begin_create_or_update(RG, p["galleryName"], {"location": WEST}).result()
    definition = {
        "location": WEST,
        "properties": {
            "osType": "Linux",
            "osState": "Generalized",
            "identifier": {"publisher": "p", "offer": "o", "sku": "s"},
        },
    }  # no hyperVGeneration, no SecurityType: from 2025-03-03, V2 and TrustedLaunchSupported
    client.gallery_images.begin_create_or_update(
        RG, p["galleryName"], p["galleryImageName"], definition
    ).result()
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
    client.gallery_image_versions.begin_create_or_update(
        RG, p["galleryName"], p["galleryImageName"], p["galleryImageVersionName"], version
    ).result()
    seen, hook = capture()
    client.gallery_image_versions.get(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        expand=p["$expand"],
        raw_response_hook=hook,
    )
    return first(seen)


# --- gallery sharing ----------------------------------------------------------------------------------
def gallery_put(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    seen, hook = capture()
    client.galleries.begin_create_or_update(
        RG, p["galleryName"], p["gallery"], polling=False, raw_response_hook=hook
    )
    return first(seen)


def groups_gallery(client: ComputeManagementClient, name: str) -> None:
    body = {"location": WEST, "properties": {"sharingProfile": {"permissions": "Groups"}}}
    client.galleries.begin_create_or_update(RG, name, body).result()


def share(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    if p["sharingUpdate"]["operationType"] == "EnableCommunity":
        community = example("CommunityGallery_Create.json")["parameters"]["gallery"]
        client.galleries.begin_create_or_update(RG, p["galleryName"], community).result()
    else:
        groups_gallery(client, p["galleryName"])
    seen, hook = capture()
    client.gallery_sharing_profile.begin_update(
        RG, p["galleryName"], p["sharingUpdate"], polling=False, raw_response_hook=hook
    )
    return first(seen)


def gallery_get_permissions(
    sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]
) -> Captured:
    groups_gallery(client, p["galleryName"])
    update = example("Gallery_AddToSharingProfile.json")["parameters"]["sharingUpdate"]
    client.gallery_sharing_profile.begin_update(RG, p["galleryName"], update).result()
    seen, hook = capture()
    client.galleries.get(RG, p["galleryName"], select=p["$select"], raw_response_hook=hook)
    return first(seen)


VERSION_SOURCE_EXTRA = (
    VERSION_EXTRA | DEFAULT_STRATEGY_EXTRA | {"properties.safetyProfile.blockDeletionBeforeEndOfLife"}
)
GALLERY_EXTRA = RECORDED_EXTRA | {"properties.identifier", "properties.provisioningState"}
CASES: dict[str, Case] = {
    "Disk_Get.json": Case(
        disk_get,
        not_modelled=DISK_NOT_MODELLED
        | {"properties.creationData.imageReference"},  # a seeded VM has no image
        documented_extra=DISK_RECORDED | {"properties.supportedCapabilities.architecture"},  # spec property
    ),
    "Snapshot_Create_FromAnExistingSnapshot.json": Case(
        snapshot_copy,
        # The 202 carries the resource as a GET shows it (recorded), its disk facts, sku and state.
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
    "Snapshot_GetIncrementalSnapshot.json": Case(
        snapshot_get_incremental,
        not_modelled=DISK_NOT_MODELLED | {"properties.supportedCapabilities"},
        documented_extra=DISK_RECORDED
        | {"sku", "properties.completionPercent", "properties.snapshotAccessState"},
    ),
    "Image_CreateFromASnapshot.json": Case(image_from("snapshot"), documented_extra=IMAGE_EXTRA),
    "Image_CreateFromAManagedDisk.json": Case(image_from("disk"), documented_extra=IMAGE_EXTRA),
    "Image_CreateFromABlob.json": Case(image_from("blob"), documented_extra=IMAGE_EXTRA),
    "GalleryImageVersion_Create_WithSnapshotsAsSource.json": Case(
        version_from_snapshots,
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_SOURCE_EXTRA,
    ),
    "GalleryImageVersion_Create_WithVHD.json": Case(
        version_from_vhd,
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_SOURCE_EXTRA
        | {
            # armsim reports the VHD's size as for every other source (the example leaves it out)
            "properties.storageProfile.osDiskImage.sizeInGB",
            "properties.storageProfile.dataDiskImages[].sizeInGB",
        },
    ),
    "GalleryImageVersion_Create_WithImageVersionAsSource.json": Case(
        version_from_version,
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_SOURCE_EXTRA,
    ),
    "GalleryImageVersion_Create_WithStorageAccountStrategy.json": Case(
        version_with_strategy,
        documented_extra=RECORDED_EXTRA
        | {
            "properties.safetyProfile.blockDeletionBeforeEndOfLife",
            "properties.publishingProfile.targetRegions[].excludeFromLatest",  # as in the other examples
            "properties.storageProfile.osDiskImage",  # what was captured, as every version reports it
        },
    ),
    "GalleryImageVersion_Get_WithValidationProfile.json": Case(
        version_get_validation,
        # the source VM was seeded, not created from a marketplace image, so no platform attributes
        not_modelled=VERSION_NOT_MODELLED | {"properties.validationsProfile.platformAttributes[]"},
        documented_extra=RECORDED_EXTRA
        | {
            "properties.publishingProfile.excludeFromLatest",
            "properties.safetyProfile.blockDeletionBeforeEndOfLife",
        },
    ),
    "Gallery_Create_WithSharingProfile.json": Case(gallery_put, documented_extra=RECORDED_EXTRA),
    "CommunityGallery_Create.json": Case(
        gallery_put,
        documented_extra=RECORDED_EXTRA
        | {
            "properties.sharingProfile.communityGalleryInfo.communityGalleryEnabled"
        },  # read-only, in the spec
    ),
    "Gallery_AddToSharingProfile.json": Case(share),
    "Gallery_ResetSharingProfile.json": Case(share),
    "Gallery_EnableCommunityGallery.json": Case(share),
    "Gallery_Get_WithSelectPermissions.json": Case(gallery_get_permissions, documented_extra=GALLERY_EXTRA),
}


def test_every_example_file_has_a_case():
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(name: str, sim: ArmsimHandle, client: ComputeManagementClient):
    data = example(name)
    case = CASES[name]
    assert_conforms(name, data, case, case.run(sim, client, data["parameters"]))
