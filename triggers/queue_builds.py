"""Queue trigger: build systems drop a build request on IMAGEFACTORY_BUILD_QUEUE.

Validation happens here, before any orchestration exists. An invalid message goes to the rejects
queue with its errors and the invocation completes; a valid one is started under its
deterministic instance id, or reported when that build already runs or ran (at-least-once
delivery, duplicates, redeliveries). Infrastructure failures (durable back end or ARM unreachable,
allowed-scopes setting malformed) raise, so the platform retries and finally poisons the message.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from imagefactory.exceptions import RequestValidationError
from imagefactory.settings import get_settings
from triggers.door import admit
from triggers.registry import (
    BUILD_QUEUE_EXPRESSION,
    REJECTS_QUEUE_EXPRESSION,
    bp,
    queue_connection_name,
    typed,
)
from triggers.rejects import reject_document, reject_text
from triggers.starting import start_or_report

LOGGER = logging.getLogger("imagefactory.triggers.queue")


async def handle_build_message(message: Any, rejects: Any, client: Any) -> None:
    """Admit or reject one message (the function body, callable without the decorators)."""
    settings = get_settings()
    body: bytes = message.get_body()
    try:
        request = admit(body, settings=settings)
    except RequestValidationError as invalid:
        document = reject_document(
            body,
            invalid.errors,
            queue=settings.build_queue,
            message_id=message.id,
            dequeue_count=message.dequeue_count,
            rejected_at=datetime.now(UTC),
        )
        rejects.set(reject_text(document))
        LOGGER.warning(
            "queue message %s rejected to %s-rejects: %s", message.id, settings.build_queue, invalid
        )
        return
    await start_or_report(client, request, origin=f"queue message {message.id}")


@typed(
    bp.queue_trigger(
        arg_name="message", queue_name=BUILD_QUEUE_EXPRESSION, connection=queue_connection_name()
    )
)
@typed(
    bp.queue_output(
        arg_name="rejects", queue_name=REJECTS_QUEUE_EXPRESSION, connection=queue_connection_name()
    )
)
@typed(bp.durable_client_input(client_name="client"))
async def build_requested(
    message: func.QueueMessage, rejects: func.Out[str], client: df.DurableOrchestrationClient
) -> None:
    await handle_build_message(message, rejects, client)
