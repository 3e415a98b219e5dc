"""The build request: one typed model that every entry point parses and the pipeline consumes.

Bad input stops here (design principle 4). `BuildRequest.parse_json` / `parse_obj_strict` turn
any rule violation into `RequestValidationError` whose `FieldError`s name the field (a dotted
path) and the rule, with texts written for the sender. The same texts go to HTTP 400 bodies,
poison-queue reasons and the CLI, so they are part of the contract and tested verbatim.

Rules that involve one value live on the field types; rules that tie fields together
(OS state versus generalize, shallow replication limits, ...) live on the smallest model that
owns all the fields involved and still report the exact field path of the value to change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from imagefactory.exceptions import FieldError, RequestValidationError, ResourceIdError, VersionFormatError
from imagefactory.ids import (
    DefinitionId,
    GalleryId,
    ImageId,
    ResourceGroupId,
    VersionId,
    VmId,
    check_resource_group,
    normalize_guid,
    vm_id_message,
)
from imagefactory.regions import is_region_name, normalize_region
from imagefactory.request_rules import cross_field_errors, duplicate_region_errors, supplementary_errors
from imagefactory.settings import is_valid_queue_name
from imagefactory.versioning import VersionPolicy, parse_version

__all__ = [
    "BuildRequest",
    "DefinitionSpec",
    "FieldError",
    "GalleryRef",
    "GalleryTarget",
    "ManagedImageTarget",
    "Replication",
    "ReportOptions",
    "RequestValidationError",
    "TargetRegion",
    "VersionPolicy",
    "errors_from_validation",
]

MAX_REPLICAS_PER_REGION = 100
SHALLOW_STORAGE_TYPES = ("Standard_LRS", "Premium_LRS")
MAX_TAGS = 50
MAX_TAG_NAME = 512
MAX_TAG_VALUE = 256
_TAG_NAME_FORBIDDEN = "<>%&\\?/"

# --------------------------------------------------------------------------------------------------
# Single-value rules


def _rule(rule: str, message: str) -> PydanticCustomError:
    """A pydantic error whose type is our rule name (no context, so the text is used verbatim)."""
    return PydanticCustomError(rule, message)


def _vm_id(value: str) -> str:
    try:
        return str(VmId.parse(value))
    except ResourceIdError as error:
        raise _rule(
            "resource_id", vm_id_message(error)
        ) from None


def _subscription_id(value: str) -> str:
    try:
        return normalize_guid(value)
    except ResourceIdError as error:
        raise _rule("subscription_id", f"must be a subscription GUID: {error}") from None


def _resource_group(value: str) -> str:
    try:
        return check_resource_group(value)
    except ResourceIdError as error:
        raise _rule("resource_group_name", str(error)) from None


_GALLERY_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._]{0,78}[A-Za-z0-9])?$")
_DEFINITION_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9])?$")
_IMAGE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$")
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


def _gallery_name(value: str) -> str:
    if not _GALLERY_NAME.match(value):
        raise _rule(
            "gallery_name",
            "must be 1-80 letters, digits, '.' or '_', starting and ending with a letter or digit, "
            f"got {value!r}",
        )
    return value


def _definition_name(value: str) -> str:
    if not _DEFINITION_NAME.match(value):
        raise _rule(
            "definition_name",
            "must be 1-80 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, "
            f"got {value!r}",
        )
    return value


def _image_name(value: str) -> str:
    if not _IMAGE_NAME.match(value):
        raise _rule(
            "image_name",
            "must be 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit and ending "
            f"with a letter, digit or '_', got {value!r}",
        )
    return value


def _location(value: str) -> str:
    normalized = normalize_region(value)
    if not is_region_name(normalized):
        raise _rule(
            "location", f"must be an Azure region name such as 'westeurope' or 'West US 2', got {value!r}"
        )
    return normalized


def _correlation_id(value: str) -> str:
    if not _CORRELATION_ID.match(value):
        raise _rule("correlation_id", f"must be 1-128 characters of A-Z a-z 0-9 . _ : @ -, got {value!r}")
    return value


def _queue_name(value: str) -> str:
    if not is_valid_queue_name(value):
        raise _rule(
            "queue_name",
            "must be a storage queue name: 3-63 lower-case letters, digits and single hyphens, "
            f"starting and ending with a letter or digit, got {value!r}",
        )
    return value


def _explicit_version(value: str) -> str:
    try:
        return str(parse_version(value))
    except VersionFormatError as error:
        raise _rule("version_format", str(error)) from None


def _tags(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_TAGS:
        raise _rule("tags", f"at most {MAX_TAGS} tags are allowed, got {len(value)}")
    for name, tag_value in value.items():
        if not name or len(name) > MAX_TAG_NAME:
            raise _rule("tag_name", f"tag name {name!r} must be 1-{MAX_TAG_NAME} characters")
        if any(char in _TAG_NAME_FORBIDDEN for char in name):
            raise _rule("tag_name", f"tag name {name!r} must not contain any of < > % & \\ ? /")
        if len(tag_value) > MAX_TAG_VALUE:
            raise _rule("tag_value", f"tag {name!r} has a value longer than {MAX_TAG_VALUE} characters")
    return value


SubscriptionIdStr = Annotated[StrictStr, AfterValidator(_subscription_id)]
ResourceGroupName = Annotated[StrictStr, AfterValidator(_resource_group)]
Location = Annotated[StrictStr, AfterValidator(_location)]
ReplicaCount = Annotated[StrictInt, Field(ge=1, le=MAX_REPLICAS_PER_REGION)]
Tags = Annotated[dict[StrictStr, StrictStr], AfterValidator(_tags)]
StorageAccountType = Literal["Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS"]
SecurityType = Literal[
    "Standard",
    "TrustedLaunchSupported",
    "TrustedLaunch",
    "ConfidentialVMSupported",
    "ConfidentialVM",
    "TrustedLaunchAndConfidentialVmSupported",
]


def _version_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "explicit"
    if isinstance(value, Mapping | VersionPolicy):
        return "policy"
    return None


VersionSpec = Annotated[
    Annotated[StrictStr, AfterValidator(_explicit_version), Tag("explicit")]
    | Annotated[VersionPolicy, Tag("policy")],
    Discriminator(
        _version_kind,
        custom_error_type="version_type",
        custom_error_message="must be a version 'Major.Minor.Patch' or a policy object such as "
        '{"policy": "next_patch"}',
    ),
]

# --------------------------------------------------------------------------------------------------
# Cross-field rules report exact sub-paths through one pydantic error carrying FieldErrors.

_FIELD_RULES = "field_rules"


def _raise_if_any(errors: list[FieldError]) -> None:
    if errors:
        raise PydanticCustomError(
            _FIELD_RULES,
            "{summary}",
            {"summary": "; ".join(str(e) for e in errors), "field_errors": errors},
        )


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportOptions(_Model):
    results_queue: Annotated[StrictStr, AfterValidator(_queue_name)] | None = Field(
        default=None, description="Queue for the result message; omitted = the app setting's default."
    )
    region_ready_messages: StrictBool = False


class GalleryRef(_Model):
    subscription_id: SubscriptionIdStr | None = Field(default=None, description="Default: the source VM's.")
    resource_group: ResourceGroupName
    name: Annotated[StrictStr, AfterValidator(_gallery_name)]
    location: Location | None = Field(
        default=None, description="Only used when the gallery must be created; default: the VM's location."
    )


class DefinitionSpec(_Model):
    """The image definition; fields left out are taken from the VM or the existing definition."""

    name: Annotated[StrictStr, AfterValidator(_definition_name)]
    publisher: StrictStr | None = Field(default=None, min_length=1, max_length=128)
    offer: StrictStr | None = Field(default=None, min_length=1, max_length=64)
    sku: StrictStr | None = Field(default=None, min_length=1, max_length=64)
    os_type: Literal["Linux", "Windows"] | None = None
    os_state: Literal["Generalized", "Specialized"] | None = None
    hyper_v_generation: Literal["V1", "V2"] | None = None
    architecture: Literal["x64", "Arm64"] | None = None
    security_type: SecurityType | None = None
    description: StrictStr | None = None

    @model_validator(mode="after")
    def _identifier_parts_go_together(self) -> Self:
        parts = {"publisher": self.publisher, "offer": self.offer, "sku": self.sku}
        given = [name for name, value in parts.items() if value is not None]
        if given and len(given) < len(parts):
            _raise_if_any(
                [
                    FieldError(
                        name,
                        "identifier_incomplete",
                        "required when any of publisher, offer, sku is given (they identify the "
                        "definition together)",
                    )
                    for name in parts
                    if name not in given
                ]
            )
        return self


class TargetRegion(_Model):
    name: Location
    replica_count: ReplicaCount | None = None
    storage_account_type: StorageAccountType | None = None
    exclude_from_latest: StrictBool | None = None


class Replication(_Model):
    mode: Literal["Full", "Shallow"] = "Full"
    replica_count: ReplicaCount = 1
    storage_account_type: StorageAccountType = "Standard_LRS"
    target_regions: list[TargetRegion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _regions_unique_and_shallow_limits(self) -> Self:
        errors = duplicate_region_errors(self.region_names())
        if self.mode == "Shallow":
            errors.extend(self._shallow_errors())
        _raise_if_any(errors)
        return self

    def _shallow_errors(self) -> list[FieldError]:
        """Shallow replication keeps one reference copy: one replica, LRS storage, everywhere."""
        errors: list[FieldError] = []
        counts = [("replica_count", self.replica_count)] + [
            (f"target_regions[{i}].replica_count", r.replica_count) for i, r in enumerate(self.target_regions)
        ]
        for path, count in counts:
            if count is not None and count != 1:
                errors.append(
                    FieldError(
                        path, "shallow_replica_count", f"must be 1 with Shallow replication, got {count}"
                    )
                )
        storages = [("storage_account_type", self.storage_account_type)] + [
            (f"target_regions[{i}].storage_account_type", r.storage_account_type)
            for i, r in enumerate(self.target_regions)
        ]
        for path, storage in storages:
            if storage is not None and storage not in SHALLOW_STORAGE_TYPES:
                errors.append(
                    FieldError(
                        path,
                        "shallow_storage_type",
                        f"must be Standard_LRS or Premium_LRS with Shallow replication, got {storage!r}",
                    )
                )
        return errors

    def region_names(self) -> list[str]:
        return [region.name for region in self.target_regions]


class GalleryTarget(_Model):
    kind: Literal["gallery"]
    gallery: GalleryRef
    definition: DefinitionSpec
    version: VersionSpec = Field(
        description="Explicit 'Major.Minor.Patch' or a policy {policy: next_patch|next_minor|date, major}."
    )
    exclude_from_latest: StrictBool = False
    end_of_life: AwareDatetime | None = Field(
        default=None, description="Time-zone aware; must be in the future."
    )
    replication: Replication = Field(default_factory=Replication)
    allow_deletion_of_replicated_locations: StrictBool = False
    tags: Tags = Field(default_factory=dict)

    @field_validator("end_of_life")
    @classmethod
    def _end_of_life_in_future(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        now = _clock(info)
        if value is not None and now is not None and value <= now:
            raise _rule(
                "future",
                f"must be in the future, got {value.isoformat()} (now {now.isoformat(timespec='seconds')})",
            )
        return value

    def gallery_id(self, source: VmId) -> GalleryId:
        return GalleryId(
            self.gallery.subscription_id or source.subscription_id,
            self.gallery.resource_group,
            self.gallery.name,
        )

    def definition_id(self, source: VmId) -> DefinitionId:
        return self.gallery_id(source).definition(self.definition.name)

    def version_id(self, source: VmId) -> VersionId | None:
        """The version's id when the version is explicit; None when a policy picks it at run time."""
        if isinstance(self.version, str):
            return self.definition_id(source).version(self.version)
        return None


