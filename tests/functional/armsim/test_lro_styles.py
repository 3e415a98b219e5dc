"""Each operation's long-running-operation style as real ARM answers it, seen through the SDK.

The table pins, per operation, the initial status code and which monitor headers come back (from
../shared/azure-recordings and the spec's x-ms-examples): gallery resources and VM/image PUTs answer
201 + Azure-AsyncOperation, POST actions and DELETEs 202 + Azure-AsyncOperation + Location, and
generalize is a plain 200. Then both monitors are followed to completion the way ARMPolling does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import (
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

TOKEN = {"Authorization": "Bearer armsim-local-token"}

SOURCE_VM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/source-vm"
)

Start = Callable[[ArmsimHandle, ComputeManagementClient], Any]


def _vm_body(image_id: str) -> dict[str, Any]:
    return {"location": LOCATION, "properties": {"storageProfile": {"imageReference": {"id": image_id}}}}


def _image_of(sim: ArmsimHandle, client: ComputeManagementClient) -> str:
    vm_id = generalized_vm(sim, "source-vm")
    body = {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": vm_id}}}
    return str(client.images.begin_create_or_update(RG, "img", body).result().id)


def _version(sim: ArmsimHandle, client: ComputeManagementClient) -> None:
    make_gallery(client)
    vm_id = generalized_vm(sim, "source-vm")
    client.gallery_image_versions.begin_create_or_update(
        RG, "gal", "app", "1.0.0", version_body(vm_id)
    ).result()


def _running_vm(sim: ArmsimHandle, client: ComputeManagementClient) -> None:
    seed(sim, "vm")


def _stopped_vm(sim: ArmsimHandle, client: ComputeManagementClient) -> None:
    seed(sim, "vm", power_state="deallocated")


# operation, setup, start (polling=False), initial status, Azure-AsyncOperation?, Location?
CASES: list[tuple[str, Start, Start, int, bool, bool]] = [
    (
        "galleries.createOrUpdate",
        lambda sim, c: None,
        lambda sim, c: c.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}, polling=False),
        201,
        True,
        False,
    ),
    (
        "galleryImages.createOrUpdate",
        lambda sim, c: c.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result(),
        lambda sim, c: c.gallery_images.begin_create_or_update(
            RG, "gal", "app", definition_body(), polling=False
        ),
        201,
        True,
        False,
    ),
    (
        "galleryImageVersions.createOrUpdate",
        lambda sim, c: make_gallery(c),
        lambda sim, c: c.gallery_image_versions.begin_create_or_update(
            RG, "gal", "app", "1.0.0", version_body(generalized_vm(sim, "source-vm")), polling=False
        ),
        201,
        True,
        False,
    ),
    (
        "galleryImageVersions.update",
        _version,
        lambda sim, c: c.gallery_image_versions.begin_update(
            RG,
            "gal",
            "app",
            "1.0.0",
            {"properties": {"publishingProfile": {"excludeFromLatest": True}}},
            polling=False,
        ),
        200,
        True,
        False,
    ),
    (
        "galleryImageVersions.delete",
        _version,
        lambda sim, c: c.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0", polling=False),
        202,
        True,
        True,
    ),
    (
        "images.createOrUpdate",
        lambda sim, c: generalized_vm(sim, "source-vm"),
        lambda sim, c: c.images.begin_create_or_update(
            RG,
            "img",
            {"location": LOCATION, "properties": {"sourceVirtualMachine": {"id": SOURCE_VM_ID}}},
            polling=False,
        ),
        201,
        True,
        False,
    ),
    (
        "images.delete",
        _image_of,
        lambda sim, c: c.images.begin_delete(RG, "img", polling=False),
        202,
        True,
        True,
    ),
    (
        "virtualMachines.createOrUpdate",
        _image_of,
        lambda sim, c: c.virtual_machines.begin_create_or_update(
            RG, "made", _vm_body(c.images.get(RG, "img").id), polling=False
        ),
        201,
        True,
        False,
    ),
    (
        "virtualMachines.deallocate",
        _running_vm,
        lambda sim, c: c.virtual_machines.begin_deallocate(RG, "vm", polling=False),
        202,
        True,
        True,
    ),
    (
        "virtualMachines.powerOff",
        _running_vm,
        lambda sim, c: c.virtual_machines.begin_power_off(RG, "vm", polling=False),
        202,
        True,
        True,
    ),
    (
        "virtualMachines.start",
        _stopped_vm,
        lambda sim, c: c.virtual_machines.begin_start(RG, "vm", polling=False),
        202,
        True,
        True,
    ),
    (
        "virtualMachines.runCommand",
        _running_vm,
        lambda sim, c: c.virtual_machines.begin_run_command(
            RG, "vm", {"commandId": "RunShellScript", "script": ["echo hi"]}, polling=False
        ),
        202,
        True,
        True,
    ),
    (
        "virtualMachines.delete",
        _running_vm,
        lambda sim, c: c.virtual_machines.begin_delete(RG, "vm", polling=False),
        202,
        True,
        True,
    ),
]


def _initial(sim: ArmsimHandle, operation: str) -> Any:
    return next(e for e in sim.requests() if e.operation == operation)


@pytest.mark.parametrize(
    ("operation", "setup", "start", "status", "async_op", "location"), CASES, ids=[c[0] for c in CASES]
)
def test_initial_answer_and_monitors_follow_the_arm_style(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    operation: str,
    setup: Start,
    start: Start,
    status: int,
    async_op: bool,
    location: bool,
):
    setup(sim, client)
    poller = start(sim, client)
    initial = poller.polling_method()._initial_response.http_response
    assert initial.status_code == status
    headers = initial.headers
    assert ("Azure-AsyncOperation" in headers, "Location" in headers) == (async_op, location)
    assert int(headers["Retry-After"]) >= 1
    monitor = headers["Azure-AsyncOperation"]
    assert monitor.startswith(
        f"{sim.endpoint}/subscriptions/{SUB}/providers/Microsoft.Compute/locations/westus/"
    )
    if status in (200, 201):
        expected = "Updating" if operation.endswith(".update") else "Creating"
        assert initial.json()["properties"]["provisioningState"] == expected
    else:
        assert initial.body() == b""

    # The async-operation monitor: InProgress with Retry-After, then a terminal body with endTime.
    running = requests.get(monitor, headers=TOKEN, timeout=5)
    body = running.json()
    assert body["status"] in ("InProgress", "Succeeded")
    assert {"name", "status", "startTime"} <= set(body)
    if body["status"] == "InProgress":
        assert "endTime" not in body
        assert int(running.headers["Retry-After"]) >= 1
    sim.advance(24 * 3600)
    done = requests.get(monitor, headers=TOKEN, timeout=5)
    finished = done.json()
    assert finished["status"] == "Succeeded"
    assert set(finished) >= {"name", "status", "startTime", "endTime"}
    assert finished["name"] == monitor.split("?")[0].rsplit("/", 1)[-1]
    assert "Retry-After" not in done.headers
    if location:
        final = requests.get(headers["Location"], headers=TOKEN, timeout=5)
        assert final.status_code == 200
        if operation == "virtualMachines.runCommand":  # a Linux VM: RunCommandLinux's one status
            assert [v["code"] for v in final.json()["value"]] == ["ProvisioningState/succeeded"]
        else:
            assert final.content == b""


def test_location_monitor_answers_202_with_retry_after_while_running(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, "vm")
    poller = client.virtual_machines.begin_deallocate(RG, "vm", polling=False)
    location = poller.polling_method()._initial_response.http_response.headers["Location"]
    running = requests.get(location, headers=TOKEN, timeout=5)
    assert (running.status_code, running.content) == (202, b"")
    assert running.headers["Location"] == location
    assert int(running.headers["Retry-After"]) >= 1


def test_generalize_is_a_synchronous_200(sim: ArmsimHandle, client: ComputeManagementClient):
    seed(sim, "vm", power_state="deallocated")
    client.virtual_machines.generalize(RG, "vm")
    entry = _initial(sim, "virtualMachines.generalize")
    assert (entry.status, entry.kind) == (200, "action")
    assert not [e for e in sim.requests() if e.kind == "async_poll"]


def test_run_command_result_comes_from_the_location_response(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    seed(sim, "vm", os_type="Windows")
    script = ["Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Setup\\State'"]
    result = client.virtual_machines.begin_run_command(
        RG, "vm", {"commandId": "RunPowerShellScript", "script": script}
    ).result()
    assert result.value[0].message == "IMAGE_STATE_COMPLETE"
    polls = [e.path for e in sim.requests() if e.kind == "async_poll"]
    assert polls and polls[-1].endswith(polls[0].rsplit("/", 1)[-1])  # the last GET is the Location monitor


@pytest.mark.parametrize(
    ("operation", "delete"),
    [
        ("virtualMachines.delete", lambda c: c.virtual_machines.begin_delete(RG, "nothing")),
        ("images.delete", lambda c: c.images.begin_delete(RG, "nothing")),
        ("galleries.delete", lambda c: c.galleries.begin_delete(RG, "nothing")),
        ("galleryImages.delete", lambda c: c.gallery_images.begin_delete(RG, "gal", "nothing")),
        (
            "galleryImageVersions.delete",
            lambda c: c.gallery_image_versions.begin_delete(RG, "gal", "app", "9.9.9"),
        ),
    ],
)
def test_deleting_what_is_not_there_is_204(
    sim: ArmsimHandle, client: ComputeManagementClient, operation: str, delete: Callable[[Any], Any]
):
    make_gallery(client)
    assert delete(client).result() is None
    assert [e.status for e in sim.requests() if e.operation == operation] == [204]


def test_delete_progresses_through_deleting_then_not_found(
    sim: ArmsimHandle, client: ComputeManagementClient
):
    _version(sim, client)
    client.gallery_image_versions.begin_delete(RG, "gal", "app", "1.0.0", polling=False)
    assert (
        client.gallery_image_versions.get(RG, "gal", "app", "1.0.0").properties.provisioning_state
        == "Deleting"
    )
    sim.advance(sim.backend.timing.version_delete)
    assert [v.name for v in client.gallery_image_versions.list_by_gallery_image(RG, "gal", "app")] == []
