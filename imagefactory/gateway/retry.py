"""The SDK retry policy for activities: a few quick tries, never a long sleep.

azure-core's default policy retries ten times with backoff up to two minutes and sleeps for any
Retry-After the server sends. Inside an activity that is billed waiting, and it hides throttling
from the orchestrator. This policy retries only what is cheap to retry in-process (small backoff,
short Retry-After) and otherwise lets the error surface, so the orchestrator can wait on a durable
timer that honours Retry-After.
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import RetryPolicy


class BoundedRetryPolicy(RetryPolicy):  # type: ignore[type-arg]
    """RetryPolicy that never sleeps longer than `max_inline_wait` seconds per attempt."""

    def __init__(self, *, retry_total: int, max_inline_wait: float, **kwargs: Any) -> None:
        super().__init__(
            retry_total=retry_total,
            retry_connect=retry_total,
            retry_read=retry_total,
            retry_status=retry_total,
            retry_backoff_factor=min(0.2, max_inline_wait),
            retry_backoff_max=max_inline_wait,
            **kwargs,
        )
        self.max_inline_wait = max_inline_wait

    def is_retry(self, settings: dict[str, Any], response: PipelineResponse[Any, Any]) -> bool:
        if response.http_response.status_code < 400 or self.total_retries == 0:
            return False
        retry_after = self.get_retry_after(response)
        if retry_after is not None and retry_after > self.max_inline_wait:
            return False
        return bool(super().is_retry(settings, response))
