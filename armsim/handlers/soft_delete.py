"""Gallery soft delete over HTTP: the soft-deleted versions list
(`SoftDeletedResource_ListByArtifactName`, the SDK's `soft_deleted_resource.list_by_artifact_name`)
and the permanent delete of one soft-deleted version that Microsoft's soft-delete guide documents.
"""

from __future__ import annotations

from armsim.backend import Backend
from armsim.errors import InvalidParameterError
from armsim.handlers.common import already_absent
from armsim.handlers.galleries import gallery_of
from armsim.handlers.lists import paged
from armsim.handlers.version_lifecycle import soft_deleted, soft_deleted_under
from armsim.http import ArmRequest, Reply
from armsim.ids import key
from armsim.models.soft_delete import ARTIFACT_TYPE


def _artifact(req: ArmRequest) -> str:
    if req.params["artifact_type"].lower() != ARTIFACT_TYPE.lower():
        raise InvalidParameterError(
            f"The artifact type '{req.params['artifact_type']}' is not supported; soft delete covers "
            f"'{ARTIFACT_TYPE}' (gallery image versions) only.",
            target="artifactType",
        )
    return req.params["artifact"]


def list_soft_deleted(backend: Backend, req: ArmRequest) -> Reply:
    gallery = gallery_of(backend, req)
    artifact = _artifact(req)
    now = backend.now()
    entries = soft_deleted_under(backend, req.scope.definition_id(gallery.name, artifact), now)
    return Reply(200, paged(req, [e.to_resource() for e in entries]))


def delete_soft_deleted(backend: Backend, req: ArmRequest) -> Reply:
    """Permanent (hard) delete of a soft-deleted version; it can no longer be restored."""
    gallery = gallery_of(backend, req)
    version_id = req.scope.version_id(gallery.name, _artifact(req), req.params["version"])
    if soft_deleted(backend, version_id, backend.now()) is None:
        return already_absent()
    del backend.soft_deleted[key(version_id)]
    return Reply(200, None)
