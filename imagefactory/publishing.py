"""Result and region-ready messages on a storage queue (azure-storage-queue).

Build systems wait for the result message rather than polling the status API.

Wire format (what consumers decode): each message's text is the base64 encoding of UTF-8 JSON,
the encoding a Functions queue trigger expects by default (`messageEncoding: base64`), so another
Functions app can consume the queue without configuration; other readers use
`TextBase64DecodePolicy` (Python) or decode base64 themselves, then parse JSON. Two kinds share
the results queue, told apart by `kind`:

- `image-build-result`: the BuildResult document (imagefactory.result) as the orchestration
  returns it, without `published` (the message cannot describe its own delivery), with
  `build_id` and the request's `correlation_id` to match it to the request that caused it;
- `image-region-ready` (only when the request asks for `report.region_ready_messages`): one per
  region, in the order the regions completed.
Both are typed in imagefactory.messages, with schemas under schemas/.

When no connection is configured the caller gets an explicit "not published" with the reason; a
result is never dropped silently. Storage that cannot be reached fails fast (few inline retries,
short timeouts): the orchestrator retries on durable timers, never a billed activity sleeping.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError

from imagefactory.exceptions import PublishError
from imagefactory.queue_connection import QueueConnection
from imagefactory.result import Publication


def not_configured(connection_setting: str) -> Publication:
    return Publication(
        published=False,
        reason=f"not published: app setting {connection_setting!r} (named by IMAGEFACTORY_QUEUE_CONNECTION) "
        f"holds no storage connection string, and neither {connection_setting}__accountName nor "
        f"{connection_setting}__queueServiceUri is set",
    )


def publish_message(
    message: dict[str, Any],
    *,
    queue: str,
    connection: QueueConnection | None,
    connection_setting: str,
    retry_total: int = 1,
    inline_wait_seconds: float = 0.5,
    timeout_seconds: float = 10.0,
) -> Publication:
    """Put `message` (JSON) on `queue`; PublishError when storage refuses or cannot be reached.

    The storage SDK's default policy retries a refused connection for over a minute of sleeping;
    `retry_total` and `inline_wait_seconds` bound that (the app's HTTP retry settings).
    """
    if connection is None:
        return not_configured(connection_setting)
    # Imported on first use: the storage SDK is a tenth of a second of every cold start otherwise.
    from azure.storage.queue import LinearRetry, TextBase64EncodePolicy

    try:
        client = connection.client(
            queue,
            message_encode_policy=TextBase64EncodePolicy(),
            retry_policy=LinearRetry(
                backoff=inline_wait_seconds,  # type: ignore[arg-type]  # the SDK sleeps any float
                retry_total=retry_total,
                random_jitter_range=0,
            ),
            connection_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
        )
        with client:
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()
            sent = client.send_message(json.dumps(message, sort_keys=True, default=str))
    except (AzureError, ValueError) as error:
        raise PublishError(f"queue {queue!r}: {type(error).__name__}: {error}") from None
    return Publication(published=True, queue=queue, message_id=str(sent.id))
