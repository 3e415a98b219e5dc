"""Azure Compute Gallery (`Microsoft.Compute/galleries`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.ids import Scope
from armsim.models.lifecycle import Lifecycle
from armsim.models.sharing import SharingProfile
from armsim.models.soft_delete import SoftDeletePolicy


@dataclass
class Gallery:
    scope: Scope
    name: str
    location: str
    description: str | None
    lifecycle: Lifecycle
    tags: dict[str, str] = field(default_factory=dict)
    soft_delete: SoftDeletePolicy | None = None
    sharing: SharingProfile | None = None  # None: the gallery was created without a sharing profile

    @property
    def id(self) -> str:
        return self.scope.gallery_id(self.name)

    def to_resource(self, now: datetime, show_groups: bool = False) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        if self.description is not None:
            properties["description"] = self.description
        properties["identifier"] = {"uniqueName": f"{self.scope.subscription}-{self.name.upper()}"}
        properties["provisioningState"] = self.lifecycle.provisioning_state(now)
        if self.soft_delete is not None:
            properties["softDeletePolicy"] = self.soft_delete.to_body()
        if self.sharing is not None:
            properties["sharingProfile"] = self.sharing.to_body(show_groups)
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Compute/galleries",
            "location": self.location,
            "tags": dict(self.tags),
            "properties": properties,
        }
