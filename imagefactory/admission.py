"""The door every build passes before it is started or sent (design principle 4), in one place.

The queue trigger, the HTTP API, the rollout timer and the producer CLI (`python -m imagefactory
submit`, `imagefactory.submit.submit`) all call `admit`, so one request meets one set of rules:
1. parse and validate (imagefactory.request: bounded parsing, naming, regions against the
   cloud's list, free text, cross-field rules);
2. the scope allow-list (IMAGEFACTORY_ALLOWED_SCOPES) for every resource the request names;
3. report.results_queue: IMAGEFACTORY_RESULTS_QUEUE or one of IMAGEFACTORY_RESULT_QUEUES, never
   the build queue, its -rejects/-poison queues or the task hub's queues;
4. only when the scopes pass, reads from ARM: the regions against the subscription's own
   locations when a `LocationReader` is given (the hook for that ARM call; without one the
   maintained list of step 1 stands), then, when the request deletes its VM, the opt-in tag.

The result is a validated BuildRequest or a RequestValidationError whose FieldErrors are the
same for every door. A broken IMAGEFACTORY_ALLOWED_SCOPES value or an unreachable ARM endpoint is
not the sender's fault: those raise their own errors (ScopeConfigurationError, AzureCallError).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from imagefactory.exceptions import FieldError, RequestValidationError
from imagefactory.ids import VmId
from imagefactory.regions import LocationReader, RegionCatalog, catalog_for, subscription_catalog
from imagefactory.request import BuildRequest, GalleryTarget
from imagefactory.scopes import AllowedScopes
from imagefactory.settings import Settings, reserved_queue_reason

# Reads a VM's tags; None when the VM does not exist (the pipeline then reports it as a blocker).
TagReader = Callable[[VmId], Mapping[str, str] | None]


def allowed_scopes(settings: Settings) -> AllowedScopes:
    """The allow-list (ScopeConfigurationError when the setting holds something that is not a scope)."""
    return AllowedScopes.parse(settings.allowed_scopes, delete_opt_in_tag=settings.delete_opt_in_tag)


def region_catalog(settings: Settings) -> RegionCatalog:
    """The maintained region list of the configured cloud, plus IMAGEFACTORY_EXTRA_REGIONS."""
    return catalog_for(settings.arm_endpoint, settings.extra_regions)


def gateway_tag_reader(settings: Settings) -> TagReader:
    """Tags through the compute gateway (AzureCallError propagates: an infrastructure failure)."""

    def read(vm: VmId) -> Mapping[str, str] | None:
        from imagefactory.gateway import gateway_for

        facts = gateway_for(settings, vm.subscription_id).get_vm(vm)
        return None if facts is None else facts.tags

    return read


def parse(
    body: str | bytes | Mapping[str, Any], *, settings: Settings | None = None, now: datetime | None = None
) -> BuildRequest:
    """The request model, validated against the settings' region catalog; RequestValidationError."""
    regions = region_catalog(settings) if settings is not None else None
    if isinstance(body, str | bytes | bytearray):
        return BuildRequest.parse_json(bytes(body) if isinstance(body, bytearray) else body, now=now,
                                       regions=regions)
    return BuildRequest.parse_obj_strict(body, now=now, regions=regions)


def results_queue_errors(request: BuildRequest, settings: Settings) -> list[FieldError]:
    """report.results_queue may only name a configured result queue."""
    wanted = request.report.results_queue
    if wanted is None:
        return []
    reserved = reserved_queue_reason(wanted, settings.build_queue)
    allowed = settings.allowed_result_queues()
    if reserved is None and wanted in allowed:
        return []
    why = f" ({wanted!r} {reserved})" if reserved is not None else ""
    return [
        FieldError(
            "report.results_queue",
            "results_queue_not_allowed",
            f"must be a configured result queue: one of {', '.join(repr(q) for q in allowed)} "
            f"(IMAGEFACTORY_RESULTS_QUEUE, IMAGEFACTORY_RESULT_QUEUES), got {wanted!r}{why}",
        )
    ]


def region_errors(request: BuildRequest, catalog: RegionCatalog) -> list[FieldError]:
    """Every region the request names must be in `catalog` (field paths as in the request)."""
    target = request.target
    named: list[tuple[str, str | None]]
    if isinstance(target, GalleryTarget):
        named = [("target.gallery.location", target.gallery.location)]
        named += [
            (f"target.replication.target_regions[{i}].name", region.name)
            for i, region in enumerate(target.replication.target_regions)
        ]
    else:
        named = [("target.location", target.location)]
    errors: list[FieldError] = []
    for field, name in named:
        unknown = catalog.problem(name) if name is not None else None
        if unknown is not None:
            errors.append(FieldError(field, "unknown_region", f"must be a known Azure region: {unknown}"))
    return errors


def check_request(
    request: BuildRequest,
    *,
    settings: Settings,
    read_tags: TagReader,
    read_locations: LocationReader | None = None,
) -> list[FieldError]:
    """Scope and results-queue errors first; ARM is read (locations, tags) only when those pass."""
    errors = allowed_scopes(settings).check(request)
    if errors:
        return errors
    errors = results_queue_errors(request, settings)
    if errors:
        return errors
    if read_locations is not None:
        subscription = request.target_resource_group.subscription_id
        catalog = subscription_catalog(subscription, read_locations, region_catalog(settings))
        errors = region_errors(request, catalog)
        if errors:
            return errors
    if not request.delete_source_vm:
        return []
    tags = read_tags(request.source_vm)
    if tags is None:
        return []
    refused = allowed_scopes(settings).check_delete_opt_in(tags)
    return [] if refused is None else [refused]


def admit(
    body: str | bytes | Mapping[str, Any] | BuildRequest,
    *,
    settings: Settings,
    read_tags: TagReader | None = None,
    read_locations: LocationReader | None = None,
    now: datetime | None = None,
) -> BuildRequest:
    """Parse, validate and check `body` against every rule of the door; the request, or
    RequestValidationError. A BuildRequest is re-validated (time-relative rules may have expired)."""
    if isinstance(body, BuildRequest):
        body = body.model_dump(mode="json")
    request = parse(body, settings=settings, now=now)
    reader = read_tags if read_tags is not None else gateway_tag_reader(settings)
    errors = check_request(request, settings=settings, read_tags=reader, read_locations=read_locations)
    if errors:
        raise RequestValidationError(errors)
    return request