class ManagedImageTarget(_Model):
    kind: Literal["managed_image"]
    subscription_id: SubscriptionIdStr | None = Field(default=None, description="Default: the source VM's.")
    resource_group: ResourceGroupName
    name: Annotated[StrictStr, AfterValidator(_image_name)]
    location: Location | None = Field(default=None, description="Default: the VM's location.")
    hyper_v_generation: Literal["V1", "V2"] | None = Field(default=None, description="Default: the VM's.")
    tags: Tags = Field(default_factory=dict)

    def image_id(self, source: VmId) -> ImageId:
        return ImageId(self.subscription_id or source.subscription_id, self.resource_group, self.name)


Target = Annotated[GalleryTarget | ManagedImageTarget, Field(discriminator="kind")]
TARGET_KINDS = ("gallery", "managed_image")
VERSION_TAGS = ("explicit", "policy")
Generalize = Literal["deprovision", "already_deprovisioned", "none"]


def _clock(info: ValidationInfo) -> datetime | None:
    """The `now` the caller validates against, or None to skip time-relative rules.

    Only the door (parse_json / parse_obj_strict) checks against a clock. Re-reading a request that
    was accepted earlier (orchestration input on replay, days later) must not fail because time
    moved on, and must not read the wall clock inside deterministic orchestrator code.
    """
    context = info.context
    if isinstance(context, Mapping):
        now = context.get("now")
        if isinstance(now, datetime):
            return now
    return None


