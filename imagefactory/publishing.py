"""Result and region-ready messages on a storage queue (azure-storage-queue).

Build systems wait for the result message rather than polling the status API. Messages are
base64-encoded JSON, the encoding a Functions queue trigger expects by default, so another
Functions app can consume the results queue without configuration. When no connection is
configured the caller gets an explicit "not published" with the reason; a result is never
dropped silently.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from imagefactory.exceptions import PublishError
from imagefactory.result import Publication

RESULT_KIND = "image-build-result"
REGION_READY_KIND = "image-region-ready"


def not_configured(connection_setting: str) -> Publication:
    return Publication(
        published=False,
        reason=f"not published: app setting {connection_setting!r} (named by IMAGEFACTORY_QUEUE_CONNECTION) "
        "holds no storage connection string",
    )


def publish_message(
    message: dict[str, Any], *, queue: str, connection_string: str | None, connection_setting: str
) -> Publication:
    """Put `message` (JSON) on `queue`; PublishError when storage refuses or cannot be reached."""
    if not connection_string:
        return not_configured(connection_setting)
    try:
        client = QueueClient.from_connection_string(
            connection_string, queue, message_encode_policy=TextBase64EncodePolicy()
        )
        with client:
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()
            sent = client.send_message(json.dumps(message, sort_keys=True, default=str))
    except (AzureError, ValueError) as error:
        raise PublishError(f"queue {queue!r}: {type(error).__name__}: {error}") from None
    return Publication(published=True, queue=queue, message_id=str(sent.id))
