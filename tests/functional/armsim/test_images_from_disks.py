"""Managed images made of snapshots, managed disks and VHD blobs, and the refusals around them."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import (
    LOCATION,
    RG,
    SUB,
    generalized_vm,
    make_gallery,
    seed,
    version_body,
)

pytestmark = pytest.mark.timeout(30)
VHD = "https://vhds.blob.core.windows.net/images/os.vhd"


def os_disk(client: ComputeManagementClient, vm: str = "build-vm") -> str:
    return str(client.virtual_machines.get(RG, vm).properties.storage_profile.os_disk.managed_disk.id)


def snapshot(client: ComputeManagementClient, source: str, name: str = "snap", **extra: Any) -> str:
    body = {
        "location": extra.pop("location", LOCATION),
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": source}, **extra},
    }
    return str(client.snapshots.begin_create_or_update(RG, name, body).result().id)


def image_body(os_disk_body: dict[str, Any], **storage: Any) -> dict[str, Any]:
    disk = {"osType": "Linux", "osState": "Generalized", **os_disk_body}
    return {"location": LOCATION, "properties": {"storageProfile": {"osDisk": disk, **storage}}}


def test_image_from_a_snapshot_with_a_data_disk_keeps_zone_resilience(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    generalized_vm(sim, os_disk_size_gb=40, hyper_v_generation="V2", data_disks=[{"lun": 0, "size_gb": 8}])
    data = str(
        client.virtual_machines.get(RG, "build-vm").properties.storage_profile.data_disks[0].managed_disk.id
    )
    body = image_body(
        {"snapshot": {"id": snapshot(client, os_disk(client))}, "caching": "ReadOnly"},
        dataDisks=[{"lun": 0, "managedDisk": {"id": data}}],
        zoneResilient=True,
    )
    image = client.images.begin_create_or_update(RG, "img", body).result()
    storage = image.properties.storage_profile
    assert image.properties.provisioning_state == "Succeeded"
    assert storage.zone_resilient is True
    assert (storage.os_disk.snapshot.id, storage.os_disk.caching, storage.os_disk.disk_size_gb) == (
        snapshot_id(),
        "ReadOnly",
        40,
    )
    assert image.properties.hyper_v_generation == "V2"  # the snapshot's generation
    assert [(d.lun, d.managed_disk.id, d.disk_size_gb) for d in storage.data_disks] == [(0, data, 8)]
    make_gallery(client)  # and it is a version source like any managed image
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(str(image.id))
    ).result()
    assert version.properties.provisioning_state == "Succeeded"


def snapshot_id(name: str = "snap") -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/snapshots/{name}"


def test_image_from_a_managed_disk_and_from_a_blob(sim: ArmsimHandle, client: ComputeManagementClient):
    generalized_vm(sim)
    disk = client.images.begin_create_or_update(
        RG, "from-disk", image_body({"managedDisk": {"id": os_disk(client)}})
    )
    assert disk.result().properties.storage_profile.os_disk.managed_disk.id == os_disk(client)
    account = sim.register_storage_account("vhds", resource_group=RG, location=LOCATION)
    sim.register_blob(VHD, storage_account_id=account, size_gb=30)
    blob = client.images.begin_create_or_update(RG, "from-blob", image_body({"blobUri": VHD})).result()
    assert (blob.properties.storage_profile.os_disk.blob_uri, blob.properties.hyper_v_generation) == (
        VHD,
        "V1",
    )
    assert blob.properties.storage_profile.zone_resilient is False


def test_an_image_from_a_vm_keeps_zone_resilience(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    body = {
        "location": LOCATION,
        "properties": {"sourceVirtualMachine": {"id": vm_id}, "storageProfile": {"zoneResilient": True}},
    }
    image = client.images.begin_create_or_update(RG, "img", body).result()
    assert image.properties.storage_profile.zone_resilient is True
    assert client.images.get(RG, "img").properties.storage_profile.zone_resilient is True


@pytest.mark.parametrize("kind", ["virtual machine", "snapshot"])
def test_trusted_launch_sources_make_no_managed_image(
    sim: ArmsimHandle, client: ComputeManagementClient, kind: str
):
    vm_id = generalized_vm(sim, security_type="TrustedLaunch")
    if kind == "snapshot":
        body = image_body({"snapshot": {"id": snapshot(client, os_disk(client))}})
    else:
        body = {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
    with pytest.raises(ResourceExistsError) as err:
        client.images.begin_create_or_update(RG, "img", body)
    assert err.value.error.code == "OperationNotAllowed"
    assert err.value.error.message == (
        f"Creation of managed images are not supported for {kind} with TrustedLaunch security type."
    )


def test_image_sources_must_be_usable_and_in_the_images_region(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = seed(sim)  # running
    with pytest.raises(ResourceExistsError) as err:
        client.images.begin_create_or_update(RG, "img", image_body({"managedDisk": {"id": os_disk(client)}}))
    assert (err.value.error.code, err.value.status_code) == ("Conflict", 409)
    assert vm_id in err.value.error.message
    pending = snapshot(client, os_disk(client), "pending", incremental=True)
    with pytest.raises(ResourceExistsError) as err:
        client.images.begin_create_or_update(RG, "img", image_body({"snapshot": {"id": pending}}))
    assert err.value.error.code == "OperationNotAllowed"
    seed(sim, "far-vm", location="eastus")
    far = snapshot(client, os_disk(client, "far-vm"), "far", location="eastus")
    with pytest.raises(HttpResponseError) as error:
        client.images.begin_create_or_update(RG, "img", image_body({"snapshot": {"id": far}}))
    assert error.value.error.code == "InvalidParameter"
    assert "can only be created from sources in the same location" in error.value.error.message
    assert list(client.images.list_by_resource_group(RG)) == []


@pytest.mark.parametrize(
    ("os_disk_body", "text"),
    [
        ({}, "Exactly one of 'snapshot', 'managedDisk' or 'blobUri'"),
        ({"blobUri": VHD}, f"The source blob {VHD} is not accessible."),
        ({"snapshot": {"id": "DISK"}}, "must be a snapshot id"),
        ({"snapshot": {"id": "SNAP"}, "diskSizeGB": 1}, "must be an integer of at least 30 GB"),
    ],
)
def test_image_disk_rules(
    sim: ArmsimHandle, client: ComputeManagementClient, os_disk_body: dict[str, Any], text: str
):
    generalized_vm(sim)
    ids = {"DISK": os_disk(client), "SNAP": snapshot(client, os_disk(client))}
    if "snapshot" in os_disk_body:
        os_disk_body = {**os_disk_body, "snapshot": {"id": ids[os_disk_body["snapshot"]["id"]]}}
    with pytest.raises(HttpResponseError) as err:
        client.images.begin_create_or_update(RG, "img", image_body(os_disk_body))
    assert err.value.error.code == "InvalidParameter"
    assert text in err.value.error.message


def test_generation_must_match_the_source(sim: ArmsimHandle, client: ComputeManagementClient):
    generalized_vm(sim, hyper_v_generation="V2")
    body = image_body({"snapshot": {"id": snapshot(client, os_disk(client))}})
    body["properties"]["hyperVGeneration"] = "V1"
    with pytest.raises(HttpResponseError) as err:
        client.images.begin_create_or_update(RG, "img", body)
    assert "does not match the Hyper-V generation 'V2'" in err.value.error.message
