"""The door every build passes before an orchestration starts (design principle 4).

Parse and validate the request, then check that every resource it names lies inside the allowed
scopes, then (only when it asks to delete its source VM) that the VM carries the opt-in tag. The
result is a validated BuildRequest or a RequestValidationError whose FieldErrors are the same for
the queue (rejects queue), the HTTP API (400) and the rollout timer (log).

A broken IMAGEFACTORY_ALLOWED_SCOPES value or an unreachable ARM endpoint is not the sender's
fault: those raise their own errors, so the platform retries and an operator sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.gateway import gateway_for
from imagefactory.ids import VmId
from imagefactory.request import BuildRequest
from imagefactory.scopes import AllowedScopes
from imagefactory.settings import Settings

# Reads a VM's tags; None when the VM does not exist (the pipeline then reports it as a blocker).
TagReader = Callable[[VmId], Mapping[str, str] | None]


def allowed_scopes(settings: Settings) -> AllowedScopes:
    """The allow-list (ScopeConfigurationError when the setting holds something that is not a scope)."""
    return AllowedScopes.parse(settings.allowed_scopes, delete_opt_in_tag=settings.delete_opt_in_tag)


def gateway_tag_reader(settings: Settings) -> TagReader:
    """Tags through the compute gateway (AzureCallError propagates: an infrastructure failure)."""

    def read(vm: VmId) -> Mapping[str, str] | None:
        facts = gateway_for(settings, vm.subscription_id).get_vm(vm)
        return None if facts is None else facts.tags

    return read


def parse(body: str | bytes | Mapping[str, Any], *, now: datetime | None = None) -> BuildRequest:
    """The request model; RequestValidationError lists every broken rule."""
    if isinstance(body, str | bytes):
        return BuildRequest.parse_json(body, now=now)
    return BuildRequest.parse_obj_strict(body, now=now)


def check_request(request: BuildRequest, *, scopes: AllowedScopes, read_tags: TagReader) -> list[FieldError]:
    """Scope errors first; the VM is read for its delete opt-in tag only when scopes pass."""
    errors = scopes.check(request)
    if errors or not request.delete_source_vm:
        return errors
    tags = read_tags(request.source_vm)
    if tags is None:
        return []
    refused = scopes.check_delete_opt_in(tags)
    return [] if refused is None else [refused]


def admit(
    body: str | bytes | Mapping[str, Any] | BuildRequest,
    *,
    settings: Settings,
    read_tags: TagReader | None = None,
    now: datetime | None = None,
) -> BuildRequest:
    """Parse, validate and scope-check `body`; the request, or RequestValidationError."""
    request = body if isinstance(body, BuildRequest) else parse(body, now=now)
    reader = read_tags if read_tags is not None else gateway_tag_reader(settings)
    errors = check_request(request, scopes=allowed_scopes(settings), read_tags=reader)
    if errors:
        raise RequestValidationError(errors)
    return request
