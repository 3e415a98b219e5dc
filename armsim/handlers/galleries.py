"""galleries and galleries/{g}/images (definitions): create (201 + capsOperations), get, update,
list, delete (202 + Azure-AsyncOperation + Location)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from armsim.backend import Backend
from armsim.errors import CannotDeleteResourceError, InvalidParameterError, PropertyChangeNotAllowedError
from armsim.handlers.common import (
    already_absent,
    async_headers,
    enum_value,
    get_path,
    keep_location,
    optional_str,
    require_str,
    seconds_later,
    start_caps_operation,
    tags_of,
)
from armsim.handlers.lists import paged
from armsim.handlers.sharing import check_name_unique, sharing_from_body, shows_groups
from armsim.handlers.version_lifecycle import purge_under, soft_deleted_under
from armsim.http import ArmRequest, Reply
from armsim.ids import key
from armsim.models.gallery import Gallery
from armsim.models.gallery_image import SECURITY_COMPATIBILITY, GalleryImage
from armsim.models.lifecycle import Lifecycle
from armsim.models.operations import IN_PROGRESS, Outcome, Resolver
from armsim.models.soft_delete import parse_policy
from armsim.models.vm import HYPER_V_GENERATIONS, OS_TYPES

GALLERY_TYPE = "Microsoft.Compute/galleries"
DEFINITION_TYPE = "Microsoft.Compute/galleries/images"


def ready_resolver(lifecycle: Lifecycle) -> Resolver:
    """Done once the resource is created and any update window has passed."""

    def resolve(at: datetime) -> Outcome:
        done_at = max(lifecycle.ready_at, lifecycle.updating_until or lifecycle.ready_at)
        return Outcome(IN_PROGRESS) if at < done_at else Outcome("Succeeded", done_at)

    return resolve


def gone_resolver(lifecycle: Lifecycle) -> Resolver:
    def resolve(at: datetime) -> Outcome:
        gone = lifecycle.gone_at
        return Outcome("Succeeded", gone) if gone is not None and at >= gone else Outcome(IN_PROGRESS)

    return resolve


# --- galleries ------------------------------------------------------------------------------------
def gallery_of(backend: Backend, req: ArmRequest) -> Gallery:
    name = req.params["gallery"]
    return backend.get(
        backend.galleries, req.scope.gallery_id(name), GALLERY_TYPE, name, req.scope.resource_group
    )


def get_gallery(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, gallery_of(backend, req).to_resource(backend.now(), shows_groups(req)))


def list_galleries(backend: Backend, req: ArmRequest) -> Reply:
    now = backend.now()
    items = backend.under(backend.galleries, req.scope.prefix)
    return Reply(200, paged(req, [g.to_resource(now) for g in items]))


def put_gallery(backend: Backend, req: ArmRequest) -> Reply:
    name = req.params["gallery"]
    body = req.json_object()
    now = backend.now()
    existing = backend.find(backend.galleries, req.scope.gallery_id(name))
    if existing is not None:
        keep_location(existing.location, body, name, req.scope.resource_group)
        return _update_gallery(backend, req, existing, body, now)
    location = require_str(body, "location", "gallery")
    check_name_unique(backend, req.scope, name)
    gallery = Gallery(
        scope=req.scope,
        name=name,
        location=location,
        description=optional_str(body, "properties.description", "gallery"),
        lifecycle=backend.lifecycle(backend.timing.gallery_create, now),
        tags=tags_of(body),
        soft_delete=parse_policy(body, None),
        sharing=sharing_from_body(body, None),
    )
    backend.galleries[key(gallery.id)] = gallery
    op = start_caps_operation(
        backend,
        req,
        "galleries.createOrUpdate",
        location,
        ready_resolver(gallery.lifecycle),
        backend.timing.retry_after_gallery,
    )
    gallery.lifecycle.fails = op.injected_failure
    return Reply(201, gallery.to_resource(now), async_headers(op, req.base_url, location=False))


def patch_gallery(backend: Backend, req: ArmRequest) -> Reply:
    return _update_gallery(backend, req, gallery_of(backend, req), req.json_object(), backend.now())


def _update_gallery(
    backend: Backend, req: ArmRequest, gallery: Gallery, body: dict[str, Any], now: datetime
) -> Reply:
    description = optional_str(body, "properties.description", "gallery")
    if description is not None:
        gallery.description = description
    if "tags" in body:
        gallery.tags = tags_of(body)
    gallery.soft_delete = parse_policy(body, gallery.soft_delete)
    gallery.sharing = sharing_from_body(body, gallery.sharing)
    op = start_caps_operation(
        backend,
        req,
        "galleries.update",
        gallery.location,
        ready_resolver(gallery.lifecycle),
        backend.timing.retry_after_gallery,
    )
    gallery.lifecycle.fails = op.injected_failure  # a retried PUT repairs a Failed gallery
    return Reply(200, gallery.to_resource(now), async_headers(op, req.base_url, location=False))


def delete_gallery(backend: Backend, req: ArmRequest) -> Reply:
    gallery = backend.find(backend.galleries, req.scope.gallery_id(req.params["gallery"]))
    if gallery is None:
        return already_absent()
    if backend.under(backend.definitions, gallery.id):
        raise CannotDeleteResourceError(
            "Can not delete resource before nested resources are deleted. "
            f"Gallery '{gallery.name}' still has image definitions."
        )
    now = backend.now()
    gallery.lifecycle.start_delete(now, seconds_later(now, backend.timing.gallery_delete))
    op = start_caps_operation(
        backend,
        req,
        "galleries.delete",
        gallery.location,
        gone_resolver(gallery.lifecycle),
        backend.timing.retry_after_gallery,
    )
    return Reply(202, None, async_headers(op, req.base_url, location=True))


# --- definitions ------------------------------------------------------------------------------------
def _parent_gallery(backend: Backend, req: ArmRequest) -> Gallery:
    return backend.parent(
        backend.galleries,
        req.scope.gallery_id(req.params["gallery"]),
        f"{GALLERY_TYPE}/{req.params['gallery']}",
    )


def definition_of(backend: Backend, req: ArmRequest) -> GalleryImage:
    gallery = _parent_gallery(backend, req)
    name = req.params["definition"]
    return backend.get(
        backend.definitions,
        req.scope.definition_id(gallery.name, name),
        DEFINITION_TYPE,
        f"{gallery.name}/{name}",
        req.scope.resource_group,
    )


def get_definition(backend: Backend, req: ArmRequest) -> Reply:
    return Reply(200, definition_of(backend, req).to_resource(backend.now()))


def list_definitions(backend: Backend, req: ArmRequest) -> Reply:
    gallery = gallery_of(backend, req)
    now = backend.now()
    return Reply(
        200, paged(req, [d.to_resource(now) for d in backend.under(backend.definitions, gallery.id)])
    )


def put_definition(backend: Backend, req: ArmRequest) -> Reply:
    gallery = _parent_gallery(backend, req)
    name = req.params["definition"]
    body = req.json_object()
    now = backend.now()
    target = "galleryImage"
    location = require_str(body, "location", target)
    os_type = enum_value(
        require_str(body, "properties.osType", target), OS_TYPES, f"{target}.properties.osType"
    )
    os_state = enum_value(
        require_str(body, "properties.osState", target),
        ("Generalized", "Specialized"),
        f"{target}.properties.osState",
    )
    identifier = get_path(body, "properties.identifier")
    if not isinstance(identifier, dict):
        raise InvalidParameterError(
            "Required parameter 'identifier' is missing (null).", target=f"{target}.properties.identifier"
        )
    ident = {
        part: require_str(identifier, part, f"{target}.properties.identifier")
        for part in ("publisher", "offer", "sku")
    }
    generation = enum_value(
        optional_str(body, "properties.hyperVGeneration", target) or _default_generation(req),
        HYPER_V_GENERATIONS,
        f"{target}.properties.hyperVGeneration",
    )
    features = _features(get_path(body, "properties.features"), generation, target, req)
    existing = backend.find(backend.definitions, req.scope.definition_id(gallery.name, name))
    if existing is not None:
        keep_location(existing.location, body, name, req.scope.resource_group)
        for field_name, old, new in (
            ("osType", existing.os_type, os_type),
            ("osState", existing.os_state, os_state),
            ("identifier", existing.identifier, ident),
            ("hyperVGeneration", existing.hyper_v_generation, generation),
        ):
            if old != new:
                raise PropertyChangeNotAllowedError(
                    f"Changing property '{field_name}' is not allowed.", target=field_name
                )
        existing.description = optional_str(body, "properties.description", target) or existing.description
        if "tags" in body:
            existing.tags = tags_of(body)
        op = start_caps_operation(
            backend,
            req,
            "galleryImages.createOrUpdate",
            existing.location,
            ready_resolver(existing.lifecycle),
            backend.timing.retry_after_gallery,
        )
        existing.lifecycle.fails = op.injected_failure
        return Reply(200, existing.to_resource(now), async_headers(op, req.base_url, location=False))
    definition = GalleryImage(
        scope=req.scope,
        gallery=gallery.name,
        name=name,
        location=location,
        os_type=os_type,
        os_state=os_state,
        hyper_v_generation=generation,
        architecture=optional_str(body, "properties.architecture", target) or "x64",
        identifier=ident,
        features=features,
        lifecycle=backend.lifecycle(backend.timing.definition_create, now),
        description=optional_str(body, "properties.description", target),
        tags=tags_of(body),
    )
    backend.definitions[key(definition.id)] = definition
    op = start_caps_operation(
        backend,
        req,
        "galleryImages.createOrUpdate",
        location,
        ready_resolver(definition.lifecycle),
        backend.timing.retry_after_gallery,
    )
    definition.lifecycle.fails = op.injected_failure
    return Reply(201, definition.to_resource(now), async_headers(op, req.base_url, location=False))


def _default_generation(req: ArmRequest) -> str:
    """From api-version 2025-03-03 new definitions default to V2 (and TrustedLaunchSupported); before, V1."""
    return "V2" if (req.api_version or "") >= "2025-03-03" else "V1"


def _features(raw: Any, generation: str, target: str, req: ArmRequest) -> list[dict[str, str]]:
    if raw is None:
        modern = (req.api_version or "") >= "2025-03-03"
        return (
            [{"name": "SecurityType", "value": "TrustedLaunchSupported"}]
            if modern and generation == "V2"
            else []
        )
    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise InvalidParameterError(
            "Parameter 'features' must be an array of {name, value}.", target=f"{target}.properties.features"
        )
    features = [{"name": str(f.get("name", "")), "value": str(f.get("value", ""))} for f in raw]
    for feature in features:
        if feature["name"].lower() == "securitytype":
            feature["value"] = enum_value(
                feature["value"], tuple(SECURITY_COMPATIBILITY), f"{target}.properties.features.SecurityType"
            )
    return features


def patch_definition(backend: Backend, req: ArmRequest) -> Reply:
    """PATCH: description, tags and other mutable details; identity fields must not change."""
    definition = definition_of(backend, req)
    body = req.json_object()
    for field_name, current in (
        ("osType", definition.os_type),
        ("osState", definition.os_state),
        ("hyperVGeneration", definition.hyper_v_generation),
    ):
        requested = optional_str(body, f"properties.{field_name}", "galleryImage")
        if requested is not None and requested.lower() != current.lower():
            raise PropertyChangeNotAllowedError(
                f"Changing property '{field_name}' is not allowed.", target=field_name
            )
    description = optional_str(body, "properties.description", "galleryImage")
    if description is not None:
        definition.description = description
    if "tags" in body:
        definition.tags = tags_of(body)
    now = backend.now()
    definition.lifecycle.start_update(seconds_later(now, backend.timing.definition_update))
    op = start_caps_operation(
        backend,
        req,
        "galleryImages.update",
        definition.location,
        ready_resolver(definition.lifecycle),
        backend.timing.retry_after_gallery,
    )
    definition.lifecycle.fails = op.injected_failure
    return Reply(200, definition.to_resource(now), async_headers(op, req.base_url, location=False))


def delete_definition(backend: Backend, req: ArmRequest) -> Reply:
    gallery = _parent_gallery(backend, req)
    definition = backend.find(
        backend.definitions, req.scope.definition_id(gallery.name, req.params["definition"])
    )
    if definition is None:
        return already_absent()
    now = backend.now()
    soft_on = gallery.soft_delete is not None and gallery.soft_delete.enabled
    if backend.under(backend.versions, definition.id) or (
        soft_on and soft_deleted_under(backend, definition.id, now)
    ):
        raise CannotDeleteResourceError(
            f"Can not delete resource before nested resources are deleted. Gallery image '{definition.name}' "
            "still has image versions."
        )
    purge_under(backend, definition.id)  # soft delete is off: what it kept goes with the definition
    definition.lifecycle.start_delete(now, seconds_later(now, backend.timing.definition_delete))
    op = start_caps_operation(
        backend,
        req,
        "galleryImages.delete",
        definition.location,
        gone_resolver(definition.lifecycle),
        backend.timing.retry_after_gallery,
    )
    return Reply(202, None, async_headers(op, req.base_url, location=True))
