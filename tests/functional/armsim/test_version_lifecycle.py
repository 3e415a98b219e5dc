"""An image version's lifecycle through the real SDK: safetyProfile, region removal by PATCH,
excludeFromLatest and latest, gallery soft delete (list, restore, purge)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LOCATION, RG
from tests.functional.armsim.gate_support import definition_id, make_version, vm_body

pytestmark = pytest.mark.timeout(30)


def latest(client: ComputeManagementClient, name: str, location: str = LOCATION) -> str:
    vm = client.virtual_machines.begin_create_or_update(RG, name, vm_body(definition_id(), location=location))
    return str(vm.result().properties.storage_profile.image_reference.exact_version)


def update(client: ComputeManagementClient, version: str, properties: dict[str, Any], **kwargs: Any) -> Any:
    return client.gallery_image_versions.begin_update(
        RG, "gal", "app", version, {"properties": properties}, **kwargs
    )


def names(client: ComputeManagementClient) -> list[str]:
    return [v.name for v in client.gallery_image_versions.list_by_gallery_image(RG, "gal", "app")]


def soft_deleted(client: ComputeManagementClient) -> list[Any]:
    return list(client.soft_deleted_resource.list_by_artifact_name(RG, "gal", "images", "app"))


# --- safetyProfile ---------------------------------------------------------------------------------
def test_block_deletion_before_end_of_life(sim: ArmsimHandle, client: ComputeManagementClient):
    end_of_life = sim.clock.now() + timedelta(days=30)
    make_version(
        sim,
        client,
        publishingProfile={"endOfLifeDate": end_of_life.isoformat()},
        safetyProfile={"blockDeletionBeforeEndOfLife": True},
    )
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0")
    assert (err.value.status_code, err.value.error.code) == (409, "OperationNotAllowed")
    assert err.value.error.message == (
        "Gallery image version '1.0.0' cannot be deleted before its end of life date "
        f"'{end_of_life.isoformat()}': its safetyProfile.blockDeletionBeforeEndOfLife is true."
    )
    version = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0")
    assert version.properties.safety_profile.block_deletion_before_end_of_life is True
    sim.advance(30 * 86400)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    assert names(client) == []


def test_block_deletion_without_an_end_of_life_holds_until_patched_off(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, safetyProfile={"blockDeletionBeforeEndOfLife": True})
    with pytest.raises(ResourceExistsError):
        client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0")
    updated = update(client, "1.0.0", {"safetyProfile": {"blockDeletionBeforeEndOfLife": False}}).result()
    assert updated.properties.safety_profile.block_deletion_before_end_of_life is False
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    assert names(client) == []


def test_replicated_regions_cannot_be_removed_unless_allowed(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(
        sim, client, regions=("westus", "eastus"), safetyProfile={"allowDeletionOfReplicatedLocations": False}
    )
    west_only = {"publishingProfile": {"targetRegions": [{"name": "westus"}]}}
    with pytest.raises(ResourceExistsError) as err:
        update(client, "1.0.0", west_only)
    assert (err.value.error.code, err.value.error.target) == (
        "OperationNotAllowed",
        "galleryImageVersion.properties.publishingProfile.targetRegions",
    )
    assert "'eastus'" in err.value.error.message
    assert latest(client, "east", "eastus") == "1.0.0"
    update(client, "1.0.0", {"safetyProfile": {"allowDeletionOfReplicatedLocations": True}}).result()
    removed = update(client, "1.0.0", west_only).result()
    assert [t.name for t in removed.properties.publishing_profile.target_regions] == ["westus"]
    with pytest.raises(ResourceNotFoundError) as gone:
        latest(client, "east-again", "eastus")
    assert gone.value.error.code == "GalleryImageNotFound"


def test_the_source_region_cannot_be_removed(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, regions=("westus", "eastus"))
    with pytest.raises(HttpResponseError) as err:
        update(client, "1.0.0", {"publishingProfile": {"targetRegions": [{"name": "eastus"}]}})
    assert (err.value.status_code, err.value.error.code) == (400, "InvalidParameter")


# --- latest ----------------------------------------------------------------------------------------
def test_exclude_from_latest_by_patch_moves_latest(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, "1.0.0")
    make_version(sim, client, "1.1.0")
    assert latest(client, "vm-1") == "1.1.0"
    update(client, "1.1.0", {"publishingProfile": {"excludeFromLatest": True}}).result()
    assert latest(client, "vm-2") == "1.0.0"
    update(client, "1.1.0", {"publishingProfile": {"excludeFromLatest": False}}).result()
    assert latest(client, "vm-3") == "1.1.0"


def test_a_version_updating_or_failed_is_not_latest(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, "1.0.0")
    make_version(sim, client, "1.1.0")
    update(client, "1.1.0", {"publishingProfile": {"replicaCount": 2}}, polling=False)  # Updating a while
    assert latest(client, "vm-1") == "1.0.0"
    sim.set_fault("galleryImageVersions.createOrUpdate", kind="replication_failure", region="westus")
    with pytest.raises(HttpResponseError):
        make_version(sim, client, "2.0.0")
    assert latest(client, "vm-2") == "1.1.0"


# --- soft delete -----------------------------------------------------------------------------------
def test_the_gallery_reports_its_soft_delete_policy(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, soft_delete=True)
    assert client.galleries.get(RG, "gal").properties.soft_delete_policy.is_soft_delete_enabled is True
    client.galleries.begin_update(
        RG, "gal", {"properties": {"softDeletePolicy": {"isSoftDeleteEnabled": False}}}, polling=False
    )
    assert client.galleries.get(RG, "gal").properties.soft_delete_policy.is_soft_delete_enabled is False


def test_a_soft_deleted_version_leaves_the_list_and_latest(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, "1.0.0", soft_delete=True)
    version_id = make_version(sim, client, "1.1.0")
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.1.0").result()
    deleted_at = sim.clock.now()
    assert names(client) == ["1.0.0"]
    with pytest.raises(ResourceNotFoundError):
        client.gallery_image_versions.get(RG, "gal", "app", "1.1.0")
    (entry,) = soft_deleted(client)
    assert entry.name == "1.1.0"
    assert entry.properties.resource_arm_id == version_id
    assert entry.properties.soft_deleted_artifact_type == "Images"
    assert entry.properties.soft_deleted_time == deleted_at.isoformat()
    assert entry.id.endswith("/galleries/gal/softDeletedArtifactTypes/Images/artifacts/app/versions/1.1.0")
    assert latest(client, "vm-1") == "1.0.0"
    # by its own id a soft-deleted version stays consumable until it is purged
    pinned = client.virtual_machines.begin_create_or_update(RG, "vm-2", vm_body(version_id)).result()
    assert pinned.properties.storage_profile.image_reference.exact_version == "1.1.0"


def test_restore_by_patch_brings_the_version_back(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, "1.0.0", soft_delete=True)
    make_version(sim, client, "1.1.0")
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.1.0").result()
    poller = update(client, "1.1.0", {"restore": True, "storageProfile": {}})
    assert poller.polling_method()._initial_response.http_response.status_code == 200
    assert poller.result().properties.provisioning_state == "Succeeded"
    assert names(client) == ["1.0.0", "1.1.0"]
    assert soft_deleted(client) == []
    assert latest(client, "vm-1") == "1.1.0"


def test_restore_by_put_of_its_location(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, soft_delete=True)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    restored = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", {"location": LOCATION}
    )
    assert restored.result().properties.provisioning_state == "Succeeded"
    assert names(client) == ["1.0.0"]


def test_a_new_version_cannot_take_a_soft_deleted_name(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, soft_delete=True)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    with pytest.raises(ResourceExistsError) as err:
        make_version(sim, client)
    assert err.value.error.code == "Conflict"
    with pytest.raises(ResourceNotFoundError):  # PATCH without restore: the version is not there
        update(client, "1.0.0", {"publishingProfile": {"excludeFromLatest": True}})


def test_bypass_soft_delete_deletes_for_good(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client, "1.0.0", soft_delete=True)
    make_version(sim, client, "1.1.0")
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0", bypass_soft_delete=True).result()
    assert soft_deleted(client) == []
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.1.0").result()
    assert [e.name for e in soft_deleted(client)] == ["1.1.0"]
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.1.0", bypass_soft_delete=True).result()
    assert soft_deleted(client) == []
    make_version(sim, client, "1.1.0")  # the name is free again


def test_soft_deleted_versions_are_purged_after_the_retention(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, soft_delete=True)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    sim.advance(7 * 86400 - 1)
    assert len(soft_deleted(client)) == 1
    sim.advance(1)
    assert soft_deleted(client) == []
    with pytest.raises(ResourceNotFoundError):
        update(client, "1.0.0", {"restore": True, "storageProfile": {}})


def test_a_definition_with_soft_deleted_versions_cannot_be_deleted(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_version(sim, client, soft_delete=True)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_images.begin_delete(RG, "gal", "app")
    assert err.value.error.code == "CannotDeleteResource"
    client.galleries.begin_update(
        RG, "gal", {"properties": {"softDeletePolicy": {"isSoftDeleteEnabled": False}}}
    ).result()
    client.gallery_images.begin_delete(RG, "gal", "app").result()
    assert soft_deleted(client) == []


def test_a_failed_version_cannot_be_deleted_while_soft_delete_is_on(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    sim.set_fault("galleryImageVersions.createOrUpdate", kind="replication_failure", region="westus")
    with pytest.raises(HttpResponseError):
        make_version(sim, client, soft_delete=True)
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0")
    assert err.value.error.code == "OperationNotAllowed"
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0", bypass_soft_delete=True).result()
    assert names(client) == [] and soft_deleted(client) == []


def test_without_soft_delete_a_deleted_version_is_gone(sim: ArmsimHandle, client: ComputeManagementClient):
    make_version(sim, client)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0").result()
    assert soft_deleted(client) == []
    with pytest.raises(HttpResponseError) as err:
        list(client.soft_deleted_resource.list_by_artifact_name(RG, "gal", "applications", "app"))
    assert err.value.error.code == "InvalidParameter"
