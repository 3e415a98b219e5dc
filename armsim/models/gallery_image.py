"""Gallery image definition (`galleries/{g}/images/{def}`) and the compatibility rules a source
must meet to become one of its versions (OS type, OS state, Hyper-V generation, security type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.ids import Scope
from armsim.models.lifecycle import Lifecycle

# Definition SecurityType feature -> VM security types a version source may have.
SECURITY_COMPATIBILITY: dict[str, tuple[str, ...]] = {
    "Standard": ("Standard",),
    "TrustedLaunch": ("TrustedLaunch",),
    "TrustedLaunchSupported": ("Standard", "TrustedLaunch"),
    "ConfidentialVM": ("ConfidentialVM",),
    "ConfidentialVMSupported": ("Standard", "ConfidentialVM"),
    "TrustedLaunchAndConfidentialVmSupported": ("Standard", "TrustedLaunch", "ConfidentialVM"),
}


@dataclass
class GalleryImage:
    scope: Scope
    gallery: str
    name: str
    location: str
    os_type: str
    os_state: str
    hyper_v_generation: str
    architecture: str
    identifier: dict[str, str]
    features: list[dict[str, str]]
    lifecycle: Lifecycle
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.scope.definition_id(self.gallery, self.name)

    @property
    def security_type(self) -> str:
        for feature in self.features:
            if feature.get("name", "").lower() == "securitytype":
                return feature.get("value", "Standard")
        return "Standard"

    def accepts_security_type(self, vm_security_type: str) -> bool:
        allowed = SECURITY_COMPATIBILITY.get(self.security_type, (self.security_type,))
        return vm_security_type.lower() in {a.lower() for a in allowed}

    def to_resource(self, now: datetime) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        if self.description is not None:
            properties["description"] = self.description
        properties.update(self.extra)
        properties.update(
            {
                "osType": self.os_type,
                "osState": self.os_state,
                "hyperVGeneration": self.hyper_v_generation,
                "architecture": self.architecture,
                "identifier": dict(self.identifier),
            }
        )
        if self.features:
            properties["features"] = [dict(f) for f in self.features]
        properties["provisioningState"] = self.lifecycle.provisioning_state(now)
        return {
            "name": self.name,
            "id": self.id,
            "type": "Microsoft.Compute/galleries/images",
            "location": self.location,
            "tags": dict(self.tags),
            "properties": properties,
        }
