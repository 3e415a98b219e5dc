"""Fixtures: an in-process armsim on a virtual clock and a real ComputeManagementClient for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import DEFAULT_SUBSCRIPTION, ArmsimHandle, VirtualTimeTransport, running_armsim
from imagefactory.azure_client import compute_client

SUB = DEFAULT_SUBSCRIPTION
RG = "rg-build"
LOCATION = "westus"


@pytest.fixture
def sim() -> Iterator[ArmsimHandle]:
    with running_armsim() as handle:
        yield handle


@pytest.fixture
def transport(sim: ArmsimHandle) -> VirtualTimeTransport:
    return VirtualTimeTransport(sim.clock)


def make_client(sim: ArmsimHandle, transport: VirtualTimeTransport, **kwargs: Any) -> ComputeManagementClient:
    return compute_client(SUB, sim.endpoint, transport=transport, **kwargs)


@pytest.fixture
def client(sim: ArmsimHandle, transport: VirtualTimeTransport) -> ComputeManagementClient:
    return make_client(sim, transport)


def seed(sim: ArmsimHandle, name: str = "build-vm", **spec: Any) -> str:
    spec.setdefault("location", LOCATION)
    return sim.seed_vm(name, resource_group=RG, **spec)


def definition_body(
    os_type: str = "Linux", os_state: str = "Generalized", generation: str = "V2", security: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location": LOCATION,
        "properties": {
            "osType": os_type,
            "osState": os_state,
            "hyperVGeneration": generation,
            "identifier": {"publisher": "contoso", "offer": "base", "sku": f"{os_type.lower()}-{generation}"},
        },
    }
    if security is not None:
        body["properties"]["features"] = [{"name": "SecurityType", "value": security}]
    return body


def make_gallery(client: ComputeManagementClient, definition: dict[str, Any] | None = None) -> None:
    client.galleries.begin_create_or_update(RG, "gal", {"location": LOCATION}).result()
    client.gallery_images.begin_create_or_update(RG, "gal", "app", definition or definition_body()).result()


def version_body(source_id: str, *regions: str, **profile: Any) -> dict[str, Any]:
    key = "virtualMachineId" if "/virtualMachines/" in source_id else "id"
    publishing: dict[str, Any] = dict(profile)
    if regions:
        publishing["targetRegions"] = [{"name": r} for r in regions]
    return {
        "location": LOCATION,
        "properties": {"storageProfile": {"source": {key: source_id}}, "publishingProfile": publishing},
    }


# What a VM from a generalized Linux image must be given (an admin and an SSH key, no password).
LINUX_OS_PROFILE: dict[str, Any] = {
    "computerName": "gate",
    "adminUsername": "ops",
    "linuxConfiguration": {
        "disablePasswordAuthentication": True,
        "ssh": {
            "publicKeys": [{"path": "/home/ops/.ssh/authorized_keys", "keyData": "ssh-ed25519 AAAAC3 ops"}]
        },
    },
}


def generalized_vm(sim: ArmsimHandle, name: str = "build-vm", **spec: Any) -> str:
    spec.setdefault("power_state", "deallocated")
    return seed(sim, name, generalized=True, **spec)
