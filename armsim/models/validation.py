"""A gallery image version's read-only `validationsProfile` (`$expand=ValidationProfile`).

From api-version 2025-03-03 a version of a definition that *supports* Trusted Launch
(TrustedLaunchSupported, TrustedLaunchAndConfidentialVmSupported) is checked by the platform
for Trusted Launch compatibility; the check takes a while (at least an hour) and its result shows
in `executedValidations` (status Unknown until it ends). `platformAttributes` carry the
marketplace image the source came from, when the source says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from armsim.clock import iso

TRUSTED_LAUNCH_VALIDATION = "TrustedLaunch"
VALIDATION_VERSION = "1.0.0"


@dataclass
class VersionValidations:
    published_at: datetime
    trusted_launch_ends_at: datetime | None  # None: no Trusted Launch check for this version
    platform_attributes: list[dict[str, str]] = field(default_factory=list)

    def executed(self, now: datetime) -> list[dict[str, Any]]:
        ends = self.trusted_launch_ends_at
        if ends is None:
            return []
        return [
            {
                "type": TRUSTED_LAUNCH_VALIDATION,
                "status": "Succeeded" if now >= ends else "Unknown",
                "version": VALIDATION_VERSION,
                "executionTime": iso(self.published_at),
            }
        ]

    def to_body(self, now: datetime) -> dict[str, Any]:
        return {
            "executedValidations": self.executed(now),
            "platformAttributes": [dict(a) for a in self.platform_attributes],
            "validationEtag": iso(self.published_at),
        }
