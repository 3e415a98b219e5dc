"""Where the test-VM gate and the image sources meet, through the real SDK: a VM created from a
gallery image has managed disk resources like a seeded VM; deleting it detaches or deletes them
by deleteOption; its disks, snapshots of them and the disks it leaves behind are version sources;
`latest` and a version's `source.id` read versions by the same rules, whatever their source."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LINUX_OS_PROFILE, LOCATION, RG, definition_body
from tests.functional.armsim.gate_support import definition_id, make_version, vm_body

pytestmark = pytest.mark.timeout(30)


def disks_of(client: ComputeManagementClient, vm: Any) -> list[Any]:
    storage = vm.properties.storage_profile
    ids = [storage.os_disk.managed_disk.id] + [d.managed_disk.id for d in storage.data_disks]
    return [client.disks.get(RG, disk_id.rsplit("/", 1)[-1]) for disk_id in ids]


def per_disk(os_source: str, *data: tuple[int, str], exclude_from_latest: bool = False) -> dict[str, Any]:
    storage: dict[str, Any] = {"osDiskImage": {"source": {"id": os_source}}}
    if data:
        storage["dataDiskImages"] = [{"lun": lun, "source": {"id": source}} for lun, source in data]
    return {
        "location": LOCATION,
        "properties": {
            "storageProfile": storage,
            "publishingProfile": {"excludeFromLatest": exclude_from_latest},
        },
    }


def snapshot(client: ComputeManagementClient, disk_id: str, name: str) -> str:
    body = {
        "location": LOCATION,
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": disk_id}},
    }
    return str(client.snapshots.begin_create_or_update(RG, name, body).result().id)


def create_vm(client: ComputeManagementClient, name: str, image_id: str, **options: Any) -> Any:
    return client.virtual_machines.begin_create_or_update(RG, name, vm_body(image_id, **options)).result()


def test_a_vm_from_the_latest_version_has_disk_resources_of_that_version(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, "1.0.0", data_disks=[{"lun": 1, "size_gb": 8}])
    newest = make_version(sim, client, "1.1.0", data_disks=[{"lun": 1, "size_gb": 8}])
    vm = create_vm(client, "gate", definition_id())  # the definition: latest in the VM's region
    assert vm.properties.storage_profile.image_reference.exact_version == "1.1.0"
    os_disk, data_disk = disks_of(client, vm)
    assert (os_disk.managed_by, data_disk.managed_by) == (vm.id, vm.id)
    assert (os_disk.properties.disk_state, os_disk.properties.provisioning_state) == ("Attached", "Succeeded")
    assert (os_disk.properties.os_type, os_disk.properties.hyper_v_generation) == ("Linux", "V2")
    assert (os_disk.properties.disk_size_gb, data_disk.properties.disk_size_gb) == (30, 8)
    # The disks name the exact version `latest` resolved to, not the definition the VM named.
    creation = os_disk.properties.creation_data
    assert (creation.create_option, creation.gallery_image_reference.id) == ("FromImage", newest)
    data_creation = data_disk.properties.creation_data
    assert (data_creation.gallery_image_reference.id, data_creation.gallery_image_reference.lun) == (
        newest,
        1,
    )
    assert [d.create_option for d in vm.properties.storage_profile.data_disks] == ["FromImage"]
    client.virtual_machines.begin_deallocate(RG, "gate").result()
    assert {d.properties.disk_state for d in disks_of(client, vm)} == {"Reserved"}


def test_disks_a_gallery_vm_leaves_behind_are_unattached_resources_that_can_be_a_version_source(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, "1.0.0", data_disks=[{"lun": 1, "size_gb": 8}])
    vm = create_vm(client, "gate", definition_id())  # deleteOption: Detach, Azure's default
    os_disk, data_disk = disks_of(client, vm)
    with pytest.raises(HttpResponseError) as running:  # attached to a running VM: refused as a source
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "2.0.0", per_disk(os_disk.id, (1, data_disk.id))
        )
    assert running.value.error.code == "Conflict"
    client.virtual_machines.begin_delete(RG, "gate").result()
    left = disks_of(client, vm)
    assert {(d.properties.disk_state, d.managed_by) for d in left} == {("Unattached", None)}
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "2.0.0", per_disk(os_disk.id, (1, data_disk.id))
    ).result()
    assert version.properties.provisioning_state == "Succeeded"
    assert version.properties.storage_profile.os_disk_image.source.id == os_disk.id
    # and the version made of those disks is the new latest, with the disks' sizes
    again = create_vm(client, "again", definition_id())
    assert again.properties.storage_profile.image_reference.exact_version == "2.0.0"
    assert [d.properties.disk_size_gb for d in disks_of(client, again)] == [30, 8]


def test_delete_option_delete_removes_the_disk_resources_of_a_gallery_vm(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, "1.0.0", data_disks=[{"lun": 1, "size_gb": 8}])
    vm = create_vm(
        client,
        "gate",
        definition_id(),
        os_disk_delete="Delete",
        data_disks=[{"lun": 1, "createOption": "FromImage", "deleteOption": "Detach"}],
    )
    os_disk, data_disk = disks_of(client, vm)
    client.virtual_machines.begin_delete(RG, "gate").result()
    with pytest.raises(ResourceNotFoundError):
        client.disks.get(RG, os_disk.name)
    kept = client.disks.get(RG, data_disk.name)
    assert (kept.properties.disk_state, kept.managed_by) == ("Unattached", None)


def test_architecture_follows_the_definition_into_the_vms_disks_and_their_snapshots(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    source = sim.seed_vm(
        "arm-src",
        resource_group=RG,
        location=LOCATION,
        architecture="Arm64",
        generalized=True,
        power_state="deallocated",
    )
    client.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result()
    for name, architecture in (("arm", "Arm64"), ("copy", "Arm64"), ("x64", "x64")):
        body = definition_body()
        body["properties"]["architecture"] = architecture
        body["properties"]["identifier"]["sku"] = name
        client.gallery_images.begin_create_or_update(RG, "gal", name, body).result()
    base = {"location": LOCATION, "properties": {"storageProfile": {"source": {"virtualMachineId": source}}}}
    client.gallery_image_versions.begin_create_or_update(RG, "gal", "arm", "1.0.0", base).result()
    vm = create_vm(client, "gate", definition_id("arm"), os_profile=LINUX_OS_PROFILE)
    assert vm.properties.storage_profile.image_reference.exact_version == "1.0.0"
    (os_disk,) = disks_of(client, vm)
    assert os_disk.properties.supported_capabilities.architecture == "Arm64"
    snap = snapshot(client, os_disk.id, "arm-os")
    copied = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "copy", "1.0.0", per_disk(snap)
    ).result()
    assert copied.properties.provisioning_state == "Succeeded"
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "x64", "1.0.0", per_disk(snap))
    assert "different Architecture ['Arm64']" in err.value.error.message


def test_latest_skips_a_version_of_any_source_kind_excluded_from_latest(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, "1.0.0")
    vm = create_vm(client, "first", definition_id())
    (os_disk,) = disks_of(client, vm)
    snap = snapshot(client, os_disk.id, "first-os")
    client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "3.0.0", per_disk(snap)).result()
    hidden = per_disk(snap, exclude_from_latest=True)
    client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "4.0.0", hidden).result()
    second = create_vm(client, "second", definition_id())
    assert second.properties.storage_profile.image_reference.exact_version == "3.0.0"
    (second_os,) = disks_of(client, second)
    assert second_os.properties.creation_data.gallery_image_reference.id.endswith("/versions/3.0.0")


def test_a_soft_deleted_version_is_read_by_id_as_a_vm_reads_it_and_never_as_latest(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client, "1.0.0", soft_delete=True)
    make_version(sim, client, "1.0.0", definition="copy")
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    by_id = create_vm(client, "by-id", version_id)  # consumable by id until it is purged
    assert by_id.properties.storage_profile.image_reference.exact_version == "1.0.0"
    body = {"location": LOCATION, "properties": {"storageProfile": {"source": {"id": version_id}}}}
    copied = client.gallery_image_versions.begin_create_or_update(RG, "gal", "copy", "2.0.0", body).result()
    assert copied.properties.provisioning_state == "Succeeded"
    with pytest.raises(ResourceNotFoundError) as err:  # ... but never the latest of its definition
        create_vm(client, "latest", definition_id())
    assert err.value.error.code == "GalleryImageNotFound"


def test_a_put_with_per_disk_sources_does_not_restore_a_soft_deleted_version(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, "1.0.0", soft_delete=True)
    vm = create_vm(client, "gate", definition_id())
    (os_disk,) = disks_of(client, vm)
    snap = snapshot(client, os_disk.id, "gate-os")
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    with pytest.raises(HttpResponseError) as err:  # a new source under the soft-deleted name
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", per_disk(snap))
    assert (err.value.status_code, err.value.error.code) == (409, "Conflict")
    restored = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", {"location": LOCATION, "properties": {"restore": True}}
    ).result()
    assert restored.properties.storage_profile.source.virtual_machine_id is not None  # the original
