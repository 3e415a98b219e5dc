"""Publishing activity: result and region-ready messages on a storage queue."""

from __future__ import annotations

from typing import Any

from activities.registry import ActivityInput, activity
from imagefactory.gateway.outcome import run_step
from imagefactory.publishing import publish_message
from imagefactory.settings import get_settings


@activity
def publish_queue_message(payload: ActivityInput) -> dict[str, Any]:
    """Sends `payload["message"]` to `payload["queue"]` over the configured storage connection
    (a connection string, or the app's identity)."""
    settings = get_settings()
    return run_step(
        lambda: publish_message(
            payload["message"],
            queue=payload["queue"],
            connection=settings.queue_connection(),
            connection_setting=settings.queue_connection_setting,
            retry_total=settings.http_retry_total,
            inline_wait_seconds=settings.http_max_inline_wait_seconds,
            timeout_seconds=settings.http_timeout_seconds,
        ).model_dump(mode="json")
    )
