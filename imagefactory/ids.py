"""ARM resource ids of the resources Image Factory reads and writes.

ARM treats resource ids case-insensitively, but people and tools write them in many casings.
Each id here keeps the names as given (they are shown back to users) and offers `key`, a
lower-cased canonical form, for every comparison, hash and deterministic identity. The provider
and type segments are always rendered in ARM's canonical casing.

Parsing checks the shape, the subscription GUID and the resource group (imagefactory.naming), and
refuses in every name segment what would change the URL ARM is sent: '.', '..', '?', '#', '%',
'\\', whitespace and control characters. Nothing is trimmed or rewritten except the casing of the
GUID and of the literal segments, which ARM does not distinguish. A request's own names are held
to Azure's full rule per resource type at the door (imagefactory.request_fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from imagefactory import naming
from imagefactory.exceptions import ResourceIdError
from imagefactory.text import quote

_PROVIDER = "Microsoft.Compute"
_MAX_NAME = 260
_ID_QUOTE = 300  # ids are quoted whole in errors up to this length


def normalize_guid(value: str) -> str:
    """Lower-case canonical GUID text, or ResourceIdError naming the rule when `value` is not one."""
    broken = naming.problem(naming.GUID, value)
    if broken is not None:
        raise ResourceIdError(f"subscription id {broken}")
    return value.lower()


def check_resource_group(value: str) -> str:
    """`value` if it is a valid resource group name, else ResourceIdError saying why."""
    broken = naming.problem(naming.RESOURCE_GROUP, value)
    if broken is not None:
        raise ResourceIdError(f"resource group {broken}")
    return value


def _check_name(kind: str, value: str) -> str:
    """A name segment that leaves the URL as it is (Azure's finer rule is checked by the caller)."""
    bad = (
        value in (".", "..")
        or len(value) > _MAX_NAME
        or any(char in "?#%\\" or char.isspace() or not char.isprintable() for char in value)
    )
    if bad:
        raise ResourceIdError(
            f"{kind} name {quote(value)} must be 1-{_MAX_NAME} characters without '?', '#', '%', '\\', "
            "whitespace or control characters, and not '.' or '..'"
        )
    return value


def _segments(text: str) -> list[str]:
    if not isinstance(text, str):
        raise ResourceIdError(f"a resource id must be a string, got {type(text).__name__}")
    if not text.startswith("/"):
        raise ResourceIdError(f"{quote(text, _ID_QUOTE)} does not start with '/subscriptions/'")
    parts = text.removesuffix("/").split("/")[1:]
    if any(part == "" for part in parts):
        raise ResourceIdError(f"{quote(text, _ID_QUOTE)} contains an empty segment ('//')")
    return parts


def _match(text: str, pattern: list[str | None]) -> list[str]:
    """The variable segments of `text` for `pattern` (None = variable, str = literal, any case)."""
    parts = _segments(text)
    if len(parts) != len(pattern):
        raise ResourceIdError(f"{quote(text, _ID_QUOTE)} does not have the shape {_shape(pattern)}")
    values: list[str] = []
    for part, literal in zip(parts, pattern, strict=True):
        if literal is None:
            values.append(part)
        elif part.lower() != literal.lower():
            raise ResourceIdError(
                f"{quote(text, _ID_QUOTE)} has segment {quote(part)} where {literal!r} is expected "
                f"(shape {_shape(pattern)})"
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
