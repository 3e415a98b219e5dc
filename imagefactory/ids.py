"""ARM resource ids of the resources Image Factory reads and writes.

ARM treats resource ids case-insensitively, but people and tools write them in many casings.
Each id here keeps the names as given (they are shown back to users) and offers `key`, a
lower-cased canonical form, for every comparison, hash and deterministic identity. The provider
and type segments are always rendered in ARM's canonical casing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Self

from imagefactory.exceptions import ResourceIdError

_PROVIDER = "Microsoft.Compute"

# Azure resource group names: 1-90 of letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
_RESOURCE_GROUP = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
# A resource name segment: no slashes, no control characters; Azure checks the finer rules.
_NAME = re.compile(r"^[^/\x00-\x1f]{1,260}$")


def normalize_guid(value: str) -> str:
    """Lower-case canonical GUID text, or ResourceIdError when `value` is not a GUID."""
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise ResourceIdError(f"subscription id {value!r} is not a GUID") from None
    if len(value) != 36:
        raise ResourceIdError(
            f"subscription id {value!r} is not a GUID in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
        )
    return str(parsed)


def check_resource_group(value: str) -> str:
    """`value` if it is a valid resource group name, else ResourceIdError saying why."""
    if not _RESOURCE_GROUP.match(value):
        raise ResourceIdError(
            f"resource group {value!r} must be 1-90 letters, digits, '_', '-', '.', '(' or ')' "
            "and must not end with '.'"
        )
    return value


def _check_name(kind: str, value: str) -> str:
    if not _NAME.match(value):
        raise ResourceIdError(f"{kind} name {value!r} is empty or contains '/' or control characters")
    return value


def _segments(text: str) -> list[str]:
    if not isinstance(text, str):
        raise ResourceIdError(f"a resource id must be a string, got {type(text).__name__}")
    stripped = text.strip()
    if not stripped.startswith("/"):
        raise ResourceIdError(f"{text!r} does not start with '/subscriptions/'")
    parts = stripped.rstrip("/").split("/")[1:]
    if any(part == "" for part in parts):
        raise ResourceIdError(f"{text!r} contains an empty segment ('//')")
    return parts


def _match(text: str, pattern: list[str | None]) -> list[str]:
    """The variable segments of `text` for `pattern` (None = variable, str = literal, any case)."""
    parts = _segments(text)
    if len(parts) != len(pattern):
        raise ResourceIdError(f"{text!r} does not have the shape {_shape(pattern)}")
    values: list[str] = []
    for part, literal in zip(parts, pattern, strict=True):
        if literal is None:
            values.append(part)
        elif part.lower() != literal.lower():
            raise ResourceIdError(
                f"{text!r} has segment {part!r} where {literal!r} is expected (shape {_shape(pattern)})"
            )
    return values


_PLACEHOLDER_AFTER = {
    "subscriptions": "{subscription-guid}",
    "resourceGroups": "{resource-group}",
    "virtualMachines": "{vm-name}",
    "galleries": "{gallery-name}",
    "images": "{image-name}",
    "versions": "{Major.Minor.Patch}",
}


def _shape(pattern: list[str | None]) -> str:
    """The human-readable template of an id, e.g. /subscriptions/{subscription-guid}/..."""
    names: list[str] = []
    previous = ""
    for literal in pattern:
        names.append(literal if literal is not None else _PLACEHOLDER_AFTER.get(previous, "{name}"))
        previous = literal or ""
    return "/" + "/".join(names)


def shape_of(kind: type[ResourceGroupId | VmId | GalleryId | DefinitionId | VersionId | ImageId]) -> str:
    """The template of `kind`'s ids, used in error messages."""
    return _shape(list(kind.PATTERN))


