"""Valid request documents that tests vary one field at a time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

SUBSCRIPTION = "00000000-0000-0000-0000-00000000a001"
OTHER_SUBSCRIPTION = "00000000-0000-0000-0000-00000000b002"
VM_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm-web-01"
)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def gallery_request(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "source": VM_ID,
        "target": {
            "kind": "gallery",
            "gallery": {"resource_group": "rg-images", "name": "corp_gallery"},
            "definition": {"name": "ubuntu-22.04-web"},
            "version": "1.2.3",
        },
    }
    document.update(copy.deepcopy(overrides))
    return document


def managed_image_request(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "source": VM_ID,
        "target": {"kind": "managed_image", "resource_group": "rg-images", "name": "web-image"},
    }
    document.update(copy.deepcopy(overrides))
    return document


def with_target(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["target"].update(copy.deepcopy(fields))
    return changed
