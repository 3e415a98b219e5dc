"""The rollout file: image lines a nightly timer turns into builds.

A line says what to build (a template: a build request without `source`) and where its VMs come
from: one reference VM captured again at every occurrence, or a sweep over a resource group for
VMs carrying a tag. `expand` is pure: given the occurrence and a VM listing it returns validated
requests whose correlation ids are `{line}@{occurrence}` (plus the VM name for sweeps), so a timer
that fires twice for one occurrence produces the same orchestration instance ids and starts nothing
twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Protocol, Self

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from imagefactory.exceptions import (
    FieldError,
    RequestValidationError,
    ResourceIdError,
    RolloutFileError,
)
from imagefactory.identity import instance_id_for
from imagefactory.ids import ResourceGroupId, VmId, shape_of
from imagefactory.json_input import check_structure
from imagefactory.regions import RegionCatalog
from imagefactory.request import BuildRequest, errors_from_validation
from imagefactory.request_fields import VmIdStr
from imagefactory.text import quote

_LINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_NOT_IN_CORRELATION_ID = re.compile(r"[^A-Za-z0-9._:@-]")
MAX_ROLLOUT_CHARACTERS = 1024 * 1024
# A syntactically valid VM id that stands in for `source` while a template is checked at load time.
_PLACEHOLDER_SOURCE = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rollout-template"
    "/providers/Microsoft.Compute/virtualMachines/template"
)


def _line_name(value: str) -> str:
    if not _LINE_NAME.fullmatch(value):
        raise PydanticCustomError(
            "line_name",
            "must be 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit, "
            f"got {quote(value)}",
        )
    return value


def _resource_group_id(value: str) -> str:
    try:
        return str(ResourceGroupId.parse(value))
    except ResourceIdError as error:
        raise PydanticCustomError(
            "resource_id", f"must be a resource group id {shape_of(ResourceGroupId)}: {error}"
        ) from None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sweep(_Model):
    """Every VM in `resource_group` whose tag `tag` has value `value` becomes one build."""

    resource_group: Annotated[StrictStr, AfterValidator(_resource_group_id)] = Field(
        description="Resource group id: /subscriptions/{guid}/resourceGroups/{name}."
    )
    tag: StrictStr = Field(min_length=1, max_length=512)
    value: StrictStr = Field(max_length=256)


class RolloutLine(_Model):
    name: Annotated[StrictStr, AfterValidator(_line_name)]
    template: dict[str, Any] = Field(
        description="A build request without `source` (see build-request.schema.json); target.version "
        "must be a version policy."
    )
    reference_vm: VmIdStr | None = Field(
        default=None, description="VM captured again at every occurrence."
    )
    sweep: Sweep | None = None

    @model_validator(mode="after")
    def _one_finder_and_a_valid_template(self) -> Self:
        errors = _finder_errors(self) + _template_errors(self)
        if errors:
            raise PydanticCustomError(
                "field_rules",
                "{summary}",
                {"summary": "; ".join(str(e) for e in errors), "field_errors": errors},
            )
        return self

    def request_document(self, source: str) -> dict[str, Any]:
        """The template completed with `source` (and the reference VM restart default)."""
        document = dict(self.template, source=source)
        if self.reference_vm is not None and document.get("generalize") == "none":
            document.setdefault("restart_source_after_capture", True)
        return document


def _finder_errors(line: RolloutLine) -> list[FieldError]:
    if (line.reference_vm is None) == (line.sweep is None):
        return [
            FieldError(
                "reference_vm",
                "one_source_finder",
                "exactly one of reference_vm and sweep must be given",
            )
        ]
    return []


def _template_errors(line: RolloutLine) -> list[FieldError]:
    template = line.template
    supplied = {
        "source": "the line's reference_vm or sweep supplies the source",
        "correlation_id": "each build is named {line}@{occurrence} so a repeated timer fire is recognised",
    }
    preset = [
        FieldError(f"template.{key}", "template_supplied", f"must not be set: {why}")
        for key, why in supplied.items()
        if key in template
    ]
    if preset:
        return preset
    document = line.request_document(_PLACEHOLDER_SOURCE)
    try:
        check_structure(document)
    except RequestValidationError as error:
        return [FieldError("template", e.rule, e.message) for e in error.errors]
    try:
        request = BuildRequest.model_validate(document)
    except ValidationError as error:
        return errors_from_validation(error, prefix="template")
    errors: list[FieldError] = []
    target = request.target
    if target.kind != "gallery":
        errors.append(
            FieldError(
                "template.target.kind",
                "template_target",
                "must be 'gallery': a scheduled line publishes a new gallery version at every occurrence",
            )
        )
    elif isinstance(target.version, str):
        errors.append(
            FieldError(
                "template.target.version",
                "template_version_policy",
                'must be a version policy such as {"policy": "next_patch"} or {"policy": "date"}: a fixed '
                "version can only be built once",
            )
        )
    if line.reference_vm is not None and request.generalize == "deprovision":
        errors.append(
            FieldError(
                "template.generalize",
                "reference_vm_generalize",
                "'deprovision' would leave the reference VM generalized, and a generalized VM never starts "
                "again for the next occurrence; use 'none' (specialized, restarted after capture) or "
                "'already_deprovisioned'",
            )
        )
    if line.reference_vm is not None and request.delete_source_vm:
        errors.append(
            FieldError(
                "template.delete_source_vm",
                "reference_vm_delete",
                "must be false: the reference VM is captured again at every occurrence",
            )
        )
    return errors


class RolloutFile(_Model):
    lines: list[RolloutLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_line_names(self) -> Self:
        seen: dict[str, int] = {}
        errors: list[FieldError] = []
        for index, line in enumerate(self.lines):
            key = line.name.lower()
            if key in seen:
                errors.append(
                    FieldError(
                        f"lines[{index}].name",
                        "duplicate_line",
                        f"line {line.name!r} is already defined at lines[{seen[key]}]",
                    )
                )
            else:
                seen[key] = index
        if errors:
            raise PydanticCustomError(
                "field_rules",
                "{summary}",
                {"summary": "; ".join(str(e) for e in errors), "field_errors": errors},
            )
        return self


# --------------------------------------------------------------------------------------------------
# Loading


def _decode(text: str, source: str) -> Any:
    if len(text) > MAX_ROLLOUT_CHARACTERS:
        too_large = f"is {len(text)} characters; at most {MAX_ROLLOUT_CHARACTERS}"
        raise RolloutFileError(source, [FieldError("", "too_large", too_large)])
    if text.lstrip().startswith("{") or source.lower().endswith(".json"):
        try:
            return json.loads(text)
        except (RecursionError, ValueError) as error:
            if not isinstance(error, json.JSONDecodeError):
                raise RolloutFileError(
                    source, [FieldError("", "json", f"cannot be decoded: {quote(str(error))}")]
                ) from None
            raise RolloutFileError(
                source,
                [
                    FieldError(
                        "", "json", f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}"
                    )
                ],
            ) from None
    try:
        return yaml.safe_load(text)
    except (RecursionError, ValueError) as error:  # deep nesting, or an integer past Python's limit
        undecodable = f"cannot be decoded: {quote(str(error))}"
        raise RolloutFileError(source, [FieldError("", "yaml", undecodable)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise RolloutFileError(
            source, [FieldError("", "yaml", f"not valid YAML{where}: {problem}")]
        ) from None


def load_rollout(path_or_text: str | Path) -> RolloutFile:
    """Read a rollout file (a Path, a path string, or the JSON/YAML text itself).

    Errors name the file and the field: "rollout.yaml: lines[1].template.target.version: ...".
    """
    if isinstance(path_or_text, Path) or ("\n" not in path_or_text and Path(path_or_text).is_file()):
        path = Path(path_or_text)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise RolloutFileError(
                source, [FieldError("", "unreadable", f"cannot be read: {error}")]
            ) from None
    else:
        source, text = "<text>", str(path_or_text)
    data = _decode(text, source)
    if not isinstance(data, Mapping):
        raise RolloutFileError(
            source, [FieldError("", "type", "must be a mapping with a 'lines' list at the top level")]
        )
    try:
        return RolloutFile.model_validate(data)
    except ValidationError as error:
        raise RolloutFileError(source, errors_from_validation(error)) from None


# --------------------------------------------------------------------------------------------------
# Expansion


class VmSummary(Protocol):
    """What expansion needs to know about a listed VM (the gateway's VM facts satisfy it)."""

    @property
    def id(self) -> str: ...

    @property
    def tags(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class ListedVm:
    """A plain VmSummary (for callers that list VMs some other way, and for tests)."""

    id: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlannedBuild:
    line: str
    request: BuildRequest
    instance_id: str


@dataclass(frozen=True)
class LineProblem:
    """A line (or one VM of a sweep) that produced no build this occurrence, and why."""

    line: str
    vm: str
    errors: tuple[FieldError, ...]

    def __str__(self) -> str:
        return f"line {self.line!r} (VM {self.vm}): " + "; ".join(str(e) for e in self.errors)


@dataclass(frozen=True)
class RolloutPlan:
    builds: list[PlannedBuild]
    problems: list[LineProblem]


def occurrence_stamp(occurrence: datetime) -> str:
    """`20260301T020000Z`: the occurrence in UTC, the same text however the timer expressed it."""
    if occurrence.tzinfo is None:
        raise ValueError("occurrence must be time-zone aware (the timer's scheduled time in UTC)")
    return occurrence.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _tag_matches(tags: Mapping[str, str], name: str, value: str) -> bool:
    return any(tag.lower() == name.lower() and tag_value == value for tag, tag_value in tags.items())


def _sources(line: RolloutLine, vms_by_group: Callable[[str], list[VmSummary]]) -> list[tuple[VmId, bool]]:
    """(vm, is_sweep) pairs of the line, sweeps ordered by VM name for a stable plan."""
    if line.reference_vm is not None:
        return [(VmId.parse(line.reference_vm), False)]
    assert line.sweep is not None  # guaranteed by RolloutLine validation
    group = ResourceGroupId.parse(line.sweep.resource_group)
    found: list[VmId] = []
    for vm in vms_by_group(str(group)):
        if not _tag_matches(vm.tags, line.sweep.tag, line.sweep.value):
            continue
        vm_id = VmId.parse(vm.id)
        if vm_id.resource_group_id.key != group.key:
            raise ValueError(f"VM listing for {group} returned {vm_id}, which is in another resource group")
        found.append(vm_id)
    return [(vm_id, True) for vm_id in sorted(found, key=lambda v: v.name.lower())]


def plan(
    rollout: RolloutFile,
    *,
    occurrence: datetime,
    vms_by_group: Callable[[str], list[VmSummary]],
    regions: RegionCatalog | None = None,
) -> RolloutPlan:
    """Builds for one occurrence; a broken line is reported and does not hold back the others.

    Requests are validated with `occurrence` as the clock (an end_of_life already passed fails)
    and `regions` as the region catalog (default: the public cloud's list).
    """
    stamp = occurrence_stamp(occurrence)
    builds: list[PlannedBuild] = []
    problems: list[LineProblem] = []
    for line in rollout.lines:
        for vm_id, is_sweep in _sources(line, vms_by_group):
            correlation_id = f"{line.name}@{stamp}"
            if is_sweep:
                correlation_id += ":" + _NOT_IN_CORRELATION_ID.sub("-", vm_id.name)
            document = line.request_document(str(vm_id))
            document["correlation_id"] = correlation_id
            try:
                request = BuildRequest.parse_obj_strict(document, now=occurrence, regions=regions)
            except RequestValidationError as error:
                problems.append(LineProblem(line.name, str(vm_id), tuple(error.errors)))
                continue
            builds.append(PlannedBuild(line.name, request, instance_id_for(request)))
    return RolloutPlan(builds, problems)


def expand(
    rollout: RolloutFile, *, occurrence: datetime, vms_by_group: Callable[[str], list[VmSummary]]
) -> list[PlannedBuild]:
    """Every build of the occurrence, or RolloutFileError when any line cannot produce its builds."""
    result = plan(rollout, occurrence=occurrence, vms_by_group=vms_by_group)
    if result.problems:
        raise RolloutFileError(
            "rollout",
            [
                FieldError(f"lines[{_index_of(rollout, p.line)}].template.{e.field}", e.rule, e.message)
                for p in result.problems
                for e in p.errors
            ],
        )
    return result.builds


def _index_of(rollout: RolloutFile, name: str) -> int:
    return next(i for i, line in enumerate(rollout.lines) if line.name == name)
