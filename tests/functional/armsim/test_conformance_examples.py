"""Conformance with Microsoft's official x-ms-examples (../shared/azure-api-examples).

Each example's request is sent through the real SDK; armsim must answer with one of the status
codes the example lists and a body with the example's property structure. Ids and names are our
own (the examples' are placeholders). Sub-trees armsim does not model (encryption, policy
violations, availability sets, ...) are named per example, as are the properties real recorded
traffic returns but an example omits (`type`, `tags`, ...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import RG, SUB, generalized_vm, seed
from tests.functional.armsim.exchange import Captured, capture, first
from tests.functional.armsim.structure import structure_differences

EXAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "azure-api-examples"
pytestmark = [
    pytest.mark.needs_shared,
    pytest.mark.timeout(30),
    pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"Microsoft's examples are not available at {EXAMPLES}"),
]

RECORDED_EXTRA = {"type", "tags"}  # every recorded ARM response carries them; examples often omit them


@dataclass
class Case:
    run: Callable[[ArmsimHandle, ComputeManagementClient, dict[str, Any]], Captured]
    not_modelled: set[str] = field(default_factory=set)
    documented_extra: set[str] = field(default_factory=set)


def substitute(value: Any, vm_id: str = "", image_id: str = "") -> Any:
    text = json.dumps(value)
    text = (
        text.replace(
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/virtualMachines/"
            "{vmName}",
            vm_id,
        )
        .replace(
            "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Compute/images/{imageName}",
            image_id,
        )
        .replace("{subscription-id}", SUB)
        .replace("{subscriptionId}", SUB)
    )
    return json.loads(text)


def gallery(client: ComputeManagementClient, os_type: str = "Windows", generation: str = "V1") -> None:
    client.galleries.begin_create_or_update(RG, "myGalleryName", {"location": "West US"}).result()
    client.gallery_images.begin_create_or_update(
        RG,
        "myGalleryName",
        "myGalleryImageName",
        {
            "location": "West US",
            "properties": {
                "osType": os_type,
                "osState": "Generalized",
                "hyperVGeneration": generation,
                "identifier": {"publisher": "p", "offer": "o", "sku": "s"},
            },
        },
    ).result()


# --- cases ----------------------------------------------------------------------------------------
def gallery_create(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    seen, hook = capture()
    client.galleries.begin_create_or_update(
        RG, p["galleryName"], p["gallery"], polling=False, raw_response_hook=hook
    )
    return first(seen)


def gallery_image_create(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    client.galleries.begin_create_or_update(RG, p["galleryName"], {"location": "West US"}).result()
    seen, hook = capture()
    client.gallery_images.begin_create_or_update(
        RG, p["galleryName"], p["galleryImageName"], p["galleryImage"], polling=False, raw_response_hook=hook
    )
    return first(seen)


def gallery_image_get(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    gallery(client)
    seen, hook = capture()
    client.gallery_images.get(RG, p["galleryName"], p["galleryImageName"], raw_response_hook=hook)
    return first(seen)


def version_from_vm(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    vm_id = generalized_vm(
        sim,
        "myVM",
        location="West US",
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    gallery(client)
    seen, hook = capture()
    client.gallery_image_versions.begin_create_or_update(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        substitute(p["galleryImageVersion"], vm_id=vm_id),
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def version_shallow(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    vm_id = generalized_vm(
        sim,
        "myVM",
        location="West US",
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    image = client.images.begin_create_or_update(
        RG, "myImage", {"location": "West US", "properties": {"sourceVirtualMachine": {"id": vm_id}}}
    ).result()
    gallery(client)
    seen, hook = capture()
    client.gallery_image_versions.begin_create_or_update(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        substitute(p["galleryImageVersion"], image_id=image.id),
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def _version(sim: ArmsimHandle, client: ComputeManagementClient) -> None:
    vm_id = generalized_vm(
        sim,
        "myVM",
        location="West US",
        os_type="Windows",
        hyper_v_generation="V1",
        data_disks=[{"lun": 1, "size_gb": 10}],
    )
    gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG,
        "myGalleryName",
        "myGalleryImageName",
        "1.0.0",
        {
            "location": "West US",
            "properties": {
                "storageProfile": {"source": {"virtualMachineId": vm_id}},
                "publishingProfile": {"targetRegions": [{"name": "West US"}, {"name": "East US"}]},
            },
        },
    ).result()


def version_get_replication(
    sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]
) -> Captured:
    _version(sim, client)
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


def version_delete(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    _version(sim, client)
    seen, hook = capture()
    client.gallery_image_versions.begin_delete(
        RG,
        p["galleryName"],
        p["galleryImageName"],
        p["galleryImageVersionName"],
        polling=False,
        raw_response_hook=hook,
    )
    return first(seen)


def vm_get(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    seed(
        sim,
        p["vmName"],
        os_type="Windows",
        tags={"myTag1": "tagValue1"},
        data_disks=[{"lun": 0, "size_gb": 30}, {"lun": 1, "size_gb": 100}],
    )
    seen, hook = capture()
    client.virtual_machines.get(RG, p["vmName"], expand=p["$expand"], raw_response_hook=hook)
    return first(seen)


def vm_instance_view(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    seed(sim, p["vmName"], os_type="Windows", hyper_v_generation="V1", data_disks=[{"lun": 0, "size_gb": 30}])
    seen, hook = capture()
    client.virtual_machines.instance_view(RG, p["vmName"], raw_response_hook=hook)
    return first(seen)


def vm_run_command(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    seed(sim, p["vmName"], os_type="Windows")
    seen, hook = capture()
    poller = client.virtual_machines.begin_run_command(
        RG, p["vmName"], p["parameters"], raw_response_hook=hook
    )
    return first(seen, poller.result().as_dict())


def vm_action(
    action: str, power_state: str
) -> Callable[[ArmsimHandle, ComputeManagementClient, dict[str, Any]], Captured]:
    def run(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
        seed(sim, p["vmName"], power_state=power_state)
        seen, hook = capture()
        operation = getattr(client.virtual_machines, action)
        kwargs: dict[str, Any] = {"raw_response_hook": hook}
        if action == "generalize":
            operation(RG, p["vmName"], **kwargs)
        else:
            if "forceDeletion" in p:
                kwargs["force_deletion"] = p["forceDeletion"] == "true"
            operation(RG, p["vmName"], polling=False, **kwargs)
        return first(seen)

    return run


def image_create(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    vm_id = generalized_vm(sim, "myVM", location="West US")
    seen, hook = capture()
    body = substitute(p["parameters"])
    body["properties"]["sourceVirtualMachine"]["id"] = vm_id
    client.images.begin_create_or_update(RG, p["imageName"], body, polling=False, raw_response_hook=hook)
    return first(seen)


def image_get(sim: ArmsimHandle, client: ComputeManagementClient, p: dict[str, Any]) -> Captured:
    vm_id = generalized_vm(sim, "myVM", location="West US", data_disks=[{"lun": 1, "size_gb": 10}])
    client.images.begin_create_or_update(
        RG, p["imageName"], {"location": "West US", "properties": {"sourceVirtualMachine": {"id": vm_id}}}
    ).result()
    seen, hook = capture()
    client.images.get(RG, p["imageName"], raw_response_hook=hook)
    return first(seen)


VERSION_NOT_MODELLED = {
    "properties.publishingProfile.targetRegions[].encryption",  # disk encryption sets are not simulated
    "properties.safetyProfile.policyViolations",  # policy scanning is not simulated
}
VERSION_EXTRA = RECORDED_EXTRA | {"properties.publishingProfile.excludeFromLatest"}  # present in recordings
# These 2025-03-03 examples send neither storageAccountType nor storageAccountStrategy: from that
# api-version on, the default strategy (PreferStandard_ZRS) applies and is reported in place of the
# top-level type, as GalleryImageVersion_Create_WithStorageAccountStrategy.json shows it.
DEFAULT_STRATEGY_NOT_MODELLED = {"properties.publishingProfile.storageAccountType"}
DEFAULT_STRATEGY_EXTRA = {"properties.publishingProfile.storageAccountStrategy"}

CASES: dict[str, Case] = {
    "Gallery_Create.json": Case(gallery_create, documented_extra=RECORDED_EXTRA),
    "GalleryImage_Create.json": Case(
        gallery_image_create,
        documented_extra=RECORDED_EXTRA
        | {
            "properties.architecture",  # returned by api-version 2021-07-01 and later
        },
    ),
    "GalleryImage_Get.json": Case(
        gallery_image_get, documented_extra=RECORDED_EXTRA | {"properties.architecture"}
    ),
    "GalleryImageVersion_Create_WithVmAsSource.json": Case(
        version_from_vm,
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_EXTRA | DEFAULT_STRATEGY_EXTRA,
    ),
    "GalleryImageVersion_Create_WithShallowReplicationMode.json": Case(
        version_shallow,
        not_modelled=VERSION_NOT_MODELLED | DEFAULT_STRATEGY_NOT_MODELLED,
        documented_extra=VERSION_EXTRA | DEFAULT_STRATEGY_EXTRA,
    ),
    "GalleryImageVersion_Get_WithReplicationStatus.json": Case(
        version_get_replication,
        not_modelled=VERSION_NOT_MODELLED
        | DEFAULT_STRATEGY_NOT_MODELLED
        | {"properties.storageProfile.source.id"},
        documented_extra=VERSION_EXTRA
        | DEFAULT_STRATEGY_EXTRA
        | {"properties.storageProfile.source.virtualMachineId"},
    ),
    "GalleryImageVersion_Delete.json": Case(version_delete),
    "VirtualMachine_Get.json": Case(
        vm_get,
        not_modelled={
            "properties.availabilitySet",
            "properties.proximityPlacementGroup",
            "properties.applicationProfile",
            "properties.userData",
            "properties.diagnosticsProfile",
            "properties.extensionsTimeBudget",
            "resources",
            "managedBy",
            "etag",
            "properties.storageProfile.imageReference",
            "properties.osProfile.windowsConfiguration.enableAutomaticUpdates",
        },
        documented_extra={
            "properties.storageProfile.osDisk.deleteOption",  # recorded VM bodies carry both
            "properties.storageProfile.dataDisks[].deleteOption",
            "properties.storageProfile.dataDisks[].toBeDetached",
        },
    ),
    "VirtualMachine_Get_InstanceView.json": Case(
        vm_instance_view,
        not_modelled={
            "platformUpdateDomain",
            "platformFaultDomain",
            "vmAgent.extensionHandlers",
            "bootDiagnostics",
            "extensions",
            "patchStatus",
            "isVMInStandbyPool",
        },
    ),
    "VirtualMachineRunCommand.json": Case(vm_run_command),
    "VirtualMachine_Generalize.json": Case(vm_action("generalize", "stopped")),
    "VirtualMachine_Deallocate_MinimumSet_Gen.json": Case(vm_action("begin_deallocate", "running")),
    "VirtualMachine_Start_MinimumSet_Gen.json": Case(vm_action("begin_start", "deallocated")),
    "VirtualMachine_Delete_Force.json": Case(vm_action("begin_delete", "running")),
    "Image_CreateFromAVM.json": Case(
        image_create,
        documented_extra=RECORDED_EXTRA
        | {
            "properties.hyperVGeneration",
            "properties.storageProfile.osDisk.storageAccountType",
            "properties.storageProfile.osDisk.diskSizeGB",
        },
    ),
    "Image_Get.json": Case(
        image_get,
        not_modelled={
            "properties.storageProfile.osDisk.blobUri",
            "properties.storageProfile.osDisk.snapshot",
            "properties.storageProfile.dataDisks[].blobUri",
            "properties.storageProfile.dataDisks[].snapshot",
            "properties.storageProfile.dataDisks[].managedDisk",
        },
        documented_extra=RECORDED_EXTRA
        | {
            "properties.sourceVirtualMachine",
            "properties.hyperVGeneration",
            "properties.storageProfile.osDisk.caching",
            "properties.storageProfile.dataDisks[].caching",
            "properties.storageProfile.dataDisks[].diskSizeGB",
        },
    ),
}


def test_every_example_file_has_a_case():
    files = {p.name for p in EXAMPLES.glob("*.json")}
    assert files == set(CASES), (
        f"examples without a case: {files - set(CASES)}; stale cases: {set(CASES) - files}"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(name: str, sim: ArmsimHandle, client: ComputeManagementClient):
    example = json.loads((EXAMPLES / name).read_text())
    case = CASES[name]
    captured = case.run(sim, client, example["parameters"])
    responses = example["responses"]
    assert str(captured.status) in responses, f"{name}: status {captured.status} not in {sorted(responses)}"
    documented = responses[str(captured.status)]
    for header in documented.get("headers", {}):
        assert header.lower() in {h.lower() for h in captured.headers}, f"{name}: missing header {header}"
    if captured.status in (201, 202) and not documented.get("body"):
        assert captured.body is None, f"{name}: the example answers {captured.status} without a body"
    expected_body = documented.get("body")
    actual_body = captured.body
    if captured.result is not None:  # the final result of an action LRO, shown as the example's 200
        expected_body, actual_body = responses["200"]["body"], captured.result
    if expected_body is None:
        assert actual_body is None, f"{name}: the example has no body, armsim sent {actual_body!r}"
        return
    missing, extra = structure_differences(
        actual_body, expected_body, not_modelled=case.not_modelled, documented_extra=case.documented_extra
    )
    assert (missing, extra) == (set(), set()), f"{name}: missing {sorted(missing)}, extra {sorted(extra)}"
