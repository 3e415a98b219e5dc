"""Gallery soft delete (`properties.softDeletePolicy`, api-version 2024-03-03 and later).

With the policy on, deleting an image version soft-deletes it: once the delete operation ends the
version leaves the versions list (and never counts as latest) and shows up in
`galleries/{g}/softDeletedArtifactTypes/Images/artifacts/{definition}/versions` until the
retention period (7 days) ends, when it is purged. A PATCH with `properties.restore: true` (or a
PUT of just its location, as the docs describe) brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from armsim.clock import iso
from armsim.errors import InvalidParameterError
from armsim.models.image_version import ImageVersion

DEFAULT_RETENTION_DAYS = 7
ARTIFACT_TYPE = "Images"
TARGET = "gallery.properties.softDeletePolicy"


@dataclass
class SoftDeletePolicy:
    enabled: bool
    retention_days: int = DEFAULT_RETENTION_DAYS
    grace_days: int = 0

    def to_body(self) -> dict[str, Any]:
        return {"isSoftDeleteEnabled": self.enabled}


@dataclass
class SoftDeletedVersion:
    version: ImageVersion
    deleted_at: datetime  # when the delete operation completed
    purge_at: datetime

    @property
    def id(self) -> str:
        v = self.version
        gallery = v.scope.gallery_id(v.gallery)
        return (
            f"{gallery}/softDeletedArtifactTypes/{ARTIFACT_TYPE}/artifacts/{v.definition}/versions/{v.name}"
        )

    def visible(self, now: datetime) -> bool:
        return self.deleted_at <= now < self.purge_at

    def to_resource(self) -> dict[str, Any]:
        return {
            "name": self.version.name,
            "id": self.id,
            "type": "Microsoft.Compute/galleries/softDeletedArtifactTypes/artifacts/versions",
            "location": self.version.location,
            "properties": {
                "resourceArmId": self.version.id,
                "softDeletedTime": iso(self.deleted_at),
                "softDeletedArtifactType": ARTIFACT_TYPE,
            },
        }


def soft_deleted_entry(
    version: ImageVersion, policy: SoftDeletePolicy, deleted_at: datetime
) -> SoftDeletedVersion:
    keep = timedelta(days=policy.retention_days + policy.grace_days)
    return SoftDeletedVersion(version, deleted_at, deleted_at + keep)


def parse_policy(body: dict[str, Any], current: SoftDeletePolicy | None) -> SoftDeletePolicy | None:
    properties = body.get("properties")
    raw = properties.get("softDeletePolicy") if isinstance(properties, dict) else None
    if raw is None:
        return current
    if not isinstance(raw, dict):
        raise InvalidParameterError("Parameter 'softDeletePolicy' must be an object.", target=TARGET)
    enabled = raw.get("isSoftDeleteEnabled", False)
    if not isinstance(enabled, bool):
        raise InvalidParameterError(
            "Parameter 'isSoftDeleteEnabled' must be true or false.", target=f"{TARGET}.isSoftDeleteEnabled"
        )
    days: dict[str, int] = {}
    for name, default in (("retentionPeriodInDays", DEFAULT_RETENTION_DAYS), ("gracePeriodInDays", 0)):
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidParameterError(
                f"Parameter '{name}' must be a non-negative integer.", target=f"{TARGET}.{name}"
            )
        days[name] = value
    return SoftDeletePolicy(enabled, days["retentionPeriodInDays"], days["gracePeriodInDays"])