class BuildRequest(_Model):
    """One image build: which VM, how to generalize it, and where the image goes."""

    source: Annotated[StrictStr, AfterValidator(_vm_id)] = Field(
        description="Resource id of the prepared VM to capture."
    )
    generalize: Generalize = Field(
        default="deprovision",
        description="deprovision: run waagent/sysprep through Run Command, then mark generalized; "
        "already_deprovisioned: only mark generalized; none: specialized image.",
    )
    target: Target
    delete_source_vm: StrictBool = False
    restart_source_after_capture: StrictBool = Field(
        default=False, description="Start the specialized source VM again once the image is captured."
    )
    correlation_id: Annotated[StrictStr, AfterValidator(_correlation_id)] | None = None
    report: ReportOptions = Field(default_factory=ReportOptions)
    rebuild_failed: StrictBool = Field(
        default=False, description="Explicit opt-in to start again a build whose last attempt Failed."
    )

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        _raise_if_any(self._cross_field_errors())
        return self

    def _cross_field_errors(self) -> list[FieldError]:
        target = self.target
        return cross_field_errors(
            generalize=self.generalize,
            target_kind=target.kind,
            os_state=target.definition.os_state if isinstance(target, GalleryTarget) else None,
            restart=self.restart_source_after_capture,
            delete=self.delete_source_vm,
        )

    # ---- derived identities (used by the pipeline, scopes and identity) -------------------------

    @property
    def source_vm(self) -> VmId:
        return VmId.parse(self.source)

    @property
    def target_resource_group(self) -> ResourceGroupId:
        """The resource group the image (or the gallery) lives in."""
        source = self.source_vm
        if isinstance(self.target, GalleryTarget):
            return self.target.gallery_id(source).resource_group_id
        return self.target.image_id(source).resource_group_id

    # ---- parsing at the door -------------------------------------------------------------------

    @classmethod
    def parse_json(cls, text: str | bytes, *, now: datetime | None = None) -> BuildRequest:
        """Parse a JSON document; RequestValidationError lists every broken rule.

        `now` is the clock for time-relative rules (end_of_life in the future); default: UTC now.
        """
        return cls.parse_obj_strict(load_json_object(text), now=now)

    @classmethod
    def parse_obj_strict(cls, data: Any, *, now: datetime | None = None) -> BuildRequest:
        """Validate an already-decoded object (dict from JSON or YAML) with the same rules."""
        if not isinstance(data, Mapping):
            raise RequestValidationError(
                [FieldError("body", "type", f"must be a JSON object, got {_json_type(data)}")]
            )
        clock = now if now is not None else datetime.now(UTC)
        try:
            return cls.model_validate(data, context={"now": clock})
        except ValidationError as error:
            first = errors_from_validation(error)
            unknown = [
                tuple(e["loc"]) for e in error.errors(include_url=False) if e["type"] == "extra_forbidden"
            ]

            def validate(document: Mapping[str, Any]) -> list[FieldError]:
                try:
                    cls.model_validate(document, context={"now": clock})
                except ValidationError as again:
                    return errors_from_validation(again)
                return []

            more = supplementary_errors(data, first, unknown, validate)
            raise RequestValidationError(first + more) from None


