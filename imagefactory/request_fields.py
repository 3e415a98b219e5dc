"""Single-value rules of a build request: one annotated type per kind of field.

Each type validates one value and raises a pydantic error whose type is the rule name and whose
text is the sentence a sender reads; its JSON Schema carries the same pattern and bounds
(imagefactory.naming, imagefactory.text), so the published schemas refuse what the model refuses.
Which field uses which type is in request.py (the request) and request_target.py (the target).

Time- and place-relative rules (end_of_life in the future, a region that exists) are only
checked when the door passes a clock and a region catalog in the validation context: an
orchestration re-reading an accepted request must not fail because time moved on or a list changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Discriminator, Field, StrictStr, Tag, ValidationInfo
from pydantic_core import PydanticCustomError

from imagefactory import naming
from imagefactory.exceptions import ResourceIdError, VersionFormatError
from imagefactory.ids import VmId, vm_id_message
from imagefactory.regions import (
    MAX_REGION_LENGTH,
    REGION_INPUT_PATTERN,
    RegionCatalog,
    normalize_region,
    region_shape_problem,
)
from imagefactory.text import MULTILINE_TEXT_PATTERN, TEXT_PATTERN, quote, text_problem
from imagefactory.versioning import VersionPolicy, parse_version

MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
MAX_DESCRIPTION = 2048
MAX_SOURCE_ID = 512
_TAG_NAME_FORBIDDEN = "<>%&\\?/"
CORRELATION_ID_PATTERN = f"^[A-Za-z0-9._:@-]{{1,128}}{naming.END}"
_ci = naming.case_insensitive
VM_ID_PATTERN = (
    f"^/{_ci('subscriptions')}/{naming.GUID.body}/{_ci('resourceGroups')}/{naming.RESOURCE_GROUP.body}"
    f"/{_ci('providers')}/{_ci('Microsoft.Compute')}/{_ci('virtualMachines')}/{naming.VM_NAME.body}/?"
    f"{naming.END}"
)


def rule(name: str, message: str) -> PydanticCustomError:
    """A pydantic error whose type is our rule name (no context, so the text is used verbatim)."""
    return PydanticCustomError(name, message)


def clock(info: ValidationInfo) -> datetime | None:
    """The `now` the door validates against, or None to skip time-relative rules."""
    context = info.context
    if isinstance(context, Mapping):
        now = context.get("now")
        if isinstance(now, datetime):
            return now
    return None


def region_catalog(info: ValidationInfo) -> RegionCatalog | None:
    """The region catalog the door validates against, or None to skip the existence check."""
    context = info.context
    if isinstance(context, Mapping):
        catalog = context.get("regions")
        if isinstance(catalog, RegionCatalog):
            return catalog
    return None


def _named(name_rule: naming.NameRule) -> Callable[[str], str]:
    def check(value: str) -> str:
        broken = naming.problem(name_rule, value)
        if broken is not None:
            raise rule(name_rule.rule, broken)
        return value

    return check


def _vm_id(value: str) -> str:
    if len(value) > MAX_SOURCE_ID:
        raise rule(
            "resource_id",
            f"must be a virtual machine resource id of at most {MAX_SOURCE_ID} characters, got "
            f"{quote(value)} ({len(value)} characters)",
        )
    parts = value.removesuffix("/").split("/")
    if len(parts) == 9 and parts[7].lower() == "virtualmachines":  # the shape; name the VM rule first
        broken = naming.problem(naming.VM_NAME, parts[8])
        if broken is not None:
            raise rule("resource_id", vm_id_message(ResourceIdError(f"{naming.VM_NAME.what} {broken}")))
    try:
        vm = VmId.parse(value)
    except ResourceIdError as error:
        raise rule("resource_id", vm_id_message(error)) from None
    for name_rule, part in ((naming.RESOURCE_GROUP, vm.resource_group), (naming.VM_NAME, vm.name)):
        broken = naming.problem(name_rule, part)
        if broken is not None:
            raise rule("resource_id", vm_id_message(ResourceIdError(f"{name_rule.what} {broken}")))
    return str(vm)


def _subscription_id(value: str) -> str:
    broken = naming.problem(naming.GUID, value)
    if broken is not None:
        raise rule("subscription_id", broken)
    return value.lower()


def _location(value: str, info: ValidationInfo) -> str:
    broken = region_shape_problem(value)
    if broken is not None:
        raise rule("location", broken)
    catalog = region_catalog(info)
    if catalog is not None:
        unknown = catalog.problem(value)
        if unknown is not None:
            raise rule("unknown_region", f"must be a known Azure region: {unknown}")
    return normalize_region(value)


def _correlation_id(value: str) -> str:
    if re.fullmatch(CORRELATION_ID_PATTERN, value) is None:
        raise rule("correlation_id", f"must be 1-128 characters of A-Z a-z 0-9 . _ : @ -, got {quote(value)}")
    return value


def _explicit_version(value: str) -> str:
    try:
        return str(parse_version(value))
    except VersionFormatError as error:
        raise rule("version_format", str(error)) from None


def _text(max_length: int, multiline: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        broken = text_problem(value, max_length=max_length, multiline=multiline)
        if broken is not None:
            raise rule(*broken)
        return value

    return check


def _text_schema(max_length: int, multiline: bool = False, min_length: int = 0) -> dict[str, Any]:
    schema: dict[str, Any] = {"pattern": MULTILINE_TEXT_PATTERN if multiline else TEXT_PATTERN}
    if min_length:
        schema["minLength"] = min_length
    schema["maxLength"] = max_length
    return schema


def _tags(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_TAGS:
        raise rule("tags", f"at most {MAX_TAGS} tags are allowed, got {len(value)}")
    for name, tag_value in value.items():
        if not name or len(name) > MAX_TAG_NAME:
            raise rule("tag_name", f"tag name {quote(name)} must be 1-{MAX_TAG_NAME} characters")
        if any(char in _TAG_NAME_FORBIDDEN for char in name):
            raise rule("tag_name", f"tag name {quote(name)} must not contain any of < > % & \\ ? /")
        broken = text_problem(name, max_length=MAX_TAG_NAME)
        if broken is not None:
            raise rule("tag_name", f"tag name {quote(name)} {broken[1]}")
        if len(tag_value) > MAX_TAG_VALUE:
            raise rule("tag_value", f"tag {quote(name)} has a value longer than {MAX_TAG_VALUE} characters")
        broken = text_problem(tag_value, max_length=MAX_TAG_VALUE)
        if broken is not None:
            raise rule("tag_value", f"tag {quote(name)} has a value that {broken[1]}")
    return value


_TAG_NAME_SCHEMA = {
    "pattern": f"^[^<>%&\\\\?/\\u0000-\\u001f\\u007f-\\u009f]{{1,{MAX_TAG_NAME}}}{naming.END}"
}
_TAG_VALUE_SCHEMA = {"pattern": TEXT_PATTERN, "maxLength": MAX_TAG_VALUE}

VmIdStr = Annotated[
    StrictStr,
    AfterValidator(_vm_id),
    Field(json_schema_extra={"pattern": VM_ID_PATTERN, "maxLength": MAX_SOURCE_ID}),
]
SubscriptionIdStr = Annotated[
    StrictStr, AfterValidator(_subscription_id), Field(json_schema_extra=naming.GUID.json_schema())
]
ResourceGroupName = Annotated[
    StrictStr,
    AfterValidator(_named(naming.RESOURCE_GROUP)),
    Field(json_schema_extra=naming.RESOURCE_GROUP.json_schema()),
]
GalleryName = Annotated[
    StrictStr,
    AfterValidator(_named(naming.GALLERY_NAME)),
    Field(json_schema_extra=naming.GALLERY_NAME.json_schema()),
]
DefinitionName = Annotated[
    StrictStr,
    AfterValidator(_named(naming.DEFINITION_NAME)),
    Field(json_schema_extra=naming.DEFINITION_NAME.json_schema()),
]
ImageName = Annotated[
    StrictStr,
    AfterValidator(_named(naming.IMAGE_NAME)),
    Field(json_schema_extra=naming.IMAGE_NAME.json_schema()),
]
QueueName = Annotated[
    StrictStr,
    AfterValidator(_named(naming.QUEUE_NAME)),
    Field(json_schema_extra=naming.QUEUE_NAME.json_schema()),
]
Location = Annotated[
    StrictStr,
    AfterValidator(_location),
    Field(json_schema_extra={"pattern": REGION_INPUT_PATTERN, "maxLength": MAX_REGION_LENGTH}),
]
CorrelationId = Annotated[
    StrictStr, AfterValidator(_correlation_id), Field(json_schema_extra={"pattern": CORRELATION_ID_PATTERN})
]
Publisher = Annotated[
    StrictStr,
    Field(min_length=1),
    AfterValidator(_text(128)),
    Field(json_schema_extra=_text_schema(128, min_length=1)),
]
OfferOrSku = Annotated[
    StrictStr,
    Field(min_length=1),
    AfterValidator(_text(64)),
    Field(json_schema_extra=_text_schema(64, min_length=1)),
]
Description = Annotated[
    StrictStr,
    AfterValidator(_text(MAX_DESCRIPTION, multiline=True)),
    Field(json_schema_extra=_text_schema(MAX_DESCRIPTION, multiline=True)),
]
Tags = Annotated[
    dict[
        Annotated[StrictStr, Field(json_schema_extra=_TAG_NAME_SCHEMA)],
        Annotated[StrictStr, Field(json_schema_extra=_TAG_VALUE_SCHEMA)],
    ],
    AfterValidator(_tags),
    Field(json_schema_extra={"maxProperties": MAX_TAGS}),
]


def _version_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "explicit"
    if isinstance(value, Mapping | VersionPolicy):
        return "policy"
    return None


VersionSpec = Annotated[
    Annotated[
        StrictStr,
        AfterValidator(_explicit_version),
        Field(json_schema_extra=naming.VERSION_NAME.json_schema()),
        Tag("explicit"),
    ]
    | Annotated[VersionPolicy, Tag("policy")],
    Discriminator(
        _version_kind,
        custom_error_type="version_type",
        custom_error_message="must be a version 'Major.Minor.Patch' or a policy object such as "
        '{"policy": "next_patch"}',
    ),
]
