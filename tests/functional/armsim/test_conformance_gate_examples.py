"""Conformance with Microsoft's x-ms-examples for the test-VM gate and the version lifecycle.

These examples are not among ../shared/azure-api-examples, so each case states what was read from
the example in Azure/azure-rest-api-specs (path under
specification/compute/resource-manager/Microsoft.Compute/, commit): the status codes it lists and
the property structure of its response body (key paths, list items collapsed to `[]`). The request
is the example's, with our own ids; armsim must answer one of those codes with that structure.
Sub-trees armsim does not model are named per case, as are properties real traffic carries that an
example leaves out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import RG, SUB
from tests.functional.armsim.gate_support import definition_id, make_version
from tests.functional.armsim.structure import key_paths

pytestmark = pytest.mark.timeout(30)

VM_EXAMPLES = "Compute/Compute/Compute/examples/2026-04-01/virtualMachineExamples"
GALLERY_EXAMPLES = "Compute/stable/2026-03-03/examples/galleryExamples"
GALLERY_COMMIT = "1d07d93919b04cec20587e83003d734585f95216"

VM_PATHS = {
    "id",
    "type",
    "name",
    "location",
    "properties",
    "properties.vmId",
    "properties.provisioningState",
    "properties.hardwareProfile",
    "properties.hardwareProfile.vmSize",
    "properties.networkProfile",
    "properties.networkProfile.networkInterfaces",
    "properties.networkProfile.networkInterfaces[].id",
    "properties.networkProfile.networkInterfaces[].properties",
    "properties.networkProfile.networkInterfaces[].properties.primary",
    "properties.storageProfile",
    "properties.storageProfile.dataDisks",
    "properties.storageProfile.imageReference",
    "properties.storageProfile.osDisk",
    "properties.storageProfile.osDisk.caching",
    "properties.storageProfile.osDisk.createOption",
    "properties.storageProfile.osDisk.managedDisk",
    "properties.storageProfile.osDisk.managedDisk.storageAccountType",
    "properties.storageProfile.osDisk.name",
    "properties.storageProfile.osDisk.osType",
}
GALLERY_IMAGE_PATHS = VM_PATHS | {
    "properties.storageProfile.imageReference.id",
    "properties.storageProfile.osDisk.diskSizeGB",
}
OS_PROFILE = {
    "properties.osProfile",
    "properties.osProfile.adminUsername",
    "properties.osProfile.computerName",
    "properties.osProfile.secrets",
}
VERSION_UPDATE_PATHS = {
    "name",
    "location",
    "properties",
    "properties.provisioningState",
    "properties.publishingProfile",
    "properties.publishingProfile.publishedDate",
    "properties.publishingProfile.replicaCount",
    "properties.publishingProfile.storageAccountType",
    "properties.publishingProfile.targetRegions",
    "properties.publishingProfile.targetRegions[].excludeFromLatest",
    "properties.publishingProfile.targetRegions[].name",
    "properties.publishingProfile.targetRegions[].regionalReplicaCount",
    "properties.publishingProfile.targetRegions[].storageAccountType",
    "properties.storageProfile",
    "properties.storageProfile.dataDiskImages",
    "properties.storageProfile.dataDiskImages[].hostCaching",
    "properties.storageProfile.dataDiskImages[].lun",
    "properties.storageProfile.dataDiskImages[].sizeInGB",
    "properties.storageProfile.osDiskImage",
    "properties.storageProfile.osDiskImage.hostCaching",
    "properties.storageProfile.osDiskImage.sizeInGB",
    "properties.storageProfile.source",
}

# Present in every recorded ARM VM response (../shared/azure-recordings), left out of these examples.
VM_EXTRA = {
    "tags",
    "properties.timeCreated",
    "properties.storageProfile.osDisk.deleteOption",
    "properties.storageProfile.osDisk.managedDisk.id",
    "properties.storageProfile.imageReference.exactVersion",  # read-only, set for gallery images
}
VERSION_EXTRA = {  # the recorded version bodies carry these (see test_conformance_examples.py)
    "id",
    "type",
    "tags",
    "properties.publishingProfile.excludeFromLatest",
    "properties.safetyProfile",
    "properties.storageProfile.source.virtualMachineId",
}


# The examples' versions report a top-level storageAccountType: they were published with one (from
# api-version 2025-03-03 on, a version published without one gets a storageAccountStrategy).
PUBLISHED_WITH_TYPE = {"storageAccountType": "Standard_LRS"}


@dataclass
class Case:
    source: str  # path under .../Microsoft.Compute/ and commit of the example read
    run: Callable[[ArmsimHandle, ComputeManagementClient], tuple[int, Any]]
    statuses: set[int]
    paths: set[str]
    not_modelled: set[str] = field(default_factory=set)
    documented_extra: set[str] = field(default_factory=set)


def initial(poller: Any) -> tuple[int, Any]:
    response = poller.polling_method()._initial_response.http_response
    return response.status_code, json.loads(response.text()) if response.text() else None


def gallery_vm(specialized: bool) -> Callable[[ArmsimHandle, ComputeManagementClient], tuple[int, Any]]:
    def run(sim: ArmsimHandle, client: ComputeManagementClient) -> tuple[int, Any]:
        make_version(sim, client, os_state="Specialized" if specialized else "Generalized")
        properties: dict[str, Any] = {
            "hardwareProfile": {"vmSize": "Standard_D1_v2"},
            "storageProfile": {
                "imageReference": {"id": definition_id()},
                "osDisk": {
                    "caching": "ReadWrite",
                    "managedDisk": {"storageAccountType": "Standard_LRS"},
                    "name": "myVMosdisk",
                    "createOption": "FromImage",
                },
            },
            "networkProfile": {
                "networkInterfaces": [
                    {
                        "id": f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/"
                        "networkInterfaces/existing-nic",
                        "properties": {"primary": True},
                    }
                ]
            },
        }
        if not specialized:
            properties["osProfile"] = {
                "adminUsername": "ops",
                "computerName": "myVM",
                "adminPassword": "Pa55-w0rd!",
            }
        body = {"location": "westus", "properties": properties}
        return initial(client.virtual_machines.begin_create_or_update(RG, "myVM", body, polling=False))

    return run


def vm_with_nic_configuration(sim: ArmsimHandle, client: ComputeManagementClient) -> tuple[int, Any]:
    subnet = sim.seed_subnet("default", virtual_network="vnet", location="westus", resource_group=RG)
    body = {
        "location": "westus",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_D1_v2"},
            "storageProfile": {
                "imageReference": {
                    "sku": "2016-Datacenter",
                    "publisher": "MicrosoftWindowsServer",
                    "version": "latest",
                    "offer": "WindowsServer",
                },
                "osDisk": {
                    "caching": "ReadWrite",
                    "managedDisk": {"storageAccountType": "Standard_LRS"},
                    "name": "myVMosdisk",
                    "createOption": "FromImage",
                },
            },
            "networkProfile": {
                "networkApiVersion": "2020-11-01",
                "networkInterfaceConfigurations": [
                    {
                        "name": "nic-config",
                        "tags": {"nicTag": "tag"},
                        "properties": {
                            "primary": True,
                            "deleteOption": "Delete",
                            "ipConfigurations": [
                                {
                                    "name": "ip-config",
                                    "properties": {"primary": True, "subnet": {"id": subnet}},
                                }
                            ],
                        },
                    }
                ],
            },
            "osProfile": {"adminUsername": "ops", "computerName": "myVM", "adminPassword": "Pa55-w0rd!"},
        },
    }
    return initial(client.virtual_machines.begin_create_or_update(RG, "myVM", body, polling=False))


def version_update(sim: ArmsimHandle, client: ComputeManagementClient) -> tuple[int, Any]:
    make_version(
        sim,
        client,
        regions=("West US", "East US"),
        data_disks=[{"lun": 1, "size_gb": 10}],
        publishingProfile=PUBLISHED_WITH_TYPE,
    )
    body = {
        "properties": {
            "publishingProfile": {
                "targetRegions": [
                    {"name": "West US", "regionalReplicaCount": 1},
                    {"name": "East US", "regionalReplicaCount": 2, "storageAccountType": "Standard_ZRS"},
                ]
            }
        }
    }
    return initial(client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", body, polling=False))


def version_restore(sim: ArmsimHandle, client: ComputeManagementClient) -> tuple[int, Any]:
    make_version(
        sim,
        client,
        data_disks=[{"lun": 1, "size_gb": 10}],
        soft_delete=True,
        publishingProfile=PUBLISHED_WITH_TYPE,
    )
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    body = {"properties": {"restore": True, "storageProfile": {}}}
    return initial(client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", body, polling=False))


def soft_deleted_list(sim: ArmsimHandle, client: ComputeManagementClient) -> tuple[int, Any]:
    make_version(sim, client, soft_delete=True)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    seen: list[tuple[int, Any]] = []

    def hook(response: Any) -> None:
        http = response.http_response
        seen.append((http.status_code, json.loads(http.text())))

    list(
        client.soft_deleted_resource.list_by_artifact_name(RG, "gal", "images", "app", raw_response_hook=hook)
    )
    return seen[0]


def gallery_soft_delete(sim: ArmsimHandle, client: ComputeManagementClient) -> tuple[int, Any]:
    body = {
        "location": "West US",
        "properties": {
            "description": "This is the gallery description.",
            "softDeletePolicy": {"isSoftDeleteEnabled": True},
        },
    }
    return initial(client.galleries.begin_create_or_update(RG, "myGalleryName", body, polling=False))


CASES: dict[str, Case] = {
    "VirtualMachine_Create_FromAGeneralizedSharedImage": Case(
        f"{VM_EXAMPLES}/VirtualMachine_Create_FromAGeneralizedSharedImage.json "
        "@ 5373763fff4e5805c99e89e54b58dffb2f3ffe6d",
        gallery_vm(specialized=False),
        {200, 201},
        GALLERY_IMAGE_PATHS
        | OS_PROFILE
        | {
            "properties.osProfile.linuxConfiguration",
            "properties.osProfile.linuxConfiguration.disablePasswordAuthentication",
        },
        documented_extra=VM_EXTRA
        | {
            # VirtualMachine_Get.json (../shared) carries these three
            "properties.osProfile.linuxConfiguration.provisionVMAgent",
            "properties.osProfile.allowExtensionOperations",
            "properties.osProfile.requireGuestProvisionSignal",
        },
    ),
    "VirtualMachine_Create_FromASpecializedSharedImage": Case(
        f"{VM_EXAMPLES}/VirtualMachine_Create_FromASpecializedSharedImage.json "
        "@ e96ac16a15784abc632fa9aa7bf75f61fde12d08",
        gallery_vm(specialized=True),
        {200, 201},
        GALLERY_IMAGE_PATHS,
        documented_extra=VM_EXTRA,
    ),
    "VirtualMachine_Create_WithNetworkInterfaceConfiguration": Case(
        f"{VM_EXAMPLES}/VirtualMachine_Create_WithNetworkInterfaceConfiguration.json "
        "@ 90508e547c5ae0645caf0a4efdeca293e2a02ec4",
        vm_with_nic_configuration,
        {200, 201},
        VM_PATHS
        | OS_PROFILE
        | {
            "properties.osProfile.windowsConfiguration",
            "properties.osProfile.windowsConfiguration.enableAutomaticUpdates",
            "properties.osProfile.windowsConfiguration.provisionVMAgent",
            "properties.storageProfile.imageReference.offer",
            "properties.storageProfile.imageReference.publisher",
            "properties.storageProfile.imageReference.sku",
            "properties.storageProfile.imageReference.version",
        },
        documented_extra=(VM_EXTRA - {"properties.storageProfile.imageReference.exactVersion"})
        | {
            "properties.storageProfile.osDisk.diskSizeGB",
            "properties.networkProfile.networkInterfaces[].properties.deleteOption",
            "properties.networkProfile.networkApiVersion",  # the request's network profile, echoed
            "properties.networkProfile.networkInterfaceConfigurations",
            "properties.osProfile.allowExtensionOperations",
            "properties.osProfile.requireGuestProvisionSignal",
        },
    ),
    "GalleryImageVersion_Update": Case(
        "GalleryRP/stable/2025-03-03/examples/galleryExamples/GalleryImageVersion_Update.json "
        "@ a3ba8f89b23c581e227427e402de17fcd49ff559",
        version_update,
        {200},
        VERSION_UPDATE_PATHS | {"properties.storageProfile.source.id"},
        not_modelled={
            "properties.publishingProfile.targetRegions[].encryption",
            "properties.storageProfile.source.id",  # the example's source is a managed image; ours a VM
        },
        documented_extra=VERSION_EXTRA,
    ),
    "GalleryImageVersion_Update_RestoreSoftDeleted": Case(
        f"{GALLERY_EXAMPLES}/GalleryImageVersion_Update_RestoreSoftDeleted.json @ {GALLERY_COMMIT}",
        version_restore,
        {200},
        VERSION_UPDATE_PATHS | {"properties.storageProfile.source.id"},
        not_modelled={"properties.storageProfile.source.id"},
        documented_extra=VERSION_EXTRA,
    ),
    "GallerySoftDeletedResource_ListByArtifactName": Case(
        f"{GALLERY_EXAMPLES}/GallerySoftDeletedResource_ListByArtifactName.json @ {GALLERY_COMMIT}",
        soft_deleted_list,
        {200},
        {
            "value",
            "value[].id",
            "value[].name",
            "value[].type",
            "value[].location",
            "value[].properties",
            "value[].properties.resourceArmId",
            "value[].properties.softDeletedArtifactType",
            "value[].properties.softDeletedTime",
        },
        not_modelled={"nextLink"},  # one page: a nextLink only comes with more than a page of entries
    ),
    "Gallery_Create_SoftDeletionEnabled": Case(
        f"{GALLERY_EXAMPLES}/Gallery_Create_SoftDeletionEnabled.json @ {GALLERY_COMMIT}",
        gallery_soft_delete,
        {200, 201, 202},
        {
            "id",
            "name",
            "location",
            "properties",
            "properties.description",
            "properties.identifier",
            "properties.identifier.uniqueName",
            "properties.provisioningState",
            "properties.softDeletePolicy",
            "properties.softDeletePolicy.isSoftDeleteEnabled",
        },
        documented_extra={"type", "tags"},
    ),
}


def covered(path: str, prefixes: set[str]) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[]")) for p in prefixes)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(name: str, sim: ArmsimHandle, client: ComputeManagementClient):
    case = CASES[name]
    status, body = case.run(sim, client)
    assert status in case.statuses, f"{name} ({case.source}): status {status} not in {sorted(case.statuses)}"
    have = key_paths(body)
    missing = {p for p in case.paths - have if not covered(p, case.not_modelled)}
    extra = {p for p in have - case.paths if not covered(p, case.documented_extra)}
    assert (missing, extra) == (set(), set()), f"{name}: missing {sorted(missing)}, extra {sorted(extra)}"
