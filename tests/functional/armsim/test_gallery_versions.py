"""Galleries, definitions and image versions: capture, replication, the rules Azure enforces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle, VirtualTimeTransport
from tests.functional.armsim.conftest import (
    LOCATION,
    RG,
    definition_body,
    generalized_vm,
    make_gallery,
    seed,
    version_body,
)

pytestmark = pytest.mark.timeout(30)


def replication(client: ComputeManagementClient, version: str = "1.0.0") -> dict[str, tuple[str, int]]:
    got = client.gallery_image_versions.get(RG, "gal", "app", version, expand="ReplicationStatus")
    return {s.region: (s.state, s.progress) for s in got.properties.replication_status.summary}


def test_version_from_vm_captures_disks_and_completes_in_every_region(
    sim: ArmsimHandle, client: ComputeManagementClient, transport: VirtualTimeTransport
):
    vm_id = generalized_vm(
        sim, os_disk_size_gb=64, data_disks=[{"lun": 0, "size_gb": 128}, {"lun": 3, "size_gb": 8}]
    )
    make_gallery(client)
    start = sim.clock.now()
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id, "West US", "East US", "North Europe")
    ).result()
    assert version.properties.provisioning_state == "Succeeded"
    storage = version.properties.storage_profile
    assert storage.source.virtual_machine_id == vm_id
    assert storage.os_disk_image.size_in_gb == 64
    assert [(d.lun, d.size_in_gb) for d in storage.data_disk_images] == [(0, 128), (3, 8)]
    assert replication(client) == {
        "West US": ("Completed", 100),
        "East US": ("Completed", 100),
        "North Europe": ("Completed", 100),
    }
    # Source region first, then the others in parallel: at least two replication windows passed.
    single_region = sim.backend.timing.replication_seconds(200, 1, "Standard_LRS", False)
    assert sim.clock.now() - start >= timedelta(seconds=2 * single_region)
    assert 60.0 in transport.slept  # Retry-After of version operations


def test_replication_progress_grows_linearly_source_region_first(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim, os_disk_size_gb=100)
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG,
        "gal",
        "app",
        "1.0.0",
        version_body(vm_id, "westus", "eastus", storageAccountType="Standard_LRS"),
        polling=False,
    )
    region_seconds = sim.backend.timing.replication_seconds(100, 1, "Standard_LRS", False)
    sim.advance(region_seconds / 2)
    halfway = replication(client)
    assert halfway["westus"] == ("Replicating", 50)
    assert halfway["eastus"] == ("Replicating", 0)
    got = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0", expand="ReplicationStatus")
    assert got.properties.provisioning_state == "Creating"
    assert got.properties.replication_status.aggregated_state == "InProgress"
    sim.advance(region_seconds)
    assert replication(client) == {"westus": ("Completed", 100), "eastus": ("Replicating", 50)}
    sim.advance(region_seconds)
    assert (
        client.gallery_image_versions.get(RG, "gal", "app", "1.0.0").properties.provisioning_state
        == "Succeeded"
    )


def test_premium_and_zrs_replicate_slower_and_shallow_much_faster(sim: ArmsimHandle):
    timing = sim.backend.timing
    standard = timing.replication_seconds(128, 1, "Standard_LRS", False)
    assert timing.replication_seconds(128, 1, "Standard_ZRS", False) > standard
    assert timing.replication_seconds(128, 1, "Premium_LRS", False) > standard
    assert timing.replication_seconds(128, 5, "Standard_LRS", False) > standard
    assert timing.replication_seconds(128, 1, "Standard_LRS", True) < standard / 10


def test_omitted_target_regions_default_to_the_gallery_region(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    body = version_body(vm_id)
    del body["properties"]["publishingProfile"]
    version = client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", body).result()
    assert [t.name for t in version.properties.publishing_profile.target_regions] == [LOCATION]


def test_target_regions_must_include_the_gallery_region(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", version_body(vm_id, "eastus")
        )
    assert err.value.status_code == 400
    assert err.value.error.code == "InvalidParameter"
    assert "must contain the location of image version 'westus'" in err.value.error.message


@pytest.mark.parametrize(
    ("regions", "fragment"),
    [
        ([{"name": "westus", "regionalReplicaCount": 0}], "between '1' and '100'"),
        ([{"name": "westus", "regionalReplicaCount": 101}], "between '1' and '100'"),
        ([{"name": "westus"}, {"name": "West US"}], "more than once"),
    ],
)
def test_replica_counts_and_unique_regions(
    sim: ArmsimHandle, client: ComputeManagementClient, regions: list[dict[str, object]], fragment: str
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    body = version_body(vm_id)
    body["properties"]["publishingProfile"] = {"targetRegions": regions}
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", body)
    assert err.value.error.code == "InvalidParameter"
    assert fragment in err.value.error.message


@pytest.mark.parametrize("name", ["1.0", "1.0.0.0", "v1.0.0", "1.0.2147483648", "1.-1.0"])
def test_version_names_are_three_int32_parts(sim: ArmsimHandle, client: ComputeManagementClient, name: str):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", name, version_body(vm_id))
    assert err.value.error.code == "InvalidParameter"
    assert err.value.error.target == "galleryImageVersionName"


def test_largest_int32_version_name_is_accepted(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    name = "2147483647.0.2147483647"
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", name, version_body(vm_id)
    )
    assert version.result().name == name


def test_specialized_vm_cannot_become_a_generalized_version(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = seed(sim, power_state="deallocated")
    make_gallery(client)
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", version_body(vm_id))
    assert err.value.status_code == 400
    assert err.value.error.code == "BadRequest"
    assert err.value.error.message == (
        f"The resource with id '{vm_id}' has a different OS state ['Specialized'] "
        "than the parent gallery image OS state ['Generalized']."
    )


def test_specialized_definition_takes_a_specialized_vm(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = seed(sim, power_state="deallocated")
    make_gallery(client, definition_body(os_state="Specialized"))
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    )
    assert version.result().properties.provisioning_state == "Succeeded"


@pytest.mark.parametrize(
    ("vm_spec", "definition", "what"),
    [
        ({"os_type": "Windows"}, definition_body(os_type="Linux"), "OS type ['Windows']"),
        ({"hyper_v_generation": "V1"}, definition_body(generation="V2"), "Hypervisor generation ['V1']"),
        (
            {"security_type": "TrustedLaunch"},
            definition_body(security="Standard"),
            "security type ['TrustedLaunch']",
        ),
        (
            {"security_type": "Standard"},
            definition_body(security="TrustedLaunch"),
            "security type ['Standard']",
        ),
    ],
)
def test_source_must_match_the_definition(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    vm_spec: dict[str, str],
    definition: dict[str, object],
    what: str,
):
    vm_id = generalized_vm(sim, **vm_spec)
    make_gallery(client, definition)
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", version_body(vm_id))
    # Azure answers a generation mismatch with Conflict (409), the other mismatches with BadRequest.
    assert err.value.error.code == ("Conflict" if "Hypervisor" in what else "BadRequest")
    assert what in err.value.error.message


def test_trusted_launch_supported_definition_takes_standard_and_trusted_launch(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    make_gallery(client, definition_body(security="TrustedLaunchSupported"))
    for number, security in enumerate(["Standard", "TrustedLaunch"]):
        vm_id = generalized_vm(sim, f"vm-{number}", security_type=security)
        poller = client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", f"1.0.{number}", version_body(vm_id)
        )
        assert poller.result().properties.provisioning_state == "Succeeded"


def test_parents_must_exist(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    with pytest.raises(ResourceNotFoundError) as err:
        client.gallery_images.begin_create_or_update(RG, "nogallery", "app", definition_body())
    assert err.value.error.code == "ParentResourceNotFound"
    client.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result()
    with pytest.raises(ResourceNotFoundError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "nodef", "1.0.0", version_body(vm_id))
    assert err.value.error.code == "ParentResourceNotFound"
    with pytest.raises(ResourceNotFoundError) as err:
        client.gallery_image_versions.get(RG, "gal", "nodef", "1.0.0")
    assert err.value.error.code == "ParentResourceNotFound"


def test_existing_version_cannot_change_its_source(sim: ArmsimHandle, client: ComputeManagementClient):
    first = generalized_vm(sim, "vm-1")
    second = generalized_vm(sim, "vm-2")
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(first)
    ).result()
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_image_versions.begin_create_or_update(RG, "gal", "app", "1.0.0", version_body(second))
    assert err.value.error.code == "PropertyChangeNotAllowed"
    # The same source again converges (idempotent PUT) instead of failing.
    again = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(first)
    )
    assert again.result().properties.provisioning_state == "Succeeded"


def test_patch_adds_a_region_and_reports_updating(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id, storageAccountType="Standard_LRS")
    ).result()
    update = {
        "properties": {
            "publishingProfile": {
                "targetRegions": [{"name": "westus"}, {"name": "eastus2"}],
                "excludeFromLatest": True,
            }
        }
    }
    client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", update, polling=False)
    state = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0").properties.provisioning_state
    assert state == "Updating"
    assert replication(client)["eastus2"] == ("Replicating", 0)
    timing = sim.backend.timing
    sim.advance(max(timing.version_update_min, timing.replication_seconds(30, 1, "Standard_LRS", False)))
    done = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0")
    assert done.properties.provisioning_state == "Succeeded"
    assert done.properties.publishing_profile.exclude_from_latest is True
    assert replication(client) == {"westus": ("Completed", 100), "eastus2": ("Completed", 100)}


@pytest.mark.parametrize(
    ("profile", "change_source", "field"),
    [
        ({"storageAccountType": "Premium_LRS"}, False, "publishingProfile.storageAccountType"),
        ({"replicationMode": "Shallow"}, False, "publishingProfile.replicationMode"),
        ({}, True, "storageProfile.source.virtualMachineId"),
    ],
)
def test_patch_cannot_change_what_is_not_updatable(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    profile: dict[str, str],
    change_source: bool,
    field: str,
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    properties: dict[str, object] = {"publishingProfile": profile}
    if change_source:
        other = generalized_vm(sim, "other-vm")
        properties["storageProfile"] = {"source": {"virtualMachineId": other}}
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", {"properties": properties})
    assert err.value.error.code == "PropertyChangeNotAllowed"
    assert err.value.error.target == f"galleryImageVersion.properties.{field}"


def test_patch_changes_the_updatable_fields_and_accepts_the_unchanged_rest(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    """The get-modify-update pattern: the whole resource goes back with a few fields changed."""
    vm_id = generalized_vm(sim)
    make_gallery(client)
    version = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    profile = version.properties.publishing_profile
    profile.replica_count = 3
    profile.exclude_from_latest = True
    profile.end_of_life_date = datetime(2030, 1, 1, tzinfo=UTC)
    updated = client.gallery_image_versions.begin_update(RG, "gal", "app", "1.0.0", version).result()
    assert updated.properties.provisioning_state == "Succeeded"
    assert updated.properties.publishing_profile.replica_count == 3
    assert updated.properties.publishing_profile.exclude_from_latest is True
    assert updated.properties.publishing_profile.end_of_life_date.year == 2030
    assert updated.properties.storage_profile.source.virtual_machine_id == vm_id
    with pytest.raises(HttpResponseError) as err:
        client.gallery_image_versions.begin_update(
            RG, "gal", "app", "1.0.0", {"properties": {"publishingProfile": {"replicaCount": 101}}}
        )
    assert err.value.error.code == "InvalidParameter"


def test_list_delete_and_nested_delete_rules(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    for name in ("1.0.0", "1.0.1"):
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", name, version_body(vm_id)
        ).result()
    listed = client.gallery_image_versions.list_by_gallery_image(RG, "gal", "app")
    assert sorted(v.name for v in listed) == ["1.0.0", "1.0.1"]
    with pytest.raises(ResourceExistsError) as err:
        client.gallery_images.begin_delete(RG, "gal", "app")
    assert err.value.error.code == "CannotDeleteResource"
    for name in ("1.0.0", "1.0.1"):
        client.gallery_image_versions.begin_delete(RG, "gal", "app", name).result()
    with pytest.raises(ResourceNotFoundError):
        client.gallery_image_versions.get(RG, "gal", "app", "1.0.0")
    client.gallery_images.begin_delete(RG, "gal", "app").result()
    client.galleries.begin_delete(RG, "gal").result()
    assert list(client.galleries.list_by_resource_group(RG)) == []


def test_version_list_pages_with_next_link(sim: ArmsimHandle, client: ComputeManagementClient, monkeypatch):
    monkeypatch.setattr("armsim.handlers.image_versions.paged.__defaults__", (2,))
    vm_id = generalized_vm(sim)
    make_gallery(client)
    for patch in range(5):
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", f"1.0.{patch}", version_body(vm_id), polling=False
        )
    pages = list(client.gallery_image_versions.list_by_gallery_image(RG, "gal", "app").by_page())
    assert [len(list(page)) for page in pages] == [2, 2, 1]


def test_definition_defaults_to_v2_trusted_launch_supported(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    client.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result()
    body = definition_body()
    del body["properties"]["hyperVGeneration"]
    created = client.gallery_images.begin_create_or_update(RG, "gal", "app", body).result()
    assert created.properties.hyper_v_generation == "V2"
    assert [(f.name, f.value) for f in created.properties.features] == [
        ("SecurityType", "TrustedLaunchSupported")
    ]


def test_an_existing_resource_cannot_move_to_another_location(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()
    moves = [
        lambda: client.galleries.begin_create_or_update(RG, "gal", {"location": "eastus"}),
        lambda: client.gallery_images.begin_create_or_update(
            RG, "gal", "app", {**definition_body(), "location": "East US"}
        ),
        lambda: client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", {**version_body(vm_id), "location": "eastus"}
        ),
    ]
    for move in moves:
        with pytest.raises(HttpResponseError) as err:
            move()
        assert (err.value.status_code, err.value.error.code) == (400, "InvalidResourceLocation")
        assert "already exists in location 'westus'" in err.value.error.message
    # The same location (any spelling) is an update, not a move.
    same = client.galleries.begin_create_or_update(RG, "gal", {"location": "West US", "tags": {"a": "b"}})
    assert same.result().tags == {"a": "b"}
