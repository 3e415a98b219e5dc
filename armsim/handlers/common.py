"""Shared pieces of handlers: LRO headers and strict reading of request bodies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from armsim.backend import Backend
from armsim.errors import InvalidParameterError, InvalidResourceLocationError
from armsim.http import ArmRequest, Reply
from armsim.ids import region_key
from armsim.models.operations import FAILED, AsyncOperation, Outcome, Resolver, finishes_at

COMPUTE_API_VERSION = "2026-04-01"
GALLERY_API_VERSION = "2026-03-03"


def seconds_later(now: datetime, seconds: float) -> datetime:
    return now + timedelta(seconds=seconds)


def retry_after_value(seconds: float) -> str:
    """Retry-After must be >= 1: azure-core ignores 0 and falls back to its own 30 s interval."""
    return str(max(1, round(seconds)))


def already_absent() -> Reply:
    """DELETE is idempotent in ARM: deleting what is not there answers 204 No Content, so cleanup
    code can delete without looking first."""
    return Reply(204, None)


def keep_location(existing_location: str, body: dict[str, Any], name: str, resource_group: str) -> None:
    """A PUT on an existing resource may not move it: ARM refuses another `location` by name."""
    requested = body.get("location")
    if isinstance(requested, str) and region_key(requested) != region_key(existing_location):
        raise InvalidResourceLocationError(
            f"The resource '{name}' already exists in location '{region_key(existing_location)}' in resource "
            f"group '{resource_group}'. A resource with the same name cannot be created in location "
            f"'{region_key(requested)}'. Please select a new resource name."
        )


def async_headers(
    op: AsyncOperation, base_url: str, *, location: bool, notification: bool = False
) -> dict[str, str]:
    headers = {"Azure-AsyncOperation": base_url + op.path(monitor=False)}
    if location:
        headers["Location"] = base_url + op.path(monitor=True)
    if notification:
        headers["Azure-AsyncNotification"] = "Enabled"
    headers["Retry-After"] = retry_after_value(op.retry_after)
    return headers


def start_compute_operation(
    backend: Backend,
    req: ArmRequest,
    name: str,
    location: str,
    resolver: Resolver | None = None,
    ends_at: datetime | None = None,
    output: Any = None,
    error: dict[str, Any] | None = None,
) -> AsyncOperation:
    """A Compute (`locations/{loc}/operations/{id}`) operation; fault `operation_failed` makes it fail."""
    injected = operation_failure_fault(backend, name, req.resource_name or "")
    if resolver is None or injected is not None:
        resolver = finishes_at(ends_at or backend.now(), output=output, error=injected or error)
    op = backend.start_operation(
        name,
        req.scope.subscription,
        location,
        "compute",
        req.api_version or COMPUTE_API_VERSION,
        resolver,
        backend.timing.retry_after_compute,
    )
    op.injected_failure = injected is not None
    return op


def start_caps_operation(
    backend: Backend, req: ArmRequest, name: str, location: str, resolver: Resolver, retry_after: float
) -> AsyncOperation:
    """A gallery (`locations/{loc}/capsOperations/{id}`) operation; fault `operation_failed` fails it
    when it would otherwise have finished."""
    injected = operation_failure_fault(backend, name, req.resource_name or "")
    if injected is not None:
        resolver = _failing(resolver, injected)
    op = backend.start_operation(
        name,
        req.scope.subscription,
        location,
        "caps",
        req.api_version or GALLERY_API_VERSION,
        resolver,
        retry_after,
    )
    op.injected_failure = injected is not None
    return op


def _failing(resolver: Resolver, error: dict[str, Any]) -> Resolver:
    def resolve(now: datetime) -> Outcome:
        outcome = resolver(now)
        return Outcome(FAILED, outcome.end_time, error=error) if outcome.done else outcome

    return resolve


def operation_failure_fault(backend: Backend, name: str, resource: str) -> dict[str, Any] | None:
    fault = backend.faults.take(("operation_failed",), name, resource)
    if fault is None:
        return None
    return {
        "code": fault.code or "InternalExecutionError",
        "message": fault.message or "An internal execution error occurred. Please retry later.",
    }


# --- strict body reading -------------------------------------------------------------------------
def get_path(body: dict[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = _get_ci(node, part)
    return node


def _get_ci(node: dict[str, Any], name: str) -> Any:
    if name in node:
        return node[name]
    lowered = name.lower()
    for k, v in node.items():
        if k.lower() == lowered:
            return v
    return None


def require_str(body: dict[str, Any], path: str, target_prefix: str) -> str:
    value = get_path(body, path)
    if not isinstance(value, str) or not value:
        raise InvalidParameterError(
            f"Required parameter '{path.split('.')[-1]}' is missing (null).", target=f"{target_prefix}.{path}"
        )
    return value


def optional_str(body: dict[str, Any], path: str, target_prefix: str) -> str | None:
    value = get_path(body, path)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameterError(f"Parameter '{path}' must be a string.", target=f"{target_prefix}.{path}")
    return value


def enum_value(value: str, allowed: tuple[str, ...], target: str) -> str:
    """ARM enums are case-insensitive; answer with the canonical spelling."""
    for option in allowed:
        if option.lower() == value.lower():
            return option
    raise InvalidParameterError(
        f"The value '{value}' of parameter '{target.split('.')[-1]}' is not allowed. "
        f"Allowed values are: {', '.join(allowed)}.",
        target=target,
    )


def tags_of(body: dict[str, Any]) -> dict[str, str]:
    tags = body.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise InvalidParameterError("Tags must be an object of string values.", target="tags")
    return {str(k): v for k, v in tags.items()}
