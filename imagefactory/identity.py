"""Deterministic orchestration instance ids (design principle 5).

Two deliveries of the same build must map to the same Durable Functions instance id, so the
second start finds the first instance instead of starting a second build. What "the same build"
means depends on what the request pins down:

- an explicit gallery version: the version's resource id (a version can only be built once);
- a version policy: the build's correlation id within the target definition, when the sender
  gives one (a timer's line@occurrence, a CI run id); otherwise the whole canonical request, so
  an identical duplicate message is recognised while a different request is a different build;
- a managed image: the image's resource id.

The id is a readable prefix (what is being built) plus 16 hex digits of a sha256 over the
case-insensitive identity, limited to [A-Za-z0-9-] and at most 100 characters, which every
Durable Functions storage provider accepts.
"""

from __future__ import annotations

import hashlib
import json
import re

from imagefactory.request import BuildRequest, GalleryTarget

MAX_INSTANCE_ID_LENGTH = 100
_DIGEST_LENGTH = 16
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9]+")


def _digest(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]


def _readable(*parts: str) -> str:
    text = "-".join(_NOT_ALLOWED.sub("-", part).strip("-") for part in parts if part)
    text = re.sub(r"-{2,}", "-", text)
    return text[: MAX_INSTANCE_ID_LENGTH - _DIGEST_LENGTH - 1].rstrip("-")


def _compose(readable: str, identity: str) -> str:
    return f"{readable}-{_digest(identity)}"


def canonical_identity(request: BuildRequest) -> str:
    """The request's source and target as canonical JSON, case-insensitive where ARM is."""
    source = request.source_vm
    target = request.target
    if isinstance(target, GalleryTarget):
        described: dict[str, object] = {
            "definition": target.definition_id(source).key,
            "gallery_location": target.gallery.location,
            "target": target.model_dump(mode="json", exclude={"gallery"}),
        }
    else:
        described = {
            "image": target.image_id(source).key,
            "target": target.model_dump(mode="json", exclude={"subscription_id", "resource_group", "name"}),
        }
    return json.dumps(
        {"source": source.key, "generalize": request.generalize, **described},
        sort_keys=True,
        separators=(",", ":"),
    )


def instance_id_for(request: BuildRequest) -> str:
    """The orchestration instance id of `request` (see the module docstring for the rules)."""
    source = request.source_vm
    target = request.target
    if not isinstance(target, GalleryTarget):
        image = target.image_id(source)
        return _compose(_readable("image", image.name), "image|" + image.key)

    definition = target.definition_id(source)
    version = target.version_id(source)
    if version is not None:
        return _compose(_readable("version", definition.name, version.name), "version|" + version.key)
    if request.correlation_id is not None:
        return _compose(
            _readable("build", definition.name, request.correlation_id),
            f"correlation|{definition.key}|{request.correlation_id}",
        )
    return _compose(_readable("build", definition.name), "request|" + canonical_identity(request))
