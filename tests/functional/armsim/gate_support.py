"""Builders for the test-VM gate and version lifecycle tests: a gallery version made from a seeded
VM, and the body of a VM created from a gallery image."""

from __future__ import annotations

from typing import Any

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.mgmt.compute import ComputeManagementClient

from armsim.testing import ArmsimHandle
from tests.functional.armsim.conftest import LINUX_OS_PROFILE, LOCATION, RG, SUB, definition_body

TOKEN = {"Authorization": "Bearer armsim-local-token"}
GALLERY_PREFIX = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/galleries/gal/images"
WINDOWS_OS_PROFILE: dict[str, Any] = {
    "computerName": "gate",
    "adminUsername": "ops",
    "adminPassword": "Gate-Secret-123",
}


def definition_id(definition: str = "app") -> str:
    return f"{GALLERY_PREFIX}/{definition}"


def ensure_gallery(client: ComputeManagementClient, soft_delete: bool = False) -> None:
    try:
        client.galleries.get(RG, "gal")
    except ResourceNotFoundError:
        body: dict[str, Any] = {"location": LOCATION}
        if soft_delete:
            body["properties"] = {"softDeletePolicy": {"isSoftDeleteEnabled": True}}
        client.galleries.begin_create_or_update(RG, "gal", body).result()


def ensure_definition(
    client: ComputeManagementClient,
    definition: str = "app",
    *,
    os_type: str = "Linux",
    os_state: str = "Generalized",
    security: str | None = None,
    soft_delete: bool = False,
) -> None:
    ensure_gallery(client, soft_delete)
    try:
        client.gallery_images.get(RG, "gal", definition)
    except ResourceNotFoundError:
        body = definition_body(os_type, os_state, security=security)
        body["properties"]["identifier"]["sku"] = definition
        client.gallery_images.begin_create_or_update(RG, "gal", definition, body).result()


def make_version(
    sim: ArmsimHandle,
    client: ComputeManagementClient,
    version: str = "1.0.0",
    *,
    definition: str = "app",
    os_type: str = "Linux",
    os_state: str = "Generalized",
    security: str | None = None,
    source_security: str = "Standard",
    regions: tuple[str, ...] = (LOCATION,),
    data_disks: list[dict[str, int]] | None = None,
    soft_delete: bool = False,
    wait: bool = True,
    **properties: Any,
) -> str:
    """A version of `definition` captured from a fresh seeded VM; `properties` go into the body
    (`publishingProfile`, `safetyProfile`)."""
    ensure_definition(
        client, definition, os_type=os_type, os_state=os_state, security=security, soft_delete=soft_delete
    )
    source = sim.seed_vm(
        f"src-{definition}-{version}".replace(".", "-"),
        resource_group=RG,
        location=LOCATION,
        os_type=os_type,
        generalized=os_state == "Generalized",
        power_state="deallocated",
        security_type=source_security,
        data_disks=data_disks or [],
    )
    publishing = dict(properties.pop("publishingProfile", {}))
    publishing["targetRegions"] = [{"name": r} for r in regions]
    body = {
        "location": LOCATION,
        "properties": {
            "storageProfile": {"source": {"virtualMachineId": source}},
            "publishingProfile": publishing,
            **properties,
        },
    }
    if not wait:  # no poller thread: it would move the virtual clock on its own
        client.gallery_image_versions.begin_create_or_update(
            RG, "gal", definition, version, body, polling=False
        )
        return f"{definition_id(definition)}/versions/{version}"
    poller = client.gallery_image_versions.begin_create_or_update(RG, "gal", definition, version, body)
    return str(poller.result().id)


def vm_body(
    image_id: str,
    *,
    location: str = LOCATION,
    os_profile: dict[str, Any] | None = LINUX_OS_PROFILE,
    security: str | None = None,
    subnet: str | None = None,
    nic_delete: str = "Delete",
    os_disk_delete: str | None = None,
    data_disks: list[dict[str, Any]] | None = None,
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    storage: dict[str, Any] = {"imageReference": {"id": image_id}, "osDisk": {"createOption": "FromImage"}}
    if os_disk_delete is not None:
        storage["osDisk"]["deleteOption"] = os_disk_delete
    if data_disks is not None:
        storage["dataDisks"] = data_disks
    properties: dict[str, Any] = {"hardwareProfile": {"vmSize": "Standard_D2s_v5"}, "storageProfile": storage}
    if os_profile is not None:
        properties["osProfile"] = os_profile
    if security is not None:
        properties["securityProfile"] = {"securityType": security}
    if subnet is not None:
        properties["networkProfile"] = {
            "networkApiVersion": "2020-11-01",
            "networkInterfaceConfigurations": [
                {
                    "name": "nic",
                    "properties": {
                        "primary": True,
                        "deleteOption": nic_delete,
                        "ipConfigurations": [{"name": "ipconfig", "properties": {"subnet": {"id": subnet}}}],
                    },
                }
            ],
        }
    body: dict[str, Any] = {"location": location, "properties": properties}
    if tags is not None:
        body["tags"] = tags
    return body


def arm_get(sim: ArmsimHandle, resource_id: str, api_version: str = "2024-05-01") -> requests.Response:
    """A generic GET of any resource id, as cleanup code reaches a NIC."""
    return requests.get(f"{sim.endpoint}{resource_id}?api-version={api_version}", headers=TOKEN, timeout=5)


def arm_delete(sim: ArmsimHandle, resource_id: str, api_version: str = "2024-05-01") -> requests.Response:
    return requests.delete(f"{sim.endpoint}{resource_id}?api-version={api_version}", headers=TOKEN, timeout=5)


def admin(sim: ArmsimHandle, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{sim.endpoint}/_armsim/{path}", json=body, timeout=5)
