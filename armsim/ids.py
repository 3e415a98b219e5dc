"""ARM resource ids, names and regions, read the way ARM reads them: case-insensitively.

Stored resources are keyed by their lower-cased id; responses use ARM's canonical casing
(`resourceGroups`, `Microsoft.Compute`, `virtualMachines`, `galleries/{g}/images/{d}/versions/{v}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from armsim.errors import InvalidParameterError, InvalidSubscriptionIdError

# Every pattern here is used with fullmatch: `$` would also match before a trailing newline.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PROVIDER = "Microsoft.Compute"


def is_guid(text: str) -> bool:
    """`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` of ASCII hexadecimal digits, nothing before or after."""
    return _GUID.fullmatch(text) is not None


def check_subscription(subscription: str) -> str:
    if not is_guid(subscription):
        raise InvalidSubscriptionIdError(subscription)
    return subscription


def region_key(region: str) -> str:
    """'West US' and 'westus' are the same region."""
    return region.replace(" ", "").lower()


def key(resource_id: str) -> str:
    return resource_id.lower()


@dataclass(frozen=True)
class Scope:
    """Subscription and resource group a resource lives in."""

    subscription: str
    resource_group: str

    @property
    def prefix(self) -> str:
        return f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/{PROVIDER}"

    def vm_id(self, name: str) -> str:
        return f"{self.prefix}/virtualMachines/{name}"

    def image_id(self, name: str) -> str:
        return f"{self.prefix}/images/{name}"

    def gallery_id(self, gallery: str) -> str:
        return f"{self.prefix}/galleries/{gallery}"

    def definition_id(self, gallery: str, definition: str) -> str:
        return f"{self.gallery_id(gallery)}/images/{definition}"

    def version_id(self, gallery: str, definition: str, version: str) -> str:
        return f"{self.definition_id(gallery, definition)}/versions/{version}"


_ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "virtualMachines": re.compile(
        r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
        r"virtualMachines/(?P<name>[^/]+)",
        re.IGNORECASE,
    ),
    "images": re.compile(
        r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
        r"images/(?P<name>[^/]+)",
        re.IGNORECASE,
    ),
    "versions": re.compile(
        r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
        r"galleries/(?P<gallery>[^/]+)/images/(?P<definition>[^/]+)/versions/(?P<name>[^/]+)",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True)
class ParsedId:
    kind: str
    scope: Scope
    name: str
    gallery: str = ""
    definition: str = ""


def parse_id(resource_id: str, target: str) -> ParsedId:
    """Parse a Compute resource id given in a request body; `target` names the field for errors."""
    for kind, pattern in _ID_PATTERNS.items():
        match = pattern.fullmatch(resource_id.rstrip("/"))
        if match:
            groups = match.groupdict()
            return ParsedId(
                kind=kind,
                scope=Scope(groups["sub"], groups["rg"]),
                name=groups["name"],
                gallery=groups.get("gallery") or "",
                definition=groups.get("definition") or "",
            )
    raise InvalidParameterError(
        f"Resource id '{resource_id}' is invalid: expected a virtual machine, managed image or gallery "
        "image version id of the form /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}"
        "/providers/Microsoft.Compute/...",
        target=target,
    )


_VERSION_NAME = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)")  # ASCII digits: \d takes any Unicode digit
INT32_MAX = 2_147_483_647


def check_version_name(name: str) -> None:
    match = _VERSION_NAME.fullmatch(name)
    if not match or any(int(part) > INT32_MAX for part in match.groups()):
        raise InvalidParameterError(
            f"The gallery image version name '{name}' is invalid. The version name should follow "
            "Major(int32).Minor(int32).Patch(int32) format, where the integer values are between 0 and "
            "2,147,483,647 inclusive.",
            target="galleryImageVersionName",
        )
