"""Managed disks (a VM's own, and standalone ones) and snapshots, full and incremental."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle, VirtualTimeTransport
from tests.functional.armsim.conftest import LOCATION, RG, SUB, seed

pytestmark = pytest.mark.timeout(30)


def disk_id(name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/disks/{name}"


def os_disk(client: ComputeManagementClient, vm: str = "build-vm") -> str:
    return str(client.virtual_machines.get(RG, vm).properties.storage_profile.os_disk.managed_disk.id)


def snapshot(client: ComputeManagementClient, source: str, name: str = "snap", **properties: object):
    body = {
        "location": LOCATION,
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": source}, **properties},
    }
    return client.snapshots.begin_create_or_update(RG, name, body).result()


def test_a_vms_disks_are_resources_that_describe_it(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = seed(
        sim,
        os_type="Windows",
        os_disk_size_gb=127,
        hyper_v_generation="V2",
        security_type="TrustedLaunch",
        architecture="x64",
        data_disks=[{"lun": 2, "size_gb": 64}],
    )
    vm = client.virtual_machines.get(RG, "build-vm").properties.storage_profile
    os_disk_resource = client.disks.get(RG, vm.os_disk.name)
    assert os_disk_resource.id == vm.os_disk.managed_disk.id
    assert os_disk_resource.managed_by == vm_id
    assert os_disk_resource.properties.disk_state == "Attached"
    assert os_disk_resource.properties.os_type == "Windows"
    assert os_disk_resource.properties.hyper_v_generation == "V2"
    assert os_disk_resource.properties.supported_capabilities.architecture == "x64"
    assert os_disk_resource.properties.security_profile.security_type == "TrustedLaunch"
    assert os_disk_resource.properties.disk_size_gb == 127
    assert os_disk_resource.sku.name == "Premium_LRS"
    assert os_disk_resource.location == LOCATION
    assert os_disk_resource.properties.creation_data.create_option == "FromImage"
    data = client.disks.get(RG, vm.data_disks[0].name)
    assert (data.properties.disk_size_gb, data.properties.os_type, data.managed_by) == (64, None, vm_id)
    assert sorted(d.name for d in client.disks.list_by_resource_group(RG)) == sorted(
        [vm.os_disk.name, vm.data_disks[0].name]
    )


def test_disk_state_follows_the_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    name = os_disk(client).rsplit("/", 1)[-1]
    client.virtual_machines.begin_deallocate(RG, "build-vm").result()
    assert client.disks.get(RG, name).properties.disk_state == "Reserved"
    client.virtual_machines.begin_delete(RG, "build-vm").result()
    detached = client.disks.get(RG, name)
    assert detached.properties.disk_state == "Unattached"
    assert detached.managed_by is None


def test_a_seed_chooses_what_deleting_the_vm_does_to_each_disk(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(
        sim, os_disk_delete_option="Delete", data_disks=[{"lun": 0, "size_gb": 8, "delete_option": "Detach"}]
    )
    vm = client.virtual_machines.get(RG, "build-vm").properties.storage_profile
    assert (vm.os_disk.delete_option, vm.data_disks[0].delete_option) == ("Delete", "Detach")
    client.virtual_machines.begin_delete(RG, "build-vm").result()
    with pytest.raises(ResourceNotFoundError):
        client.disks.get(RG, vm.os_disk.name)
    assert client.disks.get(RG, vm.data_disks[0].name).properties.disk_state == "Unattached"


def test_an_attached_disk_cannot_be_deleted(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = seed(sim)
    name = os_disk(client).rsplit("/", 1)[-1]
    with pytest.raises(ResourceExistsError) as err:
        client.disks.begin_delete(RG, name)
    assert err.value.error.code == "OperationNotAllowed"
    assert err.value.error.message == f"Disk {name} is attached to VM {vm_id}."


def test_standalone_disks_empty_copy_and_import(
    sim: ArmsimHandle, client: ComputeManagementClient, transport: VirtualTimeTransport
):
    empty = {
        "location": LOCATION,
        "sku": {"name": "StandardSSD_LRS"},
        "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 32, "osType": "Linux"},
    }
    created = client.disks.begin_create_or_update(RG, "empty", empty).result()
    assert (created.properties.provisioning_state, created.properties.disk_state) == (
        "Succeeded",
        "Unattached",
    )
    assert (created.sku.name, created.sku.tier, created.properties.disk_size_gb) == (
        "StandardSSD_LRS",
        "Standard",
        32,
    )
    assert 2.0 in transport.slept  # DiskOperations answer with Retry-After 2, the recorded poll spacing
    copy = {
        "location": LOCATION,
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": created.id}},
    }
    copied = client.disks.begin_create_or_update(RG, "copy", copy).result()
    assert copied.properties.creation_data.source_unique_id == created.properties.unique_id
    assert (copied.properties.disk_size_gb, copied.properties.os_type) == (32, "Linux")
    account = sim.register_storage_account("vhds", resource_group=RG, location=LOCATION)
    uri = "https://vhds.blob.core.windows.net/images/os.vhd"
    sim.register_blob(uri, storage_account_id=account, size_gb=40)
    imported = {
        "location": LOCATION,
        "properties": {
            "creationData": {"createOption": "Import", "sourceUri": uri, "storageAccountId": account},
            "osType": "Linux",
            "hyperVGeneration": "V2",
        },
    }
    disk = client.disks.begin_create_or_update(RG, "imported", imported).result()
    assert (disk.properties.disk_size_gb, disk.properties.hyper_v_generation) == (40, "V2")
    client.disks.begin_delete(RG, "copy").result()
    assert sorted(d.name for d in client.disks.list_by_resource_group(RG)) == ["empty", "imported"]
    client.disks.begin_delete(RG, "copy").result()  # deleting what is gone succeeds


def test_disk_put_answers_202_with_disk_operations_headers(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seen: list[dict[str, str]] = []
    body = {"location": LOCATION, "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 4}}
    client.disks.begin_create_or_update(
        RG, "d", body, polling=False, raw_response_hook=lambda r: seen.append(dict(r.http_response.headers))
    )
    headers = {k.lower(): v for k, v in seen[0].items()}
    assert "/DiskOperations/" in headers["azure-asyncoperation"]
    assert "monitor=true" in headers["location"]


def test_an_empty_disk_needs_a_size(sim: ArmsimHandle, client: ComputeManagementClient):
    body = {"location": LOCATION, "properties": {"creationData": {"createOption": "Empty"}}}
    with pytest.raises(HttpResponseError) as err:
        client.disks.begin_create_or_update(RG, "d", body)
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidParameter")
    assert "diskSizeGB" in err.value.error.message


def test_full_snapshot_of_a_running_vms_disk_is_taken_and_available(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, os_disk_size_gb=64, hyper_v_generation="V2")  # running: Azure takes crash-consistent snapshots
    taken = snapshot(client, os_disk(client))
    assert taken.properties.provisioning_state == "Succeeded"
    assert (taken.properties.incremental, taken.properties.snapshot_access_state) == (False, "Available")
    assert (taken.properties.disk_size_gb, taken.properties.os_type, taken.properties.hyper_v_generation) == (
        64,
        "Linux",
        "V2",
    )
    assert taken.properties.creation_data.source_resource_id == os_disk(client)
    assert taken.sku.name == "Standard_LRS"
    assert [s.name for s in client.snapshots.list_by_resource_group(RG)] == ["snap"]
    client.snapshots.begin_delete(RG, "snap").result()
    assert list(client.snapshots.list_by_resource_group(RG)) == []


def test_incremental_snapshot_copies_in_the_background(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, os_disk_size_gb=100)
    taken = snapshot(client, os_disk(client), incremental=True)
    assert taken.properties.provisioning_state == "Succeeded"
    assert taken.properties.snapshot_access_state == "Pending"
    assert taken.properties.completion_percent < 5  # the poller's few seconds
    source = client.disks.get(RG, os_disk(client).rsplit("/", 1)[-1])
    assert taken.properties.incremental_snapshot_family_id == source.properties.unique_id
    seconds = sim.backend.timing.incremental_copy_seconds(100)
    started = taken.properties.time_created
    sim.clock.advance_to(started + timedelta(seconds=seconds / 2))
    half = client.snapshots.get(RG, "snap").properties
    assert (half.snapshot_access_state, half.completion_percent) == ("Pending", 50.0)
    sim.clock.advance_to(started + timedelta(seconds=seconds))
    done = client.snapshots.get(RG, "snap").properties
    assert (done.snapshot_access_state, done.completion_percent) == ("Available", 100.0)


def test_a_pending_snapshot_cannot_be_copied(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    pending = snapshot(client, os_disk(client), incremental=True)
    with pytest.raises(ResourceExistsError) as err:
        snapshot(client, pending.id, "copy")
    assert err.value.error.code == "OperationNotAllowed"
    assert "background copy is in progress" in err.value.error.message


def test_snapshot_rules(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    full = snapshot(client, os_disk(client))
    with pytest.raises(HttpResponseError) as err:  # incremental snapshots are taken of disks
        snapshot(client, full.id, "inc", incremental=True)
    assert err.value.error.code == "InvalidParameter"
    elsewhere = {
        "location": "eastus",
        "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": os_disk(client)}},
    }
    with pytest.raises(HttpResponseError) as err:  # Copy works within a region
        client.snapshots.begin_create_or_update(RG, "far", elsewhere)
    assert err.value.error.code == "InvalidParameter"
    assert "CopyStart" in err.value.error.message
    with pytest.raises(ResourceNotFoundError) as err:
        snapshot(client, disk_id("nothing"), "none")
    assert (err.value.error.code, err.value.error.message) == ("NotFound", "Resource nothing is not found.")


def test_an_injected_failure_fails_the_disk_operation(sim: ArmsimHandle, client: ComputeManagementClient):
    sim.set_fault("disks.createOrUpdate", kind="operation_failed", message="disk failed")
    body = {"location": LOCATION, "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 4}}
    with pytest.raises(HttpResponseError) as err:
        client.disks.begin_create_or_update(RG, "d", body).result()
    assert "disk failed" in str(err.value)
    assert client.disks.get(RG, "d").properties.provisioning_state == "Failed"