# --------------------------------------------------------------------------------------------------
# JSON decoding and pydantic error translation


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def load_json_object(text: str | bytes) -> dict[str, Any]:
    """Decode a JSON object with errors a sender can act on (line and column, duplicate keys)."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise RequestValidationError(
                [FieldError("body", "encoding", f"not valid UTF-8 at byte {error.start}")]
            ) from None
    try:
        data = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as error:
        raise RequestValidationError(
            [
                FieldError(
                    "body", "json", f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
                )
            ]
        ) from None
    except _DuplicateKeyError as error:
        raise RequestValidationError(
            [FieldError("body", "duplicate_key", f"key {error.key!r} appears more than once in one object")]
        ) from None
    if not isinstance(data, dict):
        raise RequestValidationError(
            [FieldError("body", "type", f"must be a JSON object, got {_json_type(data)}")]
        )
    return data


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _path(loc: tuple[int | str, ...]) -> str:
    """pydantic's loc -> "target.replication.target_regions[1].name", union tags removed."""
    text = ""
    previous: int | str | None = None
    for part in loc:
        is_target_tag = previous == "target" and part in TARGET_KINDS
        is_version_tag = previous == "version" and part in VERSION_TAGS
        previous = part
        if is_target_tag or is_version_tag or part == "[key]":
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"
    return text


