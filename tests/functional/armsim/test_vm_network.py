"""Subnets seeded over the admin API, NICs made from networkInterfaceConfigurations, deleteOption on
VM delete, and tagged VMs listed across the subscription — through the real SDK."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.compute import ComputeManagementClient

from armsim.ids import key
from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LOCATION, RG, SUB
from tests.functional.armsim.gate_support import admin, arm_delete, arm_get, make_version, vm_body

pytestmark = pytest.mark.timeout(30)

NETWORK = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
SUBNET_ID = f"{NETWORK}/virtualNetworks/vnet/subnets/default"


def subnet(sim: ArmsimHandle, location: str = LOCATION) -> str:
    return sim.seed_subnet("default", virtual_network="vnet", location=location, resource_group=RG)


def test_a_subnet_is_seeded_over_the_admin_api(sim: ArmsimHandle):
    spec = {
        "subscription": SUB,
        "resource_group": RG,
        "virtual_network": "vnet",
        "name": "default",
        "location": "westus",
        "address_prefix": "10.1.2.0/24",
    }
    created = admin(sim, "POST", "subnets", spec)
    assert created.status_code == 201
    assert created.json() == {
        "name": "default",
        "id": SUBNET_ID,
        "type": "Microsoft.Network/virtualNetworks/subnets",
        "properties": {"provisioningState": "Succeeded", "addressPrefix": "10.1.2.0/24"},
    }
    listed = admin(sim, "GET", "subnets").json()["subnets"]
    assert [(s["id"], s["location"]) for s in listed] == [(SUBNET_ID, "westus")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subscription": "nope"}, "subnet.subscription"),
        ({"virtual_network": ""}, "subnet.virtual_network"),
        ({"address_prefix": "ten"}, "subnet.address_prefix"),
        ({"zone": "1"}, "subnet.zone"),
    ],
)
def test_a_bad_subnet_seed_names_the_field(sim: ArmsimHandle, change: dict[str, Any], field: str):
    spec = {
        "subscription": SUB,
        "resource_group": RG,
        "virtual_network": "v",
        "name": "s",
        "location": "westus",
    }
    answer = admin(sim, "POST", "subnets", {**spec, **change})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidAdminRequest"
    assert answer.json()["error"]["message"].startswith(f"{field}:")


def test_network_interface_configurations_create_a_nic_in_the_subnet(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client)
    body = vm_body(version_id, subnet=subnet(sim))
    body["properties"]["networkProfile"]["networkInterfaceConfigurations"][0]["tags"] = {
        "imagefactory-temp": "b7"
    }
    vm = client.virtual_machines.begin_create_or_update(RG, "gate", body).result()
    network = vm.properties.network_profile
    (ref,) = network.network_interfaces
    nic_id = (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/networkInterfaces/gate-nic"
    )
    assert ref.id == nic_id
    assert (ref.properties.primary, ref.properties.delete_option) == (True, "Delete")
    assert network.network_api_version == "2020-11-01"
    assert network.network_interface_configurations[0].properties.delete_option == "Delete"
    nic = arm_get(sim, nic_id)
    assert nic.status_code == 200
    props = nic.json()["properties"]
    assert props["virtualMachine"] == {"id": vm.id}
    assert props["ipConfigurations"][0]["properties"]["subnet"] == {"id": SUBNET_ID}
    assert props["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.0.0.4"
    assert nic.json()["tags"] == {"imagefactory-temp": "b7"}
    # the generic call a cleanup would make through the compute client's own pipeline
    listed = client.send_request(
        HttpRequest(
            "GET",
            f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/networkInterfaces",
            params={"api-version": "2024-05-01"},
        )
    )
    assert [n["id"] for n in listed.json()["value"]] == [nic_id]


@pytest.mark.parametrize("where", ["missing", "eastus"])
def test_a_subnet_that_is_unknown_or_in_another_region_is_refused(
    sim: ArmsimHandle, client: ComputeManagementClient, where: str
):
    version_id = make_version(sim, client)
    if where != "missing":
        subnet(sim, location=where)
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(version_id, subnet=SUBNET_ID))
    nic_id = (
        f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/networkInterfaces/gate-nic"
    )
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidResourceReference")
    assert err.value.error.message == (
        f"Resource {SUBNET_ID} referenced by resource {nic_id} was not found. Please make sure that the "
        "referenced resource exists, and that both resources are in the same region."
    )
    assert [d.code for d in err.value.error.details or []] == (["NotFound"] if where == "missing" else [])
    with pytest.raises(ResourceNotFoundError):
        client.virtual_machines.get(RG, "gate")
    assert arm_get(sim, nic_id).status_code == 404


def test_nic_configurations_need_a_network_api_version(sim: ArmsimHandle, client: ComputeManagementClient):
    version_id = make_version(sim, client)
    body = vm_body(version_id, subnet=subnet(sim))
    del body["properties"]["networkProfile"]["networkApiVersion"]
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_create_or_update(RG, "gate", body)
    assert (err.value.error.code, err.value.error.target) == (
        "InvalidParameter",
        "networkProfile.networkApiVersion",
    )


def disk_ids(vm: Any) -> list[str]:
    storage = vm.properties.storage_profile
    return [storage.os_disk.managed_disk.id] + [d.managed_disk.id for d in storage.data_disks]


def test_delete_option_delete_takes_the_nic_and_disks_with_the_vm(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client, data_disks=[{"lun": 1, "size_gb": 8}])
    body = vm_body(
        version_id,
        subnet=subnet(sim),
        os_disk_delete="Delete",
        data_disks=[{"lun": 1, "createOption": "FromImage", "deleteOption": "Delete"}],
    )
    vm = client.virtual_machines.begin_create_or_update(RG, "gate", body).result()
    assert vm.properties.storage_profile.os_disk.delete_option == "Delete"
    assert [d.delete_option for d in vm.properties.storage_profile.data_disks] == ["Delete"]
    nic_id = vm.properties.network_profile.network_interfaces[0].id
    names = [d.rsplit("/", 1)[-1] for d in disk_ids(vm)]
    assert [client.disks.get(RG, n).managed_by for n in names] == [vm.id, vm.id]
    client.virtual_machines.begin_delete(RG, "gate").result()
    assert arm_get(sim, nic_id).status_code == 404
    for name in names:  # the disks went with the VM
        with pytest.raises(ResourceNotFoundError):
            client.disks.get(RG, name)
    listed = {key(d.id) for d in client.disks.list_by_resource_group(RG)}  # the source VM's stay
    assert listed and listed.isdisjoint(key(d) for d in disk_ids(vm))


def test_delete_option_detach_leaves_the_nic_and_disks_detached(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client, data_disks=[{"lun": 1, "size_gb": 8}])
    vm = client.virtual_machines.begin_create_or_update(
        RG, "gate", vm_body(version_id, subnet=subnet(sim), nic_delete="Detach")
    ).result()
    assert vm.properties.storage_profile.os_disk.delete_option == "Detach"  # Azure's default
    nic_id = vm.properties.network_profile.network_interfaces[0].id
    in_use = arm_delete(sim, nic_id)
    assert (in_use.status_code, in_use.json()["error"]["code"]) == (400, "NicInUse")
    assert in_use.json()["error"]["message"] == (
        f"Network Interface {nic_id} is used by existing resource {vm.id}. In order to delete the network "
        "interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic."
    )
    client.virtual_machines.begin_delete(RG, "gate").result()
    left = arm_get(sim, nic_id)
    assert left.status_code == 200
    assert "virtualMachine" not in left.json()["properties"]
    ids = {key(d) for d in disk_ids(vm)}
    left_disks = [d for d in client.disks.list_by_resource_group(RG) if key(d.id) in ids]
    assert sorted(key(d.id) for d in left_disks) == sorted(ids)
    assert {(d.properties.disk_state, d.managed_by) for d in left_disks} == {("Unattached", None)}
    for disk in left_disks:  # real resources: they can be deleted now
        client.disks.begin_delete(RG, disk.name).result()
    assert ids.isdisjoint(key(d.id) for d in client.disks.list_by_resource_group(RG))
    assert arm_delete(sim, nic_id).status_code == 200
    assert arm_get(sim, nic_id).status_code == 404
    assert arm_delete(sim, nic_id).status_code == 204


def test_tagged_vms_are_listed_across_the_subscription_with_their_creation_time(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client)
    start = sim.clock.now()
    client.virtual_machines.begin_create_or_update(
        RG, "gate", vm_body(version_id, tags={"imagefactory-temp": "build-42"})
    ).result()
    sim.advance(3600)
    client.virtual_machines.begin_create_or_update(
        "rg-other", "other", vm_body(version_id, tags={"imagefactory-temp": "build-43"})
    ).result()
    sim.seed_vm("elsewhere", subscription="11111111-1111-1111-1111-111111111111", resource_group=RG)
    listed = {vm.name: vm for vm in client.virtual_machines.list_all()}
    assert set(listed) == {"src-app-1-0-0", "gate", "other"}
    assert listed["gate"].tags == {"imagefactory-temp": "build-42"}
    assert listed["other"].tags == {"imagefactory-temp": "build-43"}
    assert listed["gate"].properties.time_created == start
    assert listed["other"].properties.time_created >= start + timedelta(hours=1)
    assert [vm.name for vm in client.virtual_machines.list("rg-other")] == ["other"]
    with_view = list(client.virtual_machines.list_all(expand="instanceView"))
    assert all(vm.properties.instance_view is not None for vm in with_view)
