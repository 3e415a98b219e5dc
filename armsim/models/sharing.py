"""A gallery's sharing profile: Private, shared with groups (subscriptions and AAD tenants), or
published to the community.

`groups` is read-only on the gallery: it changes only through `POST .../share` (Add, Remove,
Reset), and a GET shows it only with `$select=Permissions` (or `$expand=SharingProfile/Groups`).
EnableCommunity turns on a Community gallery whose community info was given on PUT/PATCH.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

PRIVATE = "Private"
GROUPS = "Groups"
COMMUNITY = "Community"
PERMISSIONS = (PRIVATE, GROUPS, COMMUNITY)
SUBSCRIPTIONS = "Subscriptions"
TENANTS = "AADTenants"
GROUP_TYPES = (SUBSCRIPTIONS, TENANTS)
COMMUNITY_FIELDS = ("publisherUri", "publisherContact", "eula", "publicNamePrefix")


@dataclass
class SharingProfile:
    permissions: str = PRIVATE
    groups: dict[str, list[str]] = field(default_factory=dict)  # group type -> ids, in order added
    community_info: dict[str, str] = field(default_factory=dict)
    community_enabled: bool = False
    public_names: list[str] = field(default_factory=list)

    def add(self, group_type: str, ids: list[str]) -> None:
        current = self.groups.setdefault(group_type, [])
        known = {i.lower() for i in current}
        for identifier in ids:
            if identifier.lower() not in known:
                current.append(identifier)
                known.add(identifier.lower())

    def remove(self, group_type: str, ids: list[str]) -> None:
        gone = {i.lower() for i in ids}
        kept = [i for i in self.groups.get(group_type, []) if i.lower() not in gone]
        if kept:
            self.groups[group_type] = kept
        else:
            self.groups.pop(group_type, None)

    def reset(self) -> None:
        self.groups.clear()

    def enable_community(self) -> None:
        if not self.community_enabled:
            prefix = self.community_info.get("publicNamePrefix", "")
            self.public_names = [f"{prefix}-{uuid.uuid4()}"]
        self.community_enabled = True

    def to_body(self, show_groups: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"permissions": self.permissions}
        if show_groups:
            body["groups"] = [{"type": t, "ids": list(ids)} for t, ids in self.groups.items() if ids]
        if self.permissions == COMMUNITY:
            info: dict[str, Any] = dict(self.community_info)
            info["communityGalleryEnabled"] = self.community_enabled
            if self.public_names:
                info["publicNames"] = list(self.public_names)
            body["communityGalleryInfo"] = info
        return body
