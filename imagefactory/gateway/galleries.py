"""Gateway calls on galleries, image definitions and image versions.

A version is created only from the source it is meant for: one that exists from another source is
a Conflict, one from the same source is reported as `already`, and only a Failed version of our
own source is ever deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError

from imagefactory.exceptions import PermanentAzureError
from imagefactory.gateway.base import GatewayBase, sdk_models
from imagefactory.gateway.facts import DefinitionFacts, GalleryFacts, OperationStarted, VersionFacts
from imagefactory.gateway.reading import as_json, definition_facts, gallery_facts, version_facts
from imagefactory.gateway.translate import to_azure_call_error
from imagefactory.ids import DefinitionId, GalleryId, VersionId


class GalleryOperations(GatewayBase):
    """What the gateway reads and writes in an Azure Compute Gallery."""

    def get_gallery(self, gallery: GalleryId) -> GalleryFacts | None:
        body = self._read(lambda: self._client.galleries.get(gallery.resource_group, gallery.name))
        return gallery_facts(body) if body is not None else None

    def get_definition(self, definition: DefinitionId) -> DefinitionFacts | None:
        body = self._read(
            lambda: self._client.gallery_images.get(
                definition.resource_group, definition.gallery, definition.name
            )
        )
        return definition_facts(body) if body is not None else None

    def get_version(self, version: VersionId) -> VersionFacts | None:
        """The version with its per-region replication status, and when Azure read it."""
        answered: dict[str, str] = {}

        def keep_date(pipeline_response: Any, deserialized: Any, _headers: Any) -> Any:
            answered["date"] = pipeline_response.http_response.headers.get("Date", "")
            return deserialized

        body = self._read(
            lambda: self._client.gallery_image_versions.get(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                expand="ReplicationStatus",
                cls=keep_date,
            )
        )
        if body is None:
            return None
        facts = version_facts(body)
        read_at = http_date(answered.get("date", ""))
        return facts.model_copy(update={"read_at": read_at.isoformat()}) if read_at else facts

    def list_versions(self, definition: DefinitionId) -> list[VersionFacts]:
        """Every version of a definition; empty when the definition (or gallery) does not exist."""
        try:
            pages = self._client.gallery_image_versions.list_by_gallery_image(
                definition.resource_group, definition.gallery, definition.name
            )
            return [version_facts(as_json(item)) for item in pages]
        except ResourceNotFoundError:
            return []
        except AzureError as error:
            raise to_azure_call_error(error) from None

    def start_create_gallery(self, gallery: GalleryId, body: dict[str, Any]) -> OperationStarted:
        existing = self.get_gallery(gallery)
        if existing is not None:
            return OperationStarted(operation="createGallery", resource_id=str(gallery), already="exists")
        return self._start(
            "createGallery",
            str(gallery),
            lambda hook: self._client.galleries.begin_create_or_update(
                gallery.resource_group,
                gallery.name,
                sdk_models().Gallery(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_create_definition(self, definition: DefinitionId, body: dict[str, Any]) -> OperationStarted:
        existing = self.get_definition(definition)
        if existing is not None:
            return OperationStarted(
                operation="createDefinition", resource_id=str(definition), already="exists"
            )
        return self._start(
            "createDefinition",
            str(definition),
            lambda hook: self._client.gallery_images.begin_create_or_update(
                definition.resource_group,
                definition.gallery,
                definition.name,
                sdk_models().GalleryImage(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_create_version(
        self, version: VersionId, body: dict[str, Any], source_id: str
    ) -> OperationStarted:
        """Creates the version unless it exists from the same source; another source is a conflict."""
        existing = self.get_version(version)
        if existing is not None:
            found = existing.source or ""
            if found.lower() != source_id.lower():
                raise PermanentAzureError(
                    "Conflict",
                    f"image version {version.name} already exists in {version.definition_id} with source "
                    f"{found or 'unknown'}, not {source_id}",
                    status=409,
                )
            return OperationStarted(operation="createVersion", resource_id=str(version), already="exists")
        return self._start(
            "createVersion",
            str(version),
            lambda hook: self._client.gallery_image_versions.begin_create_or_update(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                sdk_models().GalleryImageVersion(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_delete_failed_version(self, version: VersionId, source_id: str) -> OperationStarted:
        """Deletes a version only while it is Failed and made from `source_id` (our half-made one).

        Re-checked against Azure at the moment of deleting: a version that meanwhile Succeeded, or
        that comes from another source, is never deleted.
        """
        existing = self.get_version(version)
        if existing is None:
            return OperationStarted(operation="deleteVersion", resource_id=str(version), already="gone")
        state = (existing.provisioning_state or "").lower()
        if state == "deleting":
            return OperationStarted(operation="deleteVersion", resource_id=str(version), already="deleting")
        found = existing.source or ""
        if state != "failed" or found.lower() != source_id.lower():
            raise PermanentAzureError(
                "DeletionNotAllowed",
                f"image version {version.name} kept: only a Failed version made from {source_id} is "
                f"replaced, and this one is {existing.provisioning_state} from "
                f"{found or 'an unknown source'}",
            )
        return self._start(
            "deleteVersion",
            str(version),
            lambda hook: self._client.gallery_image_versions.begin_delete(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                polling=False,
                raw_response_hook=hook,
            ),
        )

    def start_update_version(self, version: VersionId, body: dict[str, Any]) -> OperationStarted:
        """PATCH a version; Azure restarts replication of Failed regions on update."""
        return self._start(
            "updateVersion",
            str(version),
            lambda hook: self._client.gallery_image_versions.begin_update(
                version.resource_group,
                version.gallery,
                version.definition,
                version.name,
                sdk_models().GalleryImageVersionUpdate(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )


def http_date(text: str) -> datetime | None:
    """An HTTP Date header as an aware datetime (None when absent or malformed)."""
    try:
        moment = parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError):
        return None
    return moment if moment is None or moment.tzinfo is not None else moment.replace(tzinfo=UTC)
