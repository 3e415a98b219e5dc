"""Fault injection and throttling, ridden out (or surfaced) by the SDK's own retry policy and poller."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle, VirtualTimeTransport
from tests.functional.armsim.conftest import (
    LINUX_OS_PROFILE,
    RG,
    generalized_vm,
    make_client,
    make_gallery,
    seed,
    version_body,
)

pytestmark = pytest.mark.timeout(30)


def statuses_of(sim: ArmsimHandle, operation: str) -> list[int]:
    return [e.status for e in sim.requests() if e.operation == operation]


def test_a_429_storm_is_ridden_out_honouring_retry_after(
    sim: ArmsimHandle, client: ComputeManagementClient, transport: VirtualTimeTransport
):
    seed(sim)
    # azure-core retries a status error three times (retry_status=3) within its 10 total tries.
    sim.set_fault("virtualMachines.get", status=429, retry_after=7, remaining=3)
    assert client.virtual_machines.get(RG, "build-vm").name == "build-vm"
    assert statuses_of(sim, "virtualMachines.get") == [429, 429, 429, 200]
    assert transport.slept == [7.0, 7.0, 7.0]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_a_get_are_retried(sim: ArmsimHandle, client: ComputeManagementClient, status: int):
    seed(sim)
    sim.set_fault("virtualMachines.instanceView", status=status, remaining=2)
    client.virtual_machines.instance_view(RG, "build-vm")
    assert statuses_of(sim, "virtualMachines.instanceView") == [status, status, 200]


def test_fault_matches_only_the_named_resource(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "vm-a")
    seed(sim, "vm-b")
    sim.set_fault("virtualMachines.get", status=503, resource="vm-b", remaining=None)
    assert client.virtual_machines.get(RG, "vm-a").name == "vm-a"
    no_retry = make_client(sim, VirtualTimeTransport(sim.clock), retry_total=0)
    with pytest.raises(HttpResponseError) as err:
        no_retry.virtual_machines.get(RG, "vm-b")
    assert err.value.status_code == 503


def test_dropped_connection_surfaces_without_retries_and_is_retried_with_them(sim: ArmsimHandle):
    seed(sim)
    sim.set_fault("virtualMachines.get", kind="drop", remaining=1)
    no_retry = make_client(sim, VirtualTimeTransport(sim.clock), retry_total=0)
    with pytest.raises((ServiceRequestError, ServiceResponseError)):
        no_retry.virtual_machines.get(RG, "build-vm")
    sim.set_fault("virtualMachines.get", kind="drop", remaining=1)
    retrying = make_client(sim, VirtualTimeTransport(sim.clock))
    assert retrying.virtual_machines.get(RG, "build-vm").name == "build-vm"
    assert statuses_of(sim, "virtualMachines.get") == [0, 0, 200]


def test_slow_response_is_delayed_in_wall_time_but_served(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    sim.set_fault("virtualMachines.get", kind="delay", delay_seconds=0.05)
    assert client.virtual_machines.get(RG, "build-vm").name == "build-vm"
    assert statuses_of(sim, "virtualMachines.get") == [200]


def test_failed_async_operation_raises_with_its_error_and_changes_nothing(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim)
    sim.set_fault(
        "virtualMachines.deallocate", kind="operation_failed", code="AllocationFailed", message="boom"
    )
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_deallocate(RG, "build-vm").result()
    assert "boom" in str(err.value)
    codes = [s.code for s in client.virtual_machines.instance_view(RG, "build-vm").statuses]
    assert codes[-1] == "PowerState/running"


def test_region_replication_failure_then_patch_retries_it(sim: ArmsimHandle, client: ComputeManagementClient):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    sim.set_fault("galleryImageVersions.createOrUpdate", kind="replication_failure", region="East US")
    poller = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id, "westus", "eastus")
    )
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    assert "Storage allocation failure" in str(err.value)
    failed = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0", expand="ReplicationStatus")
    assert failed.properties.provisioning_state == "Failed"
    status = failed.properties.replication_status
    assert status.aggregated_state == "Failed"
    east = next(s for s in status.summary if s.region == "eastus")
    assert (east.state, 0 < east.progress < 100) == ("Failed", True)
    assert "Storage allocation failure" in east.details
    # The Azure remedy: PATCH the version; only the failed region replicates again.
    retried = client.gallery_image_versions.begin_update(
        RG, "gal", "app", "1.0.0", {"properties": {}}
    ).result()
    assert retried.properties.provisioning_state == "Succeeded"
    again = client.gallery_image_versions.get(RG, "gal", "app", "1.0.0", expand="ReplicationStatus")
    assert {s.region: s.state for s in again.properties.replication_status.summary} == {
        "westus": "Completed",
        "eastus": "Completed",
    }


def test_arm_write_throttling_returns_429_with_headers(sim: ArmsimHandle):
    sim.set_throttling(arm={"writes": {"capacity": 2, "refill": 0.001}})
    seed(sim)
    no_retry = make_client(sim, VirtualTimeTransport(sim.clock), retry_total=0)
    responses = []
    for _ in range(2):
        poller = no_retry.virtual_machines.begin_power_off(RG, "build-vm", polling=False)
        responses.append(poller.polling_method()._initial_response.http_response.headers)
    assert [h["x-ms-ratelimit-remaining-subscription-writes"] for h in responses] == ["1", "0"]
    with pytest.raises(HttpResponseError) as err:
        no_retry.virtual_machines.begin_power_off(RG, "build-vm", polling=False)
    assert err.value.status_code == 429
    assert err.value.error.code == "SubscriptionRequestsThrottled"
    assert int(err.value.response.headers["Retry-After"]) >= 1


def test_compute_low_cost_get_bucket_per_vm_refills_with_the_clock(
    sim: ArmsimHandle, client: ComputeManagementClient, transport: VirtualTimeTransport
):
    seed(sim)
    for _ in range(36):
        client.virtual_machines.instance_view(RG, "build-vm")
    last = [e for e in sim.requests() if e.operation == "virtualMachines.instanceView"][-1]
    assert last.status == 200
    # The 37th read within the minute is throttled; the retry policy waits Retry-After on the clock.
    client.virtual_machines.instance_view(RG, "build-vm")
    assert statuses_of(sim, "virtualMachines.instanceView")[-2:] == [429, 200]
    assert transport.slept and transport.slept[-1] >= 1


def test_throttled_compute_body_is_the_real_shape(sim: ArmsimHandle):
    seed(sim)
    no_retry = make_client(sim, VirtualTimeTransport(sim.clock), retry_total=0)
    for _ in range(36):
        no_retry.virtual_machines.get(RG, "build-vm")
    with pytest.raises(HttpResponseError) as err:
        no_retry.virtual_machines.get(RG, "build-vm")
    assert err.value.status_code == 429
    assert err.value.error.code == "OperationNotAllowed"
    assert err.value.error.message == (
        "The server rejected the request because too many requests have been received for this subscription."
    )
    assert err.value.error.details[0].code == "TooManyRequests"
    # The per-VM window ran out; Compute names the policy window and answers with the bare error object.
    assert err.value.error.details[0].target == "LowCostGet3Min"
    raw = err.value.response.json()
    assert raw["code"] == "OperationNotAllowed"
    assert json.loads(raw["details"][0]["message"])["operationGroup"] == "LowCostGet3Min"
    assert err.value.response.headers["x-ms-ratelimit-remaining-resource"].startswith(
        "Microsoft.Compute/LowCostGet3Min;0,"
    )
    assert err.value.response.headers["Retry-After"] == "5"  # 12 tokens a minute: one back in 5 s


def test_remaining_resource_header_counts_down(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim)
    headers = []
    for _ in range(2):
        client.virtual_machines.get(
            RG, "build-vm", cls=lambda resp, body, h: headers.append(resp.http_response.headers)
        )
    assert headers[0]["x-ms-ratelimit-remaining-resource"] == (
        "Microsoft.Compute/LowCostGet3Min;35,Microsoft.Compute/LowCostGet30Min;23999"
    )
    assert headers[1]["x-ms-ratelimit-remaining-resource"].startswith("Microsoft.Compute/LowCostGet3Min;34,")
    assert int(headers[1]["x-ms-ratelimit-remaining-subscription-reads"]) == 248


def test_throttling_can_be_disabled(sim: ArmsimHandle, client: ComputeManagementClient):
    sim.set_throttling(enabled=False)
    seed(sim)
    for _ in range(50):
        client.virtual_machines.get(RG, "build-vm")
    assert set(statuses_of(sim, "virtualMachines.get")) == {200}


def test_failed_gallery_operation_surfaces_through_the_poller(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    sim.set_fault(
        "galleries.createOrUpdate",
        kind="operation_failed",
        resource="gal",
        code="GalleryFailed",
        message="gallery could not be created",
    )
    with pytest.raises(HttpResponseError) as err:
        client.galleries.begin_create_or_update(RG, "gal", {"location": "westus"}).result()
    assert "gallery could not be created" in str(err.value)
    # The fault was used up: the retry succeeds.
    assert client.galleries.begin_create_or_update(RG, "gal", {"location": "westus"}).result().name == "gal"


def test_request_faults_can_be_scoped_to_a_region(sim: ArmsimHandle):
    seed(sim, "vm-west", location="westus")
    seed(sim, "vm-east", location="eastus")
    sim.set_fault("virtualMachines.get", status=503, region="East US", remaining=None)
    no_retry = make_client(sim, VirtualTimeTransport(sim.clock), retry_total=0)
    assert no_retry.virtual_machines.get(RG, "vm-west").name == "vm-west"
    with pytest.raises(HttpResponseError) as err:
        no_retry.virtual_machines.get(RG, "vm-east")
    assert err.value.status_code == 503
    # A creating PUT is in the region its body names; monitors in the region of their URL.
    sim.set_fault("galleries.createOrUpdate", kind="drop", region="eastus")
    no_retry.galleries.begin_create_or_update(RG, "gal-west", {"location": "westus"}).result()
    with pytest.raises((ServiceRequestError, ServiceResponseError)):
        no_retry.galleries.begin_create_or_update(RG, "gal-east", {"location": "eastus"})
    sim.set_fault("operations.get", status=500, region="westus", remaining=None)
    with pytest.raises(HttpResponseError) as err:
        no_retry.virtual_machines.begin_deallocate(RG, "vm-west").result()
    assert err.value.status_code == 500
    no_retry.virtual_machines.begin_deallocate(RG, "vm-east").result()


def test_a_create_whose_operation_fails_leaves_a_failed_resource_that_a_retry_repairs(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    vm_id = generalized_vm(sim)
    make_gallery(client)
    sim.set_fault("galleryImageVersions.createOrUpdate", kind="operation_failed", code="InternalError")
    with pytest.raises(HttpResponseError):
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", version_body(vm_id)
        ).result()
    assert (
        client.gallery_image_versions.get(RG, "gal", "app", "1.0.0").properties.provisioning_state == "Failed"
    )
    retried = client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    )
    assert retried.result().properties.provisioning_state == "Succeeded"

    sim.set_fault("virtualMachines.createOrUpdate", kind="operation_failed", code="AllocationFailed")
    image_id = retried.result().id
    body = {
        "location": "westus",
        "properties": {"storageProfile": {"imageReference": {"id": image_id}}, "osProfile": LINUX_OS_PROFILE},
    }
    with pytest.raises(HttpResponseError) as err:
        client.virtual_machines.begin_create_or_update(RG, "made", body).result()
    assert err.value.error.code == "AllocationFailed"
    assert client.virtual_machines.get(RG, "made").properties.provisioning_state == "Failed"
