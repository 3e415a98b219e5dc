"""VMs created from gallery images through the real SDK: version or definition (latest) ids, the
region the image must be replicated to, the OS profile the OS state asks for, security types."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LINUX_OS_PROFILE, RG, SUB
from tests.functional.armsim.gate_support import WINDOWS_OS_PROFILE, definition_id, make_version, vm_body

pytestmark = pytest.mark.timeout(30)


def refusal(client: ComputeManagementClient, body: dict[str, Any], name: str = "gate") -> HttpResponseError:
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_create_or_update(RG, name, body, polling=False)
    with pytest.raises(ResourceNotFoundError):  # nothing was created
        client.virtual_machines.get(RG, name)
    return err.value


def test_vm_from_a_version_is_creating_for_the_vm_create_time(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client)
    poller = client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(version_id), polling=False)
    initial = poller.polling_method()._initial_response.http_response
    assert initial.status_code == 201
    assert initial.json()["properties"]["provisioningState"] == "Creating"
    sim.advance(sim.backend.timing.vm_create - 1)
    assert client.virtual_machines.get(RG, "gate").properties.provisioning_state == "Creating"
    sim.advance(1)
    vm = client.virtual_machines.get(RG, "gate")
    assert vm.properties.provisioning_state == "Succeeded"
    assert vm.properties.storage_profile.image_reference.id == version_id
    assert vm.properties.storage_profile.image_reference.exact_version == "1.0.0"
    assert vm.properties.os_profile.admin_username == "ops"


def test_definition_id_means_the_latest_version(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, "1.2.0")
    make_version(sim, client, "1.10.0")  # numerically higher than 1.2.0
    make_version(sim, client, "1.11.0", publishingProfile={"excludeFromLatest": True})
    vm = client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(definition_id())).result()
    assert vm.properties.storage_profile.image_reference.id == definition_id()
    assert vm.properties.storage_profile.image_reference.exact_version == "1.10.0"


def test_latest_is_resolved_in_the_vms_region(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, "1.0.0", regions=("westus", "eastus"))
    make_version(sim, client, "2.0.0", regions=("westus",))
    make_version(
        sim,
        client,
        "3.0.0",
        regions=("westus", "eastus"),
        publishingProfile={},
    )
    client.gallery_image_versions.begin_update(
        RG,
        "gal",
        "app",
        "3.0.0",
        {
            "properties": {
                "publishingProfile": {
                    "targetRegions": [{"name": "westus"}, {"name": "eastus", "excludeFromLatest": True}]
                }
            }
        },
    ).result()
    east = client.virtual_machines.begin_create_or_update(
        RG, "east", vm_body(definition_id(), location="eastus")
    ).result()
    west = client.virtual_machines.begin_create_or_update(RG, "west", vm_body(definition_id())).result()
    assert east.properties.storage_profile.image_reference.exact_version == "1.0.0"
    assert west.properties.storage_profile.image_reference.exact_version == "3.0.0"


def test_an_image_not_replicated_in_the_vms_region_is_not_found(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client, regions=("westus",))
    err = refusal(client, vm_body(version_id, location="eastus"))
    assert err.status_code == 404
    assert err.error.code == "GalleryImageNotFound"
    assert err.error.message == (
        f"The gallery image {version_id} is not available in eastus region. Please contact image owner to "
        "replicate to this region, or change your requested region."
    )
    assert refusal(client, vm_body(definition_id(), location="eastus")).error.code == "GalleryImageNotFound"


@pytest.mark.parametrize(
    "image_id",
    [
        f"{definition_id()}/versions/9.9.9",
        definition_id("missing"),
        f"{definition_id('missing')}/versions/1.0.0",
    ],
)
def test_a_missing_version_or_definition_is_not_found(
    sim: ArmsimHandle, client: ComputeManagementClient, image_id: str
):
    make_version(sim, client)
    err = refusal(client, vm_body(image_id))
    assert (err.status_code, err.error.code) == (404, "GalleryImageNotFound")
    assert image_id in err.error.message


def test_a_version_still_replicating_is_not_yet_available(sim: ArmsimHandle, client: ComputeManagementClient):
    version_id = make_version(sim, client, wait=False)
    assert refusal(client, vm_body(version_id)).error.code == "GalleryImageNotFound"
    assert refusal(client, vm_body(definition_id())).error.code == "GalleryImageNotFound"
    sim.advance(24 * 3600)
    vm = client.virtual_machines.begin_create_or_update(RG, "gate", vm_body(version_id)).result()
    assert vm.properties.provisioning_state == "Succeeded"


NO_KEYS = {"adminUsername": "ops", "linuxConfiguration": {"disablePasswordAuthentication": True}}
BAD_PATH = {
    "adminUsername": "ops",
    "linuxConfiguration": {
        "disablePasswordAuthentication": True,
        "ssh": {"publicKeys": [{"path": "/root/.ssh/authorized_keys", "keyData": "ssh-ed25519 AAAA"}]},
    },
}


@pytest.mark.parametrize(
    ("os_type", "profile", "target", "message"),
    [
        ("Linux", None, "osProfile", "Required parameter 'osProfile' is missing (null)."),
        (
            "Linux",
            {"computerName": "gate"},
            "adminUsername",
            "Required parameter 'adminUsername' is missing (null).",
        ),
        (
            "Linux",
            {"adminUsername": "ops"},
            "linuxConfiguration",
            "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
        ),
        (
            "Linux",
            {**NO_KEYS, "adminPassword": "Secret-123"},  # a password that password login is disabled for
            "linuxConfiguration",
            "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
        ),
        (
            "Linux",
            BAD_PATH,
            "linuxConfiguration.ssh.publicKeys.path",
            "Destination path for SSH public keys is currently limited to its default value "
            "/home/ops/.ssh/authorized_keys due to a known issue in Linux provisioning agent.",
        ),
        (
            "Windows",
            {"adminUsername": "ops"},
            "adminPassword",
            "Required parameter 'adminPassword' is missing (null).",
        ),
    ],
)
def test_a_generalized_image_needs_an_os_profile(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    os_type: str,
    profile: dict[str, Any] | None,
    target: str,
    message: str,
):
    version_id = make_version(sim, client, os_type=os_type)
    err = refusal(client, vm_body(version_id, os_profile=profile))
    assert (err.status_code, err.error.code, err.error.target) == (400, "InvalidParameter", target)
    assert err.error.message == message


@pytest.mark.parametrize(
    ("os_type", "profile"),
    [
        ("Linux", LINUX_OS_PROFILE),
        ("Linux", {"adminUsername": "ops", "adminPassword": "Gate-Secret-123"}),
        ("Windows", WINDOWS_OS_PROFILE),
    ],
)
def test_a_generalized_image_takes_a_key_or_a_password_and_never_returns_the_password(
    sim: ArmsimHandle, client: ComputeManagementClient, os_type: str, profile: dict[str, Any]
):
    version_id = make_version(sim, client, os_type=os_type)
    client.virtual_machines.begin_create_or_update(
        RG, "gate", vm_body(version_id, os_profile=profile)
    ).result()
    vm = client.virtual_machines.get(RG, "gate")
    assert vm.properties.os_profile.admin_username == "ops"
    assert vm.properties.os_profile.admin_password is None
    listed = [v.as_dict() for v in client.virtual_machines.list(RG)]
    assert "Gate-Secret-123" not in str(listed)
    if os_type == "Linux":
        keys = vm.properties.os_profile.linux_configuration.ssh
        assert (keys is not None) == ("linuxConfiguration" in profile)


def test_a_specialized_image_forbids_an_os_profile(sim: ArmsimHandle, client: ComputeManagementClient):
    version_id = make_version(sim, client, os_state="Specialized")
    err = refusal(client, vm_body(version_id))
    assert (err.status_code, err.error.code, err.error.target) == (400, "InvalidParameter", "osProfile")
    assert err.error.message == "Parameter 'osProfile' is not allowed."
    vm = client.virtual_machines.begin_create_or_update(
        RG, "gate", vm_body(version_id, os_profile=None)
    ).result()
    assert vm.properties.provisioning_state == "Succeeded"
    assert vm.properties.os_profile is None


ONLY = "The provided gallery image only supports creation of VMs and VM Scale Sets with '{}' security type."
ONLY_TL, ONLY_CVM = ONLY.format("TrustedLaunch"), ONLY.format("ConfidentialVM")
NO_TL = (
    "Use of TrustedLaunch setting is not supported for the provided image. Please select Trusted Launch "
    "Supported Gen2 OS Image."
)
NO_CVM = (
    "Use of ConfidentialVM setting is not supported for the provided image. Please select a Confidential VM "
    "Supported OS Image."
)


@pytest.mark.parametrize(
    ("feature", "source", "requested", "refused"),
    [
        ("TrustedLaunch", "TrustedLaunch", None, ONLY_TL),
        ("TrustedLaunch", "TrustedLaunch", "Standard", ONLY_TL),
        ("TrustedLaunch", "TrustedLaunch", "TrustedLaunch", None),
        ("ConfidentialVM", "ConfidentialVM", "TrustedLaunch", ONLY_CVM),
        ("ConfidentialVM", "ConfidentialVM", "ConfidentialVM", None),
        ("Standard", "Standard", "TrustedLaunch", NO_TL),
        ("Standard", "Standard", "ConfidentialVM", NO_CVM),
        ("Standard", "Standard", None, None),
        (
            None,
            "Standard",
            "TrustedLaunch",
            None,
        ),  # api 2025-03-03+: a V2 definition is TrustedLaunchSupported
        ("TrustedLaunchSupported", "Standard", "TrustedLaunch", None),
        ("TrustedLaunchSupported", "Standard", None, None),
        ("TrustedLaunchSupported", "Standard", "ConfidentialVM", NO_CVM),
        ("TrustedLaunchAndConfidentialVmSupported", "Standard", "ConfidentialVM", None),
    ],
)
def test_the_security_type_must_fit_the_definition(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    feature: str | None,
    source: str,
    requested: str | None,
    refused: str | None,
):
    version_id = make_version(sim, client, security=feature, source_security=source)
    body = vm_body(version_id, security=requested)
    if refused is not None:
        err = refusal(client, body)
        assert (err.status_code, err.error.code, err.error.message) == (400, "BadRequest", refused)
        return
    vm = client.virtual_machines.begin_create_or_update(RG, "gate", body).result()
    reported = vm.properties.security_profile.security_type if vm.properties.security_profile else "Standard"
    assert reported == (requested or "Standard")


def test_a_version_in_another_subscription_scope_is_read_from_its_own_id(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    version_id = make_version(sim, client)
    other = version_id.replace(
        f"/subscriptions/{SUB}/", "/subscriptions/11111111-1111-1111-1111-111111111111/"
    )
    assert refusal(client, vm_body(other)).error.code == "GalleryImageNotFound"
