"""Managed images, VM creation from images, and run commands inside the simulated guest."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import (
    LINUX_OS_PROFILE,
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

READ_IMAGE_STATE = [
    "(Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State').ImageState"
]
SYSPREP_QUIT = ["& $env:SystemRoot\\System32\\Sysprep\\Sysprep.exe /oobe /generalize /quit /mode:vm"]


def run(client: ComputeManagementClient, command: str, script: list[str], vm: str = "build-vm") -> str:
    """The script's stdout: Windows reports it as its own status, Linux inside one 'Enable succeeded'."""
    result = client.virtual_machines.begin_run_command(
        RG, vm, {"commandId": command, "script": script}
    ).result()
    if command == "RunShellScript":
        (status,) = result.value
        assert status.code == "ProvisioningState/succeeded"
        return str(status.message).split("\n[stdout]\n", 1)[1].split("\n[stderr]\n", 1)[0]
    stdout = [v for v in result.value if v.code == "ComponentStatus/StdOut/succeeded"]
    return str(stdout[0].message)


def test_managed_image_from_generalized_vm_carries_its_data_disks(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim, data_disks=[{"lun": 1, "size_gb": 32}], hyper_v_generation="V1")
    image = client.images.begin_create_or_update(
        RG, "img", {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
    ).result()
    assert image.properties.provisioning_state == "Succeeded"
    assert image.properties.source_virtual_machine.id == vm_id
    assert image.properties.storage_profile.os_disk.os_state == "Generalized"
    assert [(d.lun, d.disk_size_gb) for d in image.properties.storage_profile.data_disks] == [(1, 32)]
    assert image.properties.hyper_v_generation == "V1"
    assert [i.name for i in client.images.list_by_resource_group(RG)] == ["img"]
    client.images.begin_delete(RG, "img").result()
    assert list(client.images.list_by_resource_group(RG)) == []


def test_managed_image_requires_a_generalized_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = seed(sim, power_state="deallocated")
    with pytest.raises(ResourceExistsError) as err:
        client.images.begin_create_or_update(
            RG, "img", {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
        )
    assert err.value.error.code == "OperationNotAllowed"
    assert err.value.error.message == (
        "The operation 'Create Image' requires the Virtual Machine 'build-vm' to be Generalized."
    )


def test_version_from_managed_image(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim, data_disks=[{"lun": 0, "size_gb": 16}])
    image_id = (
        client.images.begin_create_or_update(
            RG, "img", {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
        )
        .result()
        .id
    )
    make_gallery(client)
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(image_id)
    ).result()
    assert version.properties.storage_profile.source.id == image_id
    assert [d.lun for d in version.properties.storage_profile.data_disk_images] == [0]


def test_vm_created_from_a_version_runs_and_is_specialized(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim, os_disk_size_gb=48)
    make_gallery(client)
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    body = {
        "location": LOCATION,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
            "storageProfile": {"imageReference": {"id": version.id}},
            "osProfile": {"computerName": "verify", "adminUsername": "ops", "adminPassword": "Pa55-word!"},
            "networkProfile": {"networkInterfaces": [{"id": f"/subscriptions/x/resourceGroups/{RG}/nic"}]},
        },
    }
    created = client.virtual_machines.begin_create_or_update(RG, "verify-vm", body).result()
    assert created.properties.provisioning_state == "Succeeded"
    assert created.properties.storage_profile.os_disk.disk_size_gb == 48
    codes = [s.code for s in client.virtual_machines.instance_view(RG, "verify-vm").statuses]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]


def test_vm_create_needs_an_existing_image(sim: ArmsimHandle, client: ComputeManagementClient):
    image_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/images/nothing-here"
    body = {"location": LOCATION, "properties": {"storageProfile": {"imageReference": {"id": image_id}}}}
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_create_or_update(RG, "verify-vm", body)
    assert err.value.status_code == 404
    assert "nothing-here" in err.value.message


