"""Put a build request on the build queue, the way a build system (or an operator) would.

The request passes the door first (imagefactory.admission: the same rules and texts as the queue
trigger, scope allow-list, result queues and delete opt-in included), so a producer learns about
a refused request at once, and a refused request is never sent. The message body is the
request's canonical JSON; its encoding must match the Functions host's
`extensions.queues.messageEncoding` (host.json), which is base64 unless set to "none".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from imagefactory.admission import TagReader, admit
from imagefactory.exceptions import SubmitError
from imagefactory.request import BuildRequest
from imagefactory.settings import Settings, is_valid_queue_name

MessageEncoding = Literal["base64", "none"]
MAX_MESSAGE_BYTES = 64 * 1024  # Azure Storage queue limit for the encoded message


def validated(
    request: BuildRequest | Mapping[str, Any] | str | bytes, *, now: datetime | None = None
) -> BuildRequest:
    """The request as a validated model (a model is re-checked: time-relative rules may have expired).

    The request's own rules only; `admitted` adds the door's checks against the app settings.
    """
    if isinstance(request, BuildRequest):
        return BuildRequest.parse_obj_strict(request.model_dump(mode="json"), now=now)
    if isinstance(request, str | bytes):
        return BuildRequest.parse_json(request, now=now)
    return BuildRequest.parse_obj_strict(request, now=now)


def admitted(
    request: BuildRequest | Mapping[str, Any] | str | bytes,
    *,
    settings: Settings,
    read_tags: TagReader | None = None,
    now: datetime | None = None,
) -> BuildRequest:
    """The request as the queue trigger would admit it (RequestValidationError otherwise).

    `read_tags` reads the source VM's tags for the delete opt-in (default: through ARM, as the
    trigger does; AzureCallError when ARM cannot be read).
    """
    return admit(request, settings=settings, read_tags=read_tags, now=now)


def message_body(request: BuildRequest) -> str:
    """The queue message text: compact canonical JSON of the request."""
    return json.dumps(request.model_dump(mode="json"), separators=(",", ":"), sort_keys=True)


def submit(
    request: BuildRequest | Mapping[str, Any] | str | bytes,
    *,
    connection_string: str,
    queue_name: str,
    encoding: MessageEncoding = "base64",
    client_options: Mapping[str, Any] | None = None,
    settings: Settings | None = None,
    read_tags: TagReader | None = None,
) -> str:
    """Admit `request` at the door and enqueue it; returns the queue message id.

    Raises RequestValidationError (field errors, scopes, result queue, opt-in) before touching
    storage, SubmitError when the message cannot be enqueued. `settings` are the app settings
    whose rules apply (default: read from the environment). A missing queue is created, as the
    Functions host would. `client_options` go to the QueueClient (retry_policy, transport, ...).
    """
    build = admitted(request, settings=settings or Settings.from_env(), read_tags=read_tags)
    return send(
        build,
        connection_string=connection_string,
        queue_name=queue_name,
        encoding=encoding,
        client_options=client_options,
    )


def send(
    build: BuildRequest,
    *,
    connection_string: str,
    queue_name: str,
    encoding: MessageEncoding = "base64",
    client_options: Mapping[str, Any] | None = None,
) -> str:
    """Enqueue a request that was admitted already (`admitted`); returns the queue message id."""
    if not is_valid_queue_name(queue_name):
        raise SubmitError(f"queue name {queue_name!r} is not a valid storage queue name")
    if encoding not in ("base64", "none"):
        raise SubmitError(f"encoding must be 'base64' or 'none', got {encoding!r}")
    body = message_body(build)
    encoded_size = (
        (len(body.encode("utf-8")) + 2) // 3 * 4 if encoding == "base64" else len(body.encode("utf-8"))
    )
    if encoded_size > MAX_MESSAGE_BYTES:
        raise SubmitError(
            f"the request is {encoded_size} bytes once encoded; a queue message holds {MAX_MESSAGE_BYTES}"
        )

    from azure.core.exceptions import AzureError, ResourceNotFoundError
    from azure.storage.queue import ExponentialRetry, QueueClient, TextBase64EncodePolicy

    # Without an encode policy the client sends the text as it is ("none").
    options: dict[str, Any] = dict(client_options or {})
    # The SDK's default retry waits 15 s, 18 s, 24 s...: a build system calling this wants a prompt
    # answer when storage is unreachable, not a minute of silence.
    options.setdefault("retry_policy", ExponentialRetry(initial_backoff=1, increment_base=2, retry_total=3))
    if encoding == "base64":
        options["message_encode_policy"] = TextBase64EncodePolicy()
    try:
        client = QueueClient.from_connection_string(connection_string, queue_name, **options)
    except ValueError as error:
        raise SubmitError(f"the storage connection string is not usable: {error}") from None
    try:
        with client:
            try:
                sent = client.send_message(body)
            except ResourceNotFoundError:
                client.create_queue()
                sent = client.send_message(body)
    except AzureError as error:
        raise SubmitError(f"could not enqueue on {queue_name!r}: {error.message}") from None
    return str(sent.id)
