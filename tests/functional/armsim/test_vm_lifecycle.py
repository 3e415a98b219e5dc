"""VM power, generalization and delete through the real SDK and its own LRO poller."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle, VirtualTimeTransport
from tests.functional.armsim.conftest import RG, seed

pytestmark = pytest.mark.timeout(30)


def statuses(client: ComputeManagementClient, name: str = "build-vm") -> list[str]:
    return [s.code for s in client.virtual_machines.instance_view(RG, name).statuses]


def test_get_with_instance_view_reports_power_and_provisioning(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = seed(sim, os_type="Windows", data_disks=[{"lun": 0, "size_gb": 128}], tags={"build": "42"})
    vm = client.virtual_machines.get(RG, "build-vm", expand="instanceView")
    assert vm.id == vm_id
    assert vm.tags == {"build": "42"}
    assert vm.properties.storage_profile.os_disk.os_type == "Windows"
    assert [d.lun for d in vm.properties.storage_profile.data_disks] == [0]
    codes = [s.code for s in vm.properties.instance_view.statuses]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]


def test_deallocating_until_the_simulated_duration_passes(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    client.virtual_machines.begin_deallocate(RG, "build-vm", polling=False)
    assert statuses(client)[-1] == "PowerState/deallocating"
    sim.advance(sim.backend.timing.deallocate - 1)
    assert statuses(client)[-1] == "PowerState/deallocating"
    sim.advance(1)
    assert statuses(client)[-1] == "PowerState/deallocated"


def test_sdk_poller_completes_deallocate_honouring_retry_after(
    sim: ArmsimHandle, client: ComputeManagementClient, transport: VirtualTimeTransport
):
    seed(sim)
    start = sim.clock.now()
    client.virtual_machines.begin_deallocate(RG, "build-vm").result()
    assert statuses(client)[-1] == "PowerState/deallocated"
    # The poller slept only as armsim's Retry-After said (30 s) and the simulated duration passed.
    assert transport.slept == [30.0]
    assert sim.clock.now() - start == timedelta(seconds=30)


def test_generalize_requires_a_stopped_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    with pytest.raises(ResourceExistsError) as err:
        client.virtual_machines.generalize(RG, "build-vm")
    assert err.value.error.code == "OperationNotAllowed"
    assert (
        "Operation 'generalize' is not allowed on VM 'build-vm' since the VM is running" in err.value.message
    )
    client.virtual_machines.begin_power_off(RG, "build-vm").result()
    client.virtual_machines.generalize(RG, "build-vm")
    assert statuses(client) == ["ProvisioningState/succeeded", "OSState/generalized", "PowerState/stopped"]


def test_generalized_vm_cannot_start(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, power_state="deallocated", generalized=True)
    with pytest.raises(ResourceExistsError) as err:
        client.virtual_machines.begin_start(RG, "build-vm")
    assert err.value.error.code == "OperationNotAllowed"
    assert (
        err.value.error.message
        == "Operation 'start' is not allowed on VM 'build-vm' since the VM is generalized."
    )


def test_start_and_power_off_cycle(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, power_state="deallocated")
    client.virtual_machines.begin_start(RG, "build-vm").result()
    assert statuses(client)[-1] == "PowerState/running"
    client.virtual_machines.begin_power_off(RG, "build-vm").result()
    assert statuses(client)[-1] == "PowerState/stopped"


def test_delete_removes_the_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    client.virtual_machines.begin_delete(RG, "build-vm", force_deletion=True).result()
    with pytest.raises(ResourceNotFoundError) as err:
        client.virtual_machines.get(RG, "build-vm")
    assert err.value.error.code == "ResourceNotFound"
    assert "Microsoft.Compute/virtualMachines/build-vm" in err.value.message


def test_vm_is_deleting_until_the_delete_completes(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    client.virtual_machines.begin_delete(RG, "build-vm", polling=False)
    assert client.virtual_machines.get(RG, "build-vm").properties.provisioning_state == "Deleting"
    with pytest.raises(ResourceExistsError):
        client.virtual_machines.generalize(RG, "build-vm")
    sim.advance(600)
    with pytest.raises(ResourceNotFoundError):
        client.virtual_machines.get(RG, "build-vm")


def test_list_by_resource_group(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "vm-a")
    seed(sim, "vm-b")
    sim.seed_vm("elsewhere", resource_group="other-rg")
    assert sorted(vm.name for vm in client.virtual_machines.list(RG)) == ["vm-a", "vm-b"]


def test_actions_on_a_missing_vm_are_not_found(sim: ArmsimHandle, client: ComputeManagementClient):
    with pytest.raises(ResourceNotFoundError) as err:
        client.virtual_machines.begin_deallocate(RG, "missing")
    assert err.value.error.code == "ResourceNotFound"


def test_missing_api_version_is_rejected_with_the_arm_error(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim)
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.get(RG, "build-vm", api_version="")
    assert err.value.status_code == 400
    assert err.value.error.code == "MissingApiVersionParameter"
