"""Rules that relate several fields of a build request, usable with or without a valid model.

pydantic runs a model's own validator only when every field of that model validated, so a request
with one typo'd field would hide its duplicate region or its contradictory generalize/os_state
until the typo is fixed. A user fixing a request wants every error in one round trip, so these
rules are plain functions: the model validators call them, and `supplementary_errors` runs them
on the raw document when validation failed, on exactly those inputs that are themselves valid
(a rule whose input is broken says nothing; the broken input is reported already).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from imagefactory.exceptions import FieldError
from imagefactory.regions import is_region_name, normalize_region

GENERALIZE_VALUES = ("deprovision", "already_deprovisioned", "none")
OS_STATES = ("Generalized", "Specialized")


def cross_field_errors(
    *, generalize: str, target_kind: str | None, os_state: str | None, restart: bool, delete: bool
) -> list[FieldError]:
    """How the VM is prepared must agree with the target and with the VM's fate."""
    errors: list[FieldError] = []
    if target_kind == "managed_image" and generalize == "none":
        errors.append(
            FieldError(
                "generalize",
                "specialized_managed_image",
                "'none' (a specialized image) needs a gallery target: a managed image can only be "
                "captured from a generalized VM",
            )
        )
    if target_kind == "gallery" and os_state == "Specialized" and generalize != "none":
        errors.append(
            FieldError(
                "target.definition.os_state",
                "os_state_conflict",
                f"'Specialized' contradicts generalize {generalize!r}, which produces a "
                "generalized image; use generalize 'none' for a specialized image",
            )
        )
    if target_kind == "gallery" and os_state == "Generalized" and generalize == "none":
        errors.append(
            FieldError(
                "target.definition.os_state",
                "os_state_conflict",
                "'Generalized' contradicts generalize 'none', which keeps the VM specialized; use "
                "generalize 'deprovision' or 'already_deprovisioned'",
            )
        )
    if restart and generalize != "none":
        errors.append(
            FieldError(
                "restart_source_after_capture",
                "restart_needs_specialized",
                "can only be true with generalize 'none': a generalized VM can never start again",
            )
        )
    if restart and delete:
        errors.append(
            FieldError(
                "restart_source_after_capture",
                "restart_and_delete",
                "cannot be true together with delete_source_vm",
            )
        )
    return errors


def duplicate_region_errors(names: Sequence[str | None]) -> list[FieldError]:
    """Each region once; `names` are normalised region names, None where a name is invalid."""
    errors: list[FieldError] = []
    first_index: dict[str, int] = {}
    for index, name in enumerate(names):
        if name is None:
            continue
        if name in first_index:
            errors.append(
                FieldError(
                    f"target_regions[{index}].name",
                    "duplicate_region",
                    f"region {name!r} is already listed at target_regions[{first_index[name]}]",
                )
            )
        else:
            first_index[name] = index
    return errors


def supplementary_errors(
    data: Mapping[str, Any],
    first: list[FieldError],
    unknown_field_paths: list[tuple[int | str, ...]],
    validate: Callable[[Mapping[str, Any]], list[FieldError]],
) -> list[FieldError]:
    """Errors the first validation could not see, not already in `first`.

    1. Unknown fields removed, the document is validated again: nested models whose only fault
       was an unknown field now run their own rules (duplicate regions, shallow limits, ...).
    2. The request-level and region rules run on the raw values that are valid on their own.
    """
    found: list[FieldError] = []
    if unknown_field_paths:
        pruned = copy.deepcopy(dict(data))
        for loc in unknown_field_paths:
            _remove(pruned, loc)
        found.extend(validate(pruned))
    found.extend(_raw_request_rules(data))
    found.extend(_raw_region_rules(data))
    seen = {(e.field, e.rule, e.message) for e in first}
    extra: list[FieldError] = []
    for error in found:
        key = (error.field, error.rule, error.message)
        if key not in seen:
            seen.add(key)
            extra.append(error)
    return extra


def _remove(document: Any, loc: tuple[int | str, ...]) -> None:
    """Delete the key at `loc`, skipping loc parts that are union tags rather than keys."""
    current = document
    parts = list(loc)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(current, dict) and isinstance(part, str) and part in current:
            if last:
                del current[part]
                return
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            if last:
                return
            current = current[part]
        # otherwise the part is a union tag ("gallery", "policy"): stay where we are


def _get(document: Any, *path: str) -> Any:
    current = document
    for part in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def _raw_request_rules(data: Mapping[str, Any]) -> list[FieldError]:
    generalize = data.get("generalize", "deprovision")
    restart = data.get("restart_source_after_capture", False)
    delete = data.get("delete_source_vm", False)
    kind = _get(data, "target", "kind")
    os_state = _get(data, "target", "definition", "os_state")
    if generalize not in GENERALIZE_VALUES or not isinstance(restart, bool) or not isinstance(delete, bool):
        return []
    if kind not in ("gallery", "managed_image"):
        kind = None
    if os_state not in OS_STATES:
        os_state = None
    return cross_field_errors(
        generalize=generalize, target_kind=kind, os_state=os_state, restart=restart, delete=delete
    )


def _raw_region_rules(data: Mapping[str, Any]) -> list[FieldError]:
    if _get(data, "target", "kind") != "gallery":
        return []
    regions = _get(data, "target", "replication", "target_regions")
    if not isinstance(regions, list):
        return []
    names: list[str | None] = []
    for region in regions:
        name = region.get("name") if isinstance(region, Mapping) else None
        normalized = normalize_region(name) if isinstance(name, str) else None
        names.append(normalized if normalized is not None and is_region_name(normalized) else None)
    return [
        FieldError(f"target.replication.{e.field}", e.rule, e.message) for e in duplicate_region_errors(names)
    ]
