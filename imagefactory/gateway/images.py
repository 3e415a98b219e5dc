"""Gateway calls on managed images: the single-region target that has no versions."""

from __future__ import annotations

from typing import Any

from imagefactory.exceptions import PermanentAzureError
from imagefactory.gateway.base import GatewayBase, sdk_models
from imagefactory.gateway.facts import ImageFacts, OperationStarted
from imagefactory.gateway.reading import image_facts
from imagefactory.ids import ImageId


class ImageOperations(GatewayBase):
    """What the gateway reads and writes of a managed image."""

    def get_image(self, image: ImageId) -> ImageFacts | None:
        body = self._read(lambda: self._client.images.get(image.resource_group, image.name))
        return image_facts(body) if body is not None else None

    def start_create_image(self, image: ImageId, body: dict[str, Any], source_vm_id: str) -> OperationStarted:
        existing = self.get_image(image)
        if existing is not None:
            found = existing.source_vm_id or ""
            if found.lower() != source_vm_id.lower():
                raise PermanentAzureError(
                    "Conflict",
                    f"managed image {image} already exists with source {found or 'unknown'}, "
                    f"not {source_vm_id}",
                    status=409,
                )
            return OperationStarted(operation="createImage", resource_id=str(image), already="exists")
        return self._start(
            "createImage",
            str(image),
            lambda hook: self._client.images.begin_create_or_update(
                image.resource_group,
                image.name,
                sdk_models().Image(body),
                polling=False,
                raw_response_hook=hook,
            ),
        )