def _scope(subscription_id: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


class _Keyed:
    """`key`: the id lower-cased, for every comparison, hash and deterministic identity."""

    @property
    def key(self) -> str:
        return str(self).lower()


class _InResourceGroup(_Keyed):
    """An id of a resource that lives directly in a resource group (sweeps and scopes use the group)."""

    subscription_id: str
    resource_group: str

    @property
    def resource_group_id(self) -> ResourceGroupId:
        return ResourceGroupId(self.subscription_id, self.resource_group)


@dataclass(frozen=True)
class ResourceGroupId(_Keyed):
    """`/subscriptions/{guid}/resourceGroups/{rg}`: where the sweeps and the scopes point."""

    subscription_id: str
    resource_group: str

    PATTERN = ("subscriptions", None, "resourceGroups", None)

    @classmethod
    def parse(cls, text: str) -> Self:
        sub, rg = _match(text, list(cls.PATTERN))
        return cls(normalize_guid(sub), check_resource_group(rg))

    def __str__(self) -> str:
        return _scope(self.subscription_id, self.resource_group)


@dataclass(frozen=True)
class VmId(_InResourceGroup):
    subscription_id: str
    resource_group: str
    name: str

    PATTERN = ("subscriptions", None, "resourceGroups", None, "providers", _PROVIDER, "virtualMachines", None)

    @classmethod
    def parse(cls, text: str) -> Self:
        sub, rg, name = _match(text, list(cls.PATTERN))
        return cls(normalize_guid(sub), check_resource_group(rg), _check_name("virtual machine", name))

    def __str__(self) -> str:
        scope = _scope(self.subscription_id, self.resource_group)
        return f"{scope}/providers/{_PROVIDER}/virtualMachines/{self.name}"


@dataclass(frozen=True)
class GalleryId(_InResourceGroup):
    subscription_id: str
    resource_group: str
    name: str

    PATTERN = ("subscriptions", None, "resourceGroups", None, "providers", _PROVIDER, "galleries", None)

    @classmethod
    def parse(cls, text: str) -> Self:
        sub, rg, name = _match(text, list(cls.PATTERN))
        return cls(normalize_guid(sub), check_resource_group(rg), _check_name("gallery", name))

    def __str__(self) -> str:
        return (
            f"{_scope(self.subscription_id, self.resource_group)}/providers/{_PROVIDER}/galleries/{self.name}"
        )

    def definition(self, name: str) -> DefinitionId:
        return DefinitionId(self.subscription_id, self.resource_group, self.name, name)


@dataclass(frozen=True)
class DefinitionId(_Keyed):
    """A gallery image definition (`.../galleries/{gallery}/images/{definition}`)."""

    subscription_id: str
    resource_group: str
    gallery: str
    name: str

    PATTERN = (
        "subscriptions",
        None,
        "resourceGroups",
        None,
        "providers",
        _PROVIDER,
        "galleries",
        None,
        "images",
        None,
    )

    @classmethod
    def parse(cls, text: str) -> Self:
        sub, rg, gallery, name = _match(text, list(cls.PATTERN))
        return cls(
            normalize_guid(sub),
            check_resource_group(rg),
            _check_name("gallery", gallery),
            _check_name("image definition", name),
        )

    def __str__(self) -> str:
        return f"{self.gallery_id}/images/{self.name}"

    @property
    def gallery_id(self) -> GalleryId:
        return GalleryId(self.subscription_id, self.resource_group, self.gallery)

    def version(self, name: str) -> VersionId:
        return VersionId(self.subscription_id, self.resource_group, self.gallery, self.name, name)


@dataclass(frozen=True)
class VersionId(_Keyed):
    """A gallery image version (`.../images/{definition}/versions/{Major.Minor.Patch}`)."""

    subscription_id: str
    resource_group: str
    gallery: str
    definition: str
    name: str

    PATTERN = (
        "subscriptions",
        None,
        "resourceGroups",
        None,
        "providers",
        _PROVIDER,
        "galleries",
        None,
        "images",
        None,
        "versions",
        None,
    )

    @classmethod
    def parse(cls, text: str) -> Self:
        sub, rg, gallery, definition, name = _match(text, list(cls.PATTERN))
        return cls(
            normalize_guid(sub),
            check_resource_group(rg),
            _check_name("gallery", gallery),
            _check_name("image definition", definition),
            _check_name("image version", name),
        )

    def __str__(self) -> str:
        return f"{self.definition_id}/versions/{self.name}"

    @property
    def definition_id(self) -> DefinitionId:
        return DefinitionId(self.subscription_id, self.resource_group, self.gallery, self.definition)

    @property
    def gallery_id(self) -> GalleryId:
        return GalleryId(self.subscription_id, self.resource_group, self.gallery)


@dataclass(frozen=True)
class ImageId(_InResourceGroup):
    """A managed image (`.../providers/Microsoft.Compute/images/{name}`)."""

    subscription_id: str
    resource_group: str
    name: str

    PATTERN = ("subscriptions", None, "resourceGroups", None, "providers", _PROVIDER, "images", None)

    @classmethod
    def parse(cls, text: str) -> Self:
        sub, rg, name = _match(text, list(cls.PATTERN))
        return cls(normalize_guid(sub), check_resource_group(rg), _check_name("image", name))

    def __str__(self) -> str:
        return f"{_scope(self.subscription_id, self.resource_group)}/providers/{_PROVIDER}/images/{self.name}"


def vm_id_message(error: ResourceIdError) -> str:
    """The rule text for a bad VM id, naming the expected shape once (the error may already)."""
    detail = str(error)
    shape = shape_of(VmId)
    if shape in detail:
        return f"must be a virtual machine resource id: {detail}"
    return f"must be a virtual machine resource id {shape}: {detail}"
