"""Gallery image versions from every source kind (snapshots, disks, VHDs, managed images, other
gallery versions), and each refusal Azure gives before anything is written."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import (
    LOCATION,
    RG,
    SUB,
    definition_body,
    generalized_vm,
    make_gallery,
    seed,
    version_body,
)

pytestmark = pytest.mark.timeout(30)
VHD = "https://vhds.blob.core.windows.net/images/os.vhd"


def os_disk(client: ComputeManagementClient, vm: str = "build-vm") -> str:
    return str(client.virtual_machines.get(RG, vm).properties.storage_profile.os_disk.managed_disk.id)


def data_disk(client: ComputeManagementClient, vm: str = "build-vm") -> str:
    return str(client.virtual_machines.get(RG, vm).properties.storage_profile.data_disks[0].managed_disk.id)


def snapshot(client: ComputeManagementClient, source: str, name: str = "snap", **properties: Any) -> str:
    body = {
        "location": properties.pop("location", LOCATION),
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": source}, **properties},
    }
    return str(client.snapshots.begin_create_or_update(RG, name, body).result().id)


def per_disk(os_source: dict[str, Any], *data: dict[str, Any], caching: str | None = None) -> dict[str, Any]:
    os_image: dict[str, Any] = {"source": os_source}
    if caching:
        os_image["hostCaching"] = caching
    storage: dict[str, Any] = {"osDiskImage": os_image}
    if data:
        storage["dataDiskImages"] = list(data)
    return {"location": LOCATION, "properties": {"storageProfile": storage}}


def create(client: ComputeManagementClient, body: dict[str, Any], name: str = "1.0.0"):
    return client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", name, body).result()


def refused(client: ComputeManagementClient, body: dict[str, Any]) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", body)
    assert (
        list(client.gallery_image_versions.list_by_gallery_image(RG, "gal", "app")) == []
    )  # nothing written
    return err.value


def filled(value: Any, ids: dict[str, str]) -> Any:
    """`value` with every string that names a placeholder of `ids` replaced by its id."""
    if isinstance(value, dict):
        return {k: filled(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, ids) for v in value]
    return ids.get(value, value) if isinstance(value, str) else value


def register_vhd(sim: ArmsimHandle, uri: str = VHD, **spec: Any) -> str:
    account = sim.register_storage_account("vhds", resource_group=RG, location=spec.pop("location", LOCATION))
    sim.register_blob(uri, storage_account_id=account, **spec)
    return account


# --- each source kind -----------------------------------------------------------------------------------
def test_version_from_a_snapshot_and_a_disk(sim: ArmsimHandle, client: ComputeManagementClient):
    generalized_vm(sim, os_disk_size_gb=40, data_disks=[{"lun": 1, "size_gb": 16}])
    os_snapshot = snapshot(client, os_disk(client))
    make_gallery(client)
    body = per_disk({"id": os_snapshot}, {"lun": 1, "source": {"id": data_disk(client)}}, caching="ReadOnly")
    version = create(client, body)
    assert version.properties.provisioning_state == "Succeeded"
    storage = version.properties.storage_profile
    assert storage.source is None
    assert (storage.os_disk_image.source.id, storage.os_disk_image.size_in_gb) == (os_snapshot, 40)
    assert storage.os_disk_image.host_caching == "ReadOnly"
    assert [(d.lun, d.size_in_gb, d.source.id, d.host_caching) for d in storage.data_disk_images] == [
        (1, 16, data_disk(client), "None")
    ]


def test_version_from_a_vhd(sim: ArmsimHandle, client: ComputeManagementClient):
    account = register_vhd(sim, size_gb=64)
    make_gallery(client)
    version = create(client, per_disk({"uri": VHD, "storageAccountId": account}))
    source = version.properties.storage_profile.os_disk_image
    assert (source.source.uri, source.source.storage_account_id, source.size_in_gb) == (VHD, account, 64)


def test_version_from_another_gallerys_version(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim, data_disks=[{"lun": 0, "size_gb": 8}])
    client.galleries.begin_create_or_update(RG, "test", {"location": LOCATION}).result()
    client.gallery_images.begin_create_or_update(RG, "test", "app", definition_body()).result()
    source = client.gallery_image_versions.begin_create_or_update(
        RG, "test", "app", "0.1.0", version_body(vm_id)
    ).result()
    make_gallery(client)
    version = create(client, version_body(str(source.id)))
    storage = version.properties.storage_profile
    assert storage.source.id == source.id
    assert [(d.lun, d.size_in_gb) for d in storage.data_disk_images] == [(0, 8)]


def test_a_source_version_must_be_replicated_to_the_new_versions_region(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim, location="eastus")
    client.galleries.begin_create_or_update(RG, "test", {"location": "eastus"}).result()
    body = definition_body()
    body["location"] = "eastus"
    client.gallery_images.begin_create_or_update(RG, "test", "app", body).result()
    source_body = version_body(vm_id)
    source_body["location"] = "eastus"
    source = client.gallery_image_versions.begin_create_or_update(
        RG, "test", "app", "0.1.0", source_body
    ).result()
    make_gallery(client)
    err = refused(client, version_body(str(source.id)))
    assert err.error.code == "InvalidParameter"
    assert err.error.message == (
        f"Source {source.id} is not found. Please check source exists, and is in the same region as gallery "
        "image version being created."
    )


def test_a_deallocated_vms_disk_is_a_source_but_a_running_vms_is_not(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = seed(sim)  # running
    make_gallery(client)
    err = refused(client, per_disk({"id": os_disk(client)}))
    assert (err.status_code, err.error.code) == (409, "Conflict")
    assert f"is currently attached to running VM {vm_id}" in err.error.message
    client.virtual_machines.begin_deallocate(RG, "build-vm").result()
    assert create(client, per_disk({"id": os_disk(client)})).properties.provisioning_state == "Succeeded"


# --- what the source must be -----------------------------------------------------------------------------
def test_a_snapshot_still_copying_is_refused(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    pending = snapshot(client, os_disk(client), incremental=True)
    make_gallery(client)
    err = refused(client, per_disk({"id": pending}))
    assert (err.status_code, err.error.code) == (409, "OperationNotAllowed")
    assert "snapshotAccessState 'Pending'" in err.error.message


@pytest.mark.parametrize(
    ("blob", "code", "text"),
    [
        ({"blob_type": "block"}, "InvalidParameter", "Only blobs formatted as VHDs can be imported."),
        ({"vhd_footer": False}, "InvalidParameter", "Disk is expected to have cookie value 'conectix'."),
    ],
)
def test_a_vhd_must_be_a_page_blob_with_a_footer(
    sim: ArmsimHandle, client: ComputeManagementClient, blob: dict[str, Any], code: str, text: str
):
    account = register_vhd(sim, **blob)
    make_gallery(client)
    err = refused(client, per_disk({"uri": VHD, "storageAccountId": account}))
    assert (err.status_code, err.error.code) == (400, code)
    assert text in err.error.message
    assert err.error.target == "disks"


def test_vhd_storage_and_blob_must_exist(sim: ArmsimHandle, client: ComputeManagementClient):
    make_gallery(client)
    missing_account = (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Storage/storageAccounts/vhds"
    )
    with pytest.raises(ResourceNotFoundError) as err:
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", per_disk({"uri": VHD, "storageAccountId": missing_account})
        )
    assert err.value.error.code == "ResourceNotFound"
    account = register_vhd(sim, uri="https://vhds.blob.core.windows.net/images/other.vhd")
    error = refused(client, per_disk({"uri": VHD, "storageAccountId": account}))
    assert error.error.message == f"The source blob {VHD} is not accessible."
    error = refused(client, per_disk({"uri": VHD}))
    assert error.error.message == "Required parameter 'storageAccountId' is missing (null)."


def test_a_source_in_another_region_is_refused(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, location="eastus", power_state="deallocated")
    far = snapshot(client, os_disk(client), location="eastus")
    make_gallery(client)
    err = refused(client, per_disk({"id": far}))
    assert err.error.message.startswith(
        f"Source {far} is not found. Please check source exists, and is in the same"
    )


@pytest.mark.parametrize(
    ("vm", "definition", "code", "what"),
    [
        ({"os_type": "Windows"}, definition_body(), "BadRequest", "OS type ['Windows']"),
        ({"hyper_v_generation": "V1"}, definition_body(), "Conflict", "Hypervisor generation ['V1']"),
        ({"architecture": "Arm64"}, definition_body(), "Conflict", "Architecture ['Arm64']"),
        (
            {"security_type": "TrustedLaunch"},
            definition_body(security="Standard"),
            "BadRequest",
            "security type",
        ),
    ],
)
def test_a_snapshot_must_fit_the_definition(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    vm: dict[str, str],
    definition: dict[str, Any],
    code: str,
    what: str,
):
    generalized_vm(sim, **vm)
    source = snapshot(client, os_disk(client))
    make_gallery(client, definition)
    err = refused(client, per_disk({"id": source}))
    assert err.error.code == code
    assert err.error.message.startswith(f"The resource with id '{source}' has a different {what}")


def test_a_snapshot_carries_no_os_state(sim: ArmsimHandle, client: ComputeManagementClient):
    """Azure cannot tell from a disk whether it was generalized: the definition's OS state holds."""
    seed(sim, power_state="deallocated")  # never generalized
    source = snapshot(client, os_disk(client))
    make_gallery(client)  # a Generalized definition
    assert create(client, per_disk({"id": source})).properties.provisioning_state == "Succeeded"