def _join(prefix: str, field: str) -> str:
    if not prefix:
        return field
    return f"{prefix}{field}" if field.startswith("[") else f"{prefix}.{field}"


_DATETIME_MESSAGE = "must be an ISO 8601 date-time with a time zone, such as 2030-01-31T00:00:00Z"
_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "datetime_type": _DATETIME_MESSAGE,
    "datetime_parsing": _DATETIME_MESSAGE,
    "datetime_from_date_parsing": _DATETIME_MESSAGE,
    "timezone_aware": "must include a time zone, such as 'Z' or '+02:00'",
}


def _translate(error: Any) -> list[FieldError]:
    kind: str = error["type"]
    path = _path(tuple(error["loc"]))
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind == _FIELD_RULES:
        return [FieldError(_join(path, e.field), e.rule, e.message) for e in ctx["field_errors"]]
    if kind == "missing":
        return [FieldError(path, "required", "field required")]
    if kind == "extra_forbidden":
        return [FieldError(path, "unknown_field", "unknown field (not part of the schema)")]
    if kind == "union_tag_not_found":
        return [
            FieldError(_join(path, "kind"), "required", "field required: one of 'gallery', 'managed_image'")
        ]
    if kind == "union_tag_invalid":
        return [
            FieldError(
                _join(path, "kind"),
                "allowed_values",
                f"must be one of {ctx.get('expected_tags')}, got {ctx.get('tag')!r}",
            )
        ]
    if kind == "literal_error":
        return [FieldError(path, "allowed_values", f"must be one of {ctx.get('expected')}, got {value!r}")]
    if kind in _TYPE_MESSAGES:
        rule = (
            "datetime"
            if kind.startswith("datetime")
            else ("timezone" if kind == "timezone_aware" else "type")
        )
        got = "" if rule != "type" else f", got {_json_type(value)}"
        return [FieldError(path, rule, _TYPE_MESSAGES[kind] + got)]
    if kind == "greater_than_equal":
        return [FieldError(path, "range", f"must be at least {ctx.get('ge')}, got {value!r}")]
    if kind == "less_than_equal":
        return [FieldError(path, "range", f"must be at most {ctx.get('le')}, got {value!r}")]
    if kind == "string_too_short":
        return [FieldError(path, "length", f"must be at least {ctx.get('min_length')} characters")]
    if kind == "too_short":
        return [
            FieldError(
                path,
                "length",
                f"must have at least {ctx.get('min_length')} item, got {ctx.get('actual_length')}",
            )
        ]
    if kind == "string_too_long":
        return [FieldError(path, "length", f"must be at most {ctx.get('max_length')} characters")]
    return [FieldError(path, kind, str(error["msg"]))]


def errors_from_validation(error: ValidationError, prefix: str = "") -> list[FieldError]:
    """Every pydantic error as FieldErrors with our paths, rules and texts (prefix: parent path)."""
    translated: list[FieldError] = []
    for item in error.errors(include_url=False):
        for field_error in _translate(item):
            translated.append(
                FieldError(_join(prefix, field_error.field), field_error.rule, field_error.message)
            )
    return translated
