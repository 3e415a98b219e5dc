"""Gallery sharing: `sharingProfile` on gallery PUT/PATCH (permissions, community info), `POST
.../galleries/{g}/share` (Add, Remove, Reset, EnableCommunity) as a gallery LRO, and the rule that
a gallery name is unique within its subscription.

`share` answers 202 with the SharingUpdate it was sent, Azure-AsyncOperation and Location; the
Location monitor returns the SharingUpdate, which is what the SDK's poller deserializes.
"""

from __future__ import annotations

import copy
from typing import Any

from armsim import refusals
from armsim.backend import Backend
from armsim.errors import InvalidParameterError
from armsim.handlers.common import async_headers, enum_value, get_path, seconds_later, start_caps_operation
from armsim.http import ArmRequest, Reply
from armsim.ids import Scope, is_guid
from armsim.models.gallery import Gallery
from armsim.models.operations import finishes_at
from armsim.models.sharing import (
    COMMUNITY,
    COMMUNITY_FIELDS,
    GROUP_TYPES,
    GROUPS,
    PERMISSIONS,
    SUBSCRIPTIONS,
    TENANTS,
    SharingProfile,
)

OPERATIONS = ("Add", "Remove", "Reset", "EnableCommunity")
LIMITS = {SUBSCRIPTIONS: 30, TENANTS: 5}  # direct sharing: 30 subscriptions, 5 tenants
TARGET = "gallery.properties.sharingProfile"


def check_name_unique(backend: Backend, scope: Scope, name: str) -> None:
    """Gallery names are unique per subscription: the same name in another resource group is refused."""
    prefix = f"/subscriptions/{scope.subscription}/".lower()
    for gallery in list(backend.galleries.values()):
        if (
            gallery.name.lower() == name.lower()
            and gallery.id.lower().startswith(prefix)
            and gallery.scope.resource_group.lower() != scope.resource_group.lower()
            and backend.find(backend.galleries, gallery.id) is not None
        ):
            raise refusals.gallery_name_not_unique(name, scope.subscription)


def sharing_from_body(body: dict[str, Any], current: SharingProfile | None) -> SharingProfile | None:
    """The sharing profile a gallery PUT/PATCH asks for (groups are read-only: only `share` sets
    them); None when the body says nothing and there was none."""
    raw = get_path(body, "properties.sharingProfile")
    if raw is None:
        return current
    if not isinstance(raw, dict):
        raise InvalidParameterError("Parameter 'sharingProfile' must be an object.", target=TARGET)
    profile = copy.deepcopy(current) if current is not None else SharingProfile()  # all or nothing
    permissions = raw.get("permissions")
    if permissions is not None:
        chosen = enum_value(str(permissions), PERMISSIONS, f"{TARGET}.permissions")
        if chosen != GROUPS:
            profile.reset()
        if chosen != COMMUNITY:
            profile.community_enabled = False
            profile.public_names = []
        profile.permissions = chosen
    info = raw.get("communityGalleryInfo")
    if info is not None:
        if not isinstance(info, dict):
            raise InvalidParameterError(
                "Parameter 'communityGalleryInfo' must be an object.", target=f"{TARGET}.communityGalleryInfo"
            )
        for name in COMMUNITY_FIELDS:
            if info.get(name) is not None:
                profile.community_info[name] = str(info[name])
    if profile.permissions == COMMUNITY:
        for name in COMMUNITY_FIELDS:
            if not profile.community_info.get(name):
                raise refusals.missing(name, f"{TARGET}.communityGalleryInfo.{name}")
    return profile


def _groups(raw: Any) -> list[tuple[str, list[str]]]:
    if not isinstance(raw, list) or not raw:
        raise refusals.missing("groups", "sharingUpdate.groups")
    groups: list[tuple[str, list[str]]] = []
    for index, item in enumerate(raw):
        target = f"sharingUpdate.groups[{index}]"
        if not isinstance(item, dict):
            raise InvalidParameterError("Each sharing group must be an object {type, ids}.", target=target)
        group_type = enum_value(str(item.get("type") or ""), GROUP_TYPES, f"{target}.type")
        ids = item.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise refusals.missing("ids", f"{target}.ids")
        for identifier in ids:
            if not is_guid(identifier):
                raise refusals.invalid_group_id(group_type, identifier)
        groups.append((group_type, list(ids)))
    return groups


def share(backend: Backend, req: ArmRequest) -> Reply:
    name = req.params["gallery"]
    gallery: Gallery = backend.get(
        backend.galleries,
        req.scope.gallery_id(name),
        "Microsoft.Compute/galleries",
        name,
        req.scope.resource_group,
    )
    body = req.json_object()
    operation = enum_value(str(body.get("operationType") or ""), OPERATIONS, "sharingUpdate.operationType")
    profile = copy.deepcopy(gallery.sharing) if gallery.sharing is not None else SharingProfile()
    echo: dict[str, Any] = {"operationType": operation}
    if operation in ("Add", "Remove"):
        groups = _groups(body.get("groups"))
        if profile.permissions != GROUPS:
            raise refusals.sharing_needs_groups(gallery.name, profile.permissions)
        for group_type, ids in groups:
            if operation == "Add":
                profile.add(group_type, ids)
            else:
                profile.remove(group_type, ids)
        for group_type, limit in LIMITS.items():
            if len(profile.groups.get(group_type, [])) > limit:
                raise refusals.too_many_ids(group_type, limit)
        echo["groups"] = [{"type": t, "ids": ids} for t, ids in groups]
    elif operation == "Reset":
        profile.reset()
        profile.community_enabled = False
        profile.public_names = []
    else:
        if profile.permissions != COMMUNITY:
            raise refusals.community_not_configured(gallery.name)
        profile.enable_community()
    gallery.sharing = profile
    now = backend.now()
    op = start_caps_operation(
        backend,
        req,
        "galleries.share",
        gallery.location,
        finishes_at(seconds_later(now, backend.timing.gallery_share), output=echo),
        backend.timing.retry_after_gallery,
    )
    return Reply(202, echo, async_headers(op, req.base_url, location=True))


def shows_groups(req: ArmRequest) -> bool:
    """Groups show with `$select=Permissions` or `$expand=SharingProfile/Groups`."""
    return "permissions" in req.query.get("$select", "").lower() or "sharingprofile/groups" in req.expand()
