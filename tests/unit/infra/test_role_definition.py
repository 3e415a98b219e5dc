"""The custom role must grant every ARM action the compute gateway performs, and nothing broader.

The gateway is the only code that talks to Azure (DESIGN principle 7), so scanning it for SDK
operations gives the exact permission set a deployment needs. A new SDK call without a matching
role action fails here instead of failing with AuthorizationFailed in production.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ROLE = json.loads((ROOT / "infra" / "role-definition.json").read_text())

# SDK operation (operation group . method) -> the RBAC action Azure checks for it.
REQUIRED_ACTION = {
    "virtual_machines.get": "Microsoft.Compute/virtualMachines/read",
    "virtual_machines.instance_view": "Microsoft.Compute/virtualMachines/instanceView/read",
    "virtual_machines.list": "Microsoft.Compute/virtualMachines/read",
    "virtual_machines.begin_deallocate": "Microsoft.Compute/virtualMachines/deallocate/action",
    "virtual_machines.begin_start": "Microsoft.Compute/virtualMachines/start/action",
    "virtual_machines.generalize": "Microsoft.Compute/virtualMachines/generalize/action",
    "virtual_machines.begin_run_command": "Microsoft.Compute/virtualMachines/runCommand/action",
    "virtual_machines.begin_delete": "Microsoft.Compute/virtualMachines/delete",
    "galleries.get": "Microsoft.Compute/galleries/read",
    "galleries.begin_create_or_update": "Microsoft.Compute/galleries/write",
    "gallery_images.get": "Microsoft.Compute/galleries/images/read",
    "gallery_images.begin_create_or_update": "Microsoft.Compute/galleries/images/write",
    "gallery_image_versions.get": "Microsoft.Compute/galleries/images/versions/read",
    "gallery_image_versions.list_by_gallery_image": "Microsoft.Compute/galleries/images/versions/read",
    "gallery_image_versions.begin_create_or_update": "Microsoft.Compute/galleries/images/versions/write",
    "gallery_image_versions.begin_update": "Microsoft.Compute/galleries/images/versions/write",
    # only a version this build made from the same VM whose own creation Failed (re-created)
    "gallery_image_versions.begin_delete": "Microsoft.Compute/galleries/images/versions/delete",
    "images.get": "Microsoft.Compute/images/read",
    "images.begin_create_or_update": "Microsoft.Compute/images/write",
}
SDK_CALL = re.compile(
    r"\b(virtual_machines|galleries|gallery_images|gallery_image_versions|images)\.(\w+)\("
)


def _gateway_operations() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "imagefactory").rglob("*.py"):
        found.update(f"{group}.{method}" for group, method in SDK_CALL.findall(path.read_text()))
    return found


def test_gateway_uses_sdk_operations() -> None:
    # Guards the scan itself: if the pattern stopped matching, every other check would pass vacuously.
    assert {"virtual_machines.begin_deallocate", "gallery_image_versions.begin_create_or_update"} <= (
        _gateway_operations()
    )


def test_every_gateway_operation_is_granted() -> None:
    unknown = sorted(op for op in _gateway_operations() if op not in REQUIRED_ACTION)
    assert not unknown, f"map these SDK operations to their RBAC action in REQUIRED_ACTION: {unknown}"
    missing = sorted(
        {REQUIRED_ACTION[op] for op in _gateway_operations()} - set(ROLE["Actions"])
    )
    assert not missing, f"infra/role-definition.json lacks actions the gateway needs: {missing}"


def test_role_grants_no_wildcards_or_data_actions() -> None:
    assert not [a for a in ROLE["Actions"] if "*" in a]
    assert ROLE["DataActions"] == []
    assert ROLE["IsCustom"] is True