# --- the shape of the storage profile ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("storage", "text"),
    [
        ({}, "One and only one source type"),
        ({"source": {"id": "VM"}, "osDiskImage": {"source": {"id": "SNAP"}}}, "One and only one source type"),
        ({"dataDiskImages": [{"lun": 0, "source": {"id": "SNAP"}}]}, "One and only one source type"),
        (
            {"source": {"id": "SNAP"}},
            "must either be a managed image, virtual machine or another gallery image",
        ),
        ({"osDiskImage": {"source": {"id": "VM"}}}, "must be a managed disk or snapshot."),
        ({"osDiskImage": {"source": {"id": "SNAP-NO-SLASH"}}}, "Expect fully qualified resource Id"),
        (
            {
                "osDiskImage": {"source": {"id": "SNAP"}},
                "dataDiskImages": [
                    {"lun": 0, "source": {"id": "DATA"}},
                    {"lun": 0, "source": {"id": "DATA2"}},
                ],
            },
            "Duplicated lun numbers",
        ),
        (
            {
                "osDiskImage": {"source": {"id": "SNAP"}},
                "dataDiskImages": [{"lun": 0, "source": {"id": "SNAP"}}],
            },
            "Duplicated source ids",
        ),
    ],
)
def test_storage_profile_rules(
    sim: ArmsimHandle, client: ComputeManagementClient, storage: dict[str, Any], text: str
):
    vm_id = generalized_vm(sim, data_disks=[{"lun": 0, "size_gb": 4}])
    snap = snapshot(client, os_disk(client))
    ids = {
        "VM": vm_id,
        "SNAP": snap,
        "SNAP-NO-SLASH": snap.lstrip("/"),
        "DATA": data_disk(client),
        "DATA2": snapshot(client, data_disk(client), "data-snap"),
    }
    make_gallery(client)
    err = refused(client, {"location": LOCATION, "properties": {"storageProfile": filled(storage, ids)}})
    assert err.error.code == "InvalidParameter"
    assert text in err.error.message


