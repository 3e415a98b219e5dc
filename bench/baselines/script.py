"""What both baselines share: the script's steps, its SDK client, and what a run reports.

A build script (Packer's azure-arm builder, or a shell script around the az CLI) does the same
Azure steps as the product, one after the other: deprovision through Run Command, deallocate,
generalize, create the gallery and the image definition, create the version. Only how it WAITS
differs between the two baselines, so each baseline supplies a `Waiter`.

The client runs on armsim's virtual clock through `VirtualTimeTransport`: whenever the SDK (or a
script's fixed sleep) would sleep, simulated time moves instead, so an hour of polling costs
milliseconds and the request log shows every call the script made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from azure.mgmt.compute import ComputeManagementClient, models

from armsim.testing import ArmsimHandle, VirtualTimeTransport
from bench.harness import RESOURCE_GROUP, SUBSCRIPTION
from bench.scenarios import DEFINITION, DEPROVISION_SCRIPT, GALLERY, HOME_REGION, VERSION, VM_NAME, Scenario
from imagefactory.azure_client import compute_client


@dataclass
class BaselineRun:
    """When the script started and when it could tell its user the image was ready."""

    approach: str
    started_at: datetime
    finished_at: datetime

    @property
    def simulated_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


class Waiter(Protocol):
    """How a baseline waits for each step, given a way to start it (and to read the resource).

    `run_command`'s `start` forwards keyword arguments (such as `raw_response_hook`) to the SDK.
    """

    def run_command(self, start: Callable[..., Any]) -> None: ...

    def deallocate(self, start: Callable[[], Any]) -> None: ...

    def create(self, kind: str, start: Callable[[], Any], read: Callable[[], Any]) -> None: ...


def script_client(sim: ArmsimHandle) -> ComputeManagementClient:
    """The SDK client a script would build, sleeping on the virtual clock instead of the wall."""
    return compute_client(SUBSCRIPTION, sim.endpoint, transport=VirtualTimeTransport(sim.clock))


def gallery_body() -> dict[str, Any]:
    return {"location": HOME_REGION}


def definition_body() -> dict[str, Any]:
    return {
        "location": HOME_REGION,
        "properties": {
            "osType": "Linux",
            "osState": "Generalized",
            "hyperVGeneration": "V2",
            "identifier": {"publisher": "contoso", "offer": "base", "sku": "22_04"},
        },
    }


def version_body(vm_id: str, scenario: Scenario) -> dict[str, Any]:
    return {
        "location": HOME_REGION,
        "properties": {
            "storageProfile": {"source": {"virtualMachineId": vm_id}},
            "publishingProfile": {
                "targetRegions": [
                    {"name": region["name"], "regionalReplicaCount": region["replica_count"]}
                    for region in scenario.target_regions()
                ]
            },
        },
    }


def run_script(
    approach: str,
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    waiter: Waiter,
    vm_id: str,
    scenario: Scenario,
    *,
    polling: bool,
) -> BaselineRun:
    """The script's steps in order; `polling` is what the script passes to begin_*()."""
    rg = RESOURCE_GROUP
    vms, galleries = client.virtual_machines, client.galleries
    images, versions = client.gallery_images, client.gallery_image_versions
    started_at = sim.clock.now()
    waiter.run_command(
        lambda **hooks: vms.begin_run_command(
            rg,
            VM_NAME,
            models.RunCommandInput(command_id="RunShellScript", script=list(DEPROVISION_SCRIPT)),
            polling=polling,
            **hooks,
        )
    )
    waiter.deallocate(lambda: vms.begin_deallocate(rg, VM_NAME, polling=polling))
    vms.generalize(rg, VM_NAME)
    waiter.create(
        "gallery",
        lambda: galleries.begin_create_or_update(
            rg, GALLERY, models.Gallery(gallery_body()), polling=polling
        ),
        lambda: galleries.get(rg, GALLERY),
    )
    waiter.create(
        "definition",
        lambda: images.begin_create_or_update(
            rg, GALLERY, DEFINITION, models.GalleryImage(definition_body()), polling=polling
        ),
        lambda: images.get(rg, GALLERY, DEFINITION),
    )
    waiter.create(
        "version",
        lambda: versions.begin_create_or_update(
            rg,
            GALLERY,
            DEFINITION,
            VERSION,
            models.GalleryImageVersion(version_body(vm_id, scenario)),
            polling=polling,
        ),
        lambda: versions.get(rg, GALLERY, DEFINITION, VERSION),
    )
    return BaselineRun(approach=approach, started_at=started_at, finished_at=sim.clock.now())
