"""What gallery api-version 2025-03-03 changes (the SDK sends 2026-03-03, which keeps it; 2024-03-03
is asked for per call): the storage account strategy, Trusted Launch defaults and the validations
profile. And the VM rules issue 15 checked against recorded traffic: OS-disk caching, capture, and
how long a VM creation takes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import (
    LOCATION,
    RG,
    definition_body,
    generalized_vm,
    make_gallery,
    version_body,
)

pytestmark = pytest.mark.timeout(30)
OLD = "2024-03-03"


def regions(version: Any) -> dict[str, str]:
    return {r.name: r.storage_account_type for r in version.properties.publishing_profile.target_regions}


# --- storageAccountStrategy ---------------------------------------------------------------------------
def test_without_a_storage_type_the_version_prefers_zrs(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    body = version_body(vm_id, "westus", "eastus")
    body["properties"]["publishingProfile"]["targetRegions"].append(
        {"name": "eastus2", "storageAccountType": "Premium_LRS"}
    )
    version = client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", body).result()
    profile = version.properties.publishing_profile
    assert (profile.storage_account_strategy, profile.storage_account_type) == ("PreferStandard_ZRS", None)
    # westus has no availability zones, eastus has; a region's own type wins
    assert regions(version) == {"westus": "Standard_LRS", "eastus": "Standard_ZRS", "eastus2": "Premium_LRS"}


def test_default_standard_lrs_and_explicit_types(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    lrs = client.gallery_image_versions.begin_create_or_update(
        RG,
        "gal",
        "app",
        "1.0.0",
        version_body(vm_id, "westus", "eastus", storageAccountStrategy="DefaultStandard_LRS"),
    ).result()
    assert regions(lrs) == {"westus": "Standard_LRS", "eastus": "Standard_LRS"}
    typed = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.1", version_body(vm_id, "westus", "eastus", storageAccountType="Standard_LRS")
    ).result()
    profile = typed.properties.publishing_profile
    assert (profile.storage_account_strategy, profile.storage_account_type) == (None, "Standard_LRS")
    assert regions(typed) == {"westus": "Standard_LRS", "eastus": "Standard_LRS"}


@pytest.mark.parametrize(
    ("api_version", "strategy", "top_level", "eastus"),
    [
        (OLD, None, "Standard_LRS", "Standard_LRS"),
        ("2025-03-03", "PreferStandard_ZRS", None, "Standard_ZRS"),
    ],
)
def test_the_strategy_default_starts_with_2025_03_03(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    api_version: str,
    strategy: str | None,
    top_level: str | None,
    eastus: str,
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id, "westus", "eastus"), api_version=api_version
    ).result()
    profile = version.properties.publishing_profile
    assert (profile.storage_account_strategy, profile.storage_account_type) == (strategy, top_level)
    assert regions(version) == {"westus": "Standard_LRS", "eastus": eastus}
    assert {e.api_version for e in sim.requests() if e.operation.startswith("galleryImageVersions")} == {
        api_version
    }


def test_strategy_and_top_level_type_cannot_be_combined(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    body = version_body(vm_id, storageAccountStrategy="PreferStandard_ZRS", storageAccountType="Standard_LRS")
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", body)
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidParameter")
    assert err.value.error.target == "galleryImageVersion.properties.publishingProfile"
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", version_body(vm_id, storageAccountStrategy="PreferPremium")
        )
    assert "PreferStandard_ZRS, DefaultStandard_LRS" in err.value.error.message


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"storageAccountStrategy": "DefaultStandard_LRS"}, "storageAccountStrategy"),
        ({"storageAccountType": "Standard_ZRS"}, "storageAccountType"),
    ],
)
def test_the_strategy_cannot_change(
    sim: ArmsimHandle, client: ComputeManagementClient, profile: dict[str, str], field: str
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_image_versions.begin_update(
            RG, "gal", "app", "1.0.0", {"properties": {"publishingProfile": profile}}
        )
    assert err.value.error.code == "PropertyChangeNotAllowed"
    assert err.value.error.target == f"galleryImageVersion.properties.publishingProfile.{field}"


def test_a_region_added_later_follows_the_strategy(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    update = {
        "properties": {"publishingProfile": {"targetRegions": [{"name": "westus"}, {"name": "northeurope"}]}}
    }
    updated = client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", update).result()
    assert regions(updated) == {"westus": "Standard_LRS", "northeurope": "Standard_ZRS"}
    assert updated.properties.publishing_profile.storage_account_strategy == "PreferStandard_ZRS"


# --- Trusted Launch defaults and the validations profile ---------------------------------------------------
def test_definitions_default_to_trusted_launch_supported_only_from_2025(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    client.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result()
    body = definition_body()
    del body["properties"]["hyperVGeneration"]
    old = client.gallery_images.begin_create_or_update(RG, "gal", "old", body, api_version=OLD).result()
    assert (old.properties.hyper_v_generation, old.properties.features) == ("V1", None)
    standard = definition_body(security="Standard")
    del standard["properties"]["hyperVGeneration"]
    opted_out = client.gallery_images.begin_create_or_update(RG, "gal", "std", standard).result()
    assert [(f.name, f.value) for f in opted_out.properties.features] == [("SecurityType", "Standard")]


def test_a_trusted_launch_supported_version_is_validated_in_about_an_hour(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim, hyper_v_generation="V2")
    make_gallery(client, definition_body(security="TrustedLaunchSupported"))
    created = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    assert created.properties.validations_profile is None  # shown with $expand=ValidationProfile only
    profile = client.gallery_image_versions.get(
        RG, "gal", "app", "1.0.0", expand="ValidationProfile"
    ).properties.validations_profile
    [check] = profile.executed_validations
    assert (check.type, check.status, check.version) == ("TrustedLaunch", "Unknown", "1.0.0")
    assert profile.validation_etag is not None
    assert profile.platform_attributes == []  # a seeded VM comes from no marketplace image
    published = created.properties.publishing_profile.published_date
    sim.clock.advance_to(published + timedelta(seconds=sim.backend.timing.trusted_launch_validation))
    both = client.gallery_image_versions.get(
        RG, "gal", "app", "1.0.0", expand="ValidationProfile,ReplicationStatus"
    )
    assert both.properties.validations_profile.executed_validations[0].status == "Succeeded"
    assert both.properties.replication_status.aggregated_state == "Completed"


def test_a_standard_definition_runs_no_trusted_launch_check(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim)
    make_gallery(client, definition_body(security="Standard"))
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    got = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0", expand="ValidationProfile")
    assert got.properties.validations_profile.executed_validations == []


def marketplace_vm(client: ComputeManagementClient, name: str = "built", caching: str | None = None) -> Any:
    os_disk: dict[str, Any] = {"createOption": "FromImage"}
    if caching:
        os_disk["caching"] = caching
    body = {
        "location": LOCATION,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_D2s_v5"},
            "storageProfile": {
                "imageReference": {
                    "publisher": "Canonical",
                    "offer": "ubuntu-24_04-lts",
                    "sku": "server",
                    "version": "latest",
                },
                "osDisk": os_disk,
            },
            "osProfile": {"computerName": name, "adminUsername": "azureuser"},
        },
    }
    return client.virtual_machines.begin_create_or_update(RG, name, body).result()


def test_platform_attributes_name_the_marketplace_image(sim: ArmsimHandle, client: ComputeManagementClient):
    vm = marketplace_vm(client)
    client.virtual_machines.begin_deallocate(RG, "built").result()
    client.virtual_machines.generalize(RG, "built")
    make_gallery(client, definition_body(generation="V1"))
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(str(vm.id))
    ).result()
    profile = client.gallery_image_versions.get(
        RG, "gal", "app", "1.0.0", expand="ValidationProfile"
    ).properties.validations_profile
    assert {a.name: a.value for a in profile.platform_attributes} == {
        "source_image_publisher": "Canonical",
        "source_image_offer": "ubuntu-24_04-lts",
        "source_image_sku": "server",
        "source_image_version": "latest",
    }


# --- virtual machines ------------------------------------------------------------------------------------
def test_vm_creation_keeps_the_os_disk_caching_and_makes_its_disk(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm = marketplace_vm(client, caching="ReadOnly")
    os_disk = vm.properties.storage_profile.os_disk
    assert os_disk.caching == "ReadOnly"
    assert client.virtual_machines.get(RG, "built").properties.storage_profile.os_disk.caching == "ReadOnly"
    disk = client.disks.get(RG, os_disk.name)
    assert (disk.managed_by, disk.properties.disk_state, disk.properties.os_type) == (
        vm.id,
        "Attached",
        "Linux",
    )
    assert marketplace_vm(client, "default").properties.storage_profile.os_disk.caching == "ReadWrite"


def test_vm_creation_takes_as_long_as_recorded(sim: ArmsimHandle, client: ComputeManagementClient):
    """The recorded VM PUT's operation ran 53.7 s (startTime 06:52:21.62, endTime 06:53:15.34 in
    test_mgmt_compute_vm.test_compute_vm.yaml), its first GET after Succeeded came 61 s after the
    PUT: armsim's VM creation takes those 54 s."""
    start = sim.clock.now()
    body = {
        "location": LOCATION,
        "properties": {
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest"}
            }
        },
    }
    client.virtual_machines.begin_create_or_update(RG, "vm", body, polling=False)
    sim.clock.advance_to(start + timedelta(seconds=53))
    assert client.virtual_machines.get(RG, "vm").properties.provisioning_state == "Creating"
    sim.clock.advance_to(start + timedelta(seconds=54))
    assert client.virtual_machines.get(RG, "vm").properties.provisioning_state == "Succeeded"


def test_capture_is_refused_for_a_vm_with_managed_disks(sim: ArmsimHandle, client: ComputeManagementClient):
    generalized_vm(sim)
    parameters = {"vhdPrefix": "img", "destinationContainerName": "vhds", "overwriteVhds": True}
    with pytest.raises(ResourceExistsError) as err:
        client.virtual_machines.begin_capture(RG, "build-vm", parameters)
    assert (err.value.status_code, err.value.error.code) == (409, "OperationNotAllowed")
    assert err.value.error.message.startswith(
        "The Capture action is only supported on a Virtual Machine with blob based disks."
    )
    with pytest.raises(ResourceNotFoundError):
        client.virtual_machines.begin_capture(RG, "nothing", parameters)