def test_linux_deprovision_then_generalize(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    out = run(client, "RunShellScript", ["sudo waagent -deprovision+user -force"])
    assert "waagent service will be stopped" in out
    assert sim.backend.vms[next(iter(sim.backend.vms))].linux_deprovisioned
    client.virtual_machines.begin_deallocate(RG, "build-vm").result()
    client.virtual_machines.generalize(RG, "build-vm")


def test_windows_sysprep_quit_keeps_running_and_image_state_moves(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, os_type="Windows")
    assert run(client, "RunPowerShellScript", READ_IMAGE_STATE) == "IMAGE_STATE_COMPLETE"
    run(client, "RunPowerShellScript", SYSPREP_QUIT)
    assert run(client, "RunPowerShellScript", READ_IMAGE_STATE) == "IMAGE_STATE_UNDEPLOYABLE"
    codes = [s.code for s in client.virtual_machines.instance_view(RG, "build-vm").statuses]
    assert codes[-1] == "PowerState/running"
    sim.advance(sim.backend.timing.sysprep)
    assert run(client, "RunPowerShellScript", READ_IMAGE_STATE) == "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE"
    agent = client.virtual_machines.instance_view(RG, "build-vm").vm_agent.statuses[0]
    assert "IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE" in agent.message


def test_run_command_must_match_the_os(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, os_type="Linux")
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_run_command(
            RG, "build-vm", {"commandId": "RunPowerShellScript", "script": []}
        )
    assert err.value.error.code == "InvalidParameter"
    assert err.value.error.target == "parameters.commandId"


def test_run_command_needs_a_running_vm_and_one_at_a_time(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    client.virtual_machines.begin_run_command(
        RG, "build-vm", {"commandId": "RunShellScript", "script": ["true"]}, polling=False
    )
    with pytest.raises(ResourceExistsError) as err:
        client.virtual_machines.begin_run_command(
            RG, "build-vm", {"commandId": "RunShellScript", "script": ["true"]}
        )
    assert err.value.error.code == "Conflict"
    sim.advance(600)
    client.virtual_machines.begin_deallocate(RG, "build-vm").result()
    with pytest.raises(ResourceExistsError) as err:
        client.virtual_machines.begin_run_command(
            RG, "build-vm", {"commandId": "RunShellScript", "script": ["true"]}
        )
    assert err.value.error.code == "OperationNotAllowed"


def test_windows_sysprep_shutdown_stops_the_vm_when_sysprep_ends(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, os_type="Windows")
    run(
        client,
        "RunPowerShellScript",
        ["C:\\Windows\\System32\\Sysprep\\sysprep.exe /generalize /oobe /shutdown"],
    )
    codes = [s.code for s in client.virtual_machines.instance_view(RG, "build-vm").statuses]
    assert codes[-1] == "PowerState/running"
    sim.advance(sim.backend.timing.sysprep)
    codes = [s.code for s in client.virtual_machines.instance_view(RG, "build-vm").statuses]
    assert codes[-1] == "PowerState/stopped"
    client.virtual_machines.generalize(RG, "build-vm")  # allowed now that the guest stopped itself


def test_vms_created_from_a_managed_image_and_a_version_carry_its_disks_and_are_listed(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(
        sim, os_disk_size_gb=64, data_disks=[{"lun": 0, "size_gb": 16}, {"lun": 3, "size_gb": 8}]
    )
    image_id = (
        client.images.begin_create_or_update(
            RG, "img", {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
        )
        .result()
        .id
    )
    make_gallery(client, definition_body(security="TrustedLaunch"))
    sim.seed_vm(
        "tl-vm",
        resource_group=RG,
        location=LOCATION,
        generalized=True,
        power_state="deallocated",
        security_type="TrustedLaunch",
        os_disk_size_gb=40,
        data_disks=[{"lun": 1, "size_gb": 4}],
    )
    tl_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/tl-vm"
    version_id = (
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", version_body(tl_id))
        .result()
        .id
    )
    for name, source in (("from-image", image_id), ("from-version", version_id)):
        body = {"location": LOCATION, "properties": {"storageProfile": {"imageReference": {"id": source}}}}
        if source == version_id:  # a generalized TrustedLaunch definition: an OS profile, a TrustedLaunch VM
            body["properties"]["osProfile"] = LINUX_OS_PROFILE
            body["properties"]["securityProfile"] = {"securityType": "TrustedLaunch"}
        poller = client.virtual_machines.begin_create_or_update(RG, name, body)
        assert poller.polling_method()._initial_response.http_response.status_code == 201
        assert poller.result().properties.provisioning_state == "Succeeded"
    from_image = client.virtual_machines.get(RG, "from-image")
    assert from_image.properties.storage_profile.image_reference.id == image_id
    assert from_image.properties.storage_profile.os_disk.disk_size_gb == 64
    assert [(d.lun, d.disk_size_gb) for d in from_image.properties.storage_profile.data_disks] == [
        (0, 16),
        (3, 8),
    ]
    from_version = client.virtual_machines.get(RG, "from-version", expand="instanceView")
    assert [(d.lun, d.disk_size_gb) for d in from_version.properties.storage_profile.data_disks] == [(1, 4)]
    assert from_version.properties.security_profile.security_type == "TrustedLaunch"
    assert from_version.properties.instance_view.statuses[-1].code == "PowerState/running"
    assert {vm.name for vm in client.virtual_machines.list(RG)} == {
        "build-vm",
        "tl-vm",
        "from-image",
        "from-version",
    }
    assert list(client.virtual_machines.list("another-rg")) == []