def test_os_and_data_disk_cannot_be_the_same_blob(sim: ArmsimHandle, client: ComputeManagementClient):
    account = register_vhd(sim)
    make_gallery(client)
    vhd = {"uri": VHD, "storageAccountId": account}
    err = refused(client, per_disk(vhd, {"lun": 0, "source": vhd}))
    assert err.error.message == f"OSDiskImage and DataDiskImage cannot point to same blob {VHD}"


def test_an_update_cannot_change_a_disk_source(sim: ArmsimHandle, client: ComputeManagementClient):
    generalized_vm(sim, data_disks=[{"lun": 1, "size_gb": 4}])
    first = snapshot(client, os_disk(client))
    other = snapshot(client, os_disk(client), "other")
    make_gallery(client)
    create(client, per_disk({"id": first}))
    for storage, target in (
        ({"osDiskImage": {"source": {"id": other}}}, "storageProfile.osDiskImage.source.id"),
        ({"source": {"id": first}}, "storageProfile.source.id"),
    ):
        with pytest.raises(ResourceExistsError) as err:
            client.gallery_image_versions.begin_update(
                RG, "gal", "app", "1.0.0", {"properties": {"storageProfile": storage}}
            )
        assert err.value.error.code == "PropertyChangeNotAllowed"
        assert err.value.error.target == f"galleryImageVersion.properties.{target}"
    with pytest.raises(HttpResponseError) as error:
        client.gallery_image_versions.begin_update(
            RG,
            "gal",
            "app",
            "1.0.0",
            {
                "properties": {
                    "storageProfile": {"dataDiskImages": [{"lun": 1, "source": {"id": data_disk(client)}}]}
                }
            },
        )
    assert error.value.error.message.startswith("Adding new Data Disks or changing the LUN of a Data Disk")
    same = {"properties": {"storageProfile": {"osDiskImage": {"source": {"id": first}}}}}
    updated = client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", same).result()
    assert updated.properties.provisioning_state == "Succeeded"


def test_a_missing_source_is_named(sim: ArmsimHandle, client: ComputeManagementClient):
    make_gallery(client)
    gone = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/snapshots/gone"
    with pytest.raises(ResourceNotFoundError) as err:
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", per_disk({"id": gone})
        )
    assert (err.value.error.code, err.value.error.message) == (
        "NotFound",
        f"Source was not found: {gone}. Please make sure the source exists.",
    )


def test_a_vm_in_another_region_is_refused(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim, location="eastus")
    make_gallery(client)
    err = refused(client, version_body(vm_id))
    assert err.error.message.startswith(f"Source {vm_id} is not found.")
