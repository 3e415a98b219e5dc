"""Any ARM resource id a request body names (disks, snapshots, storage accounts, images, versions),
read as ARM reads it: case-insensitive types, and tolerant of a missing leading slash, which
Microsoft's own examples use (`subscriptions/{sub}/resourceGroups/...`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID = re.compile(
    r"/?subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/(?P<provider>[^/]+)/(?P<rest>.+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ResourceRef:
    subscription: str
    resource_group: str
    provider: str
    types: tuple[str, ...]  # e.g. ("galleries", "images", "versions")
    names: tuple[str, ...]  # one name per type

    @property
    def kind(self) -> str:
        """`provider/type/subtype`, lower-cased: 'microsoft.compute/disks'."""
        return "/".join((self.provider, *self.types)).lower()

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def id(self) -> str:
        """Canonical form, with the leading slash: the key armsim stores resources under."""
        path = "/".join(f"{t}/{n}" for t, n in zip(self.types, self.names, strict=True))
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/{self.provider}/{path}"
        )


def parse_ref(resource_id: str) -> ResourceRef | None:
    """The parts of a resource id, or None when it is not a resource-group-scoped ARM id."""
    match = _ID.fullmatch(resource_id.strip().rstrip("/"))
    if match is None:
        return None
    parts = match.group("rest").split("/")
    if len(parts) % 2 != 0 or not all(parts):
        return None
    return ResourceRef(
        subscription=match.group("sub"),
        resource_group=match.group("rg"),
        provider=match.group("provider"),
        types=tuple(parts[0::2]),
        names=tuple(parts[1::2]),
    )


DISK = "microsoft.compute/disks"
SNAPSHOT = "microsoft.compute/snapshots"
IMAGE = "microsoft.compute/images"
VM = "microsoft.compute/virtualmachines"
VERSION = "microsoft.compute/galleries/images/versions"
STORAGE_ACCOUNT = "microsoft.storage/storageaccounts"
