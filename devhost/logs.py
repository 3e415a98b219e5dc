"""One structured line per invocation, so a local run can be followed (and grepped) like host logs."""

from __future__ import annotations

import json
import logging
from typing import Any

INVOCATION_LOGGER = logging.getLogger("devhost.invocations")
HOST_LOGGER = logging.getLogger("devhost.host")


def log_invocation(
    *,
    function: str,
    trigger: str,
    invocation_id: str,
    duration_ms: float,
    outcome: str,
    error: str | None = None,
    logger: logging.Logger = INVOCATION_LOGGER,
    **extra: Any,
) -> None:
    """Log one finished invocation as a single JSON object (failures at WARNING so they stand out).

    Orchestrator episodes and activities add `instance_id`, so one build can be followed by grepping
    its instance id across every function it ran, as in the host's own logs.
    """
    record: dict[str, Any] = {
        "event": "invocation",
        "function": function,
        "trigger": trigger,
        "invocation_id": invocation_id,
        "duration_ms": round(duration_ms, 3),
        "outcome": outcome,
    }
    record.update({key: value for key, value in extra.items() if value is not None})
    if error is not None:
        record["error"] = error
    level = logging.INFO if outcome == "succeeded" else logging.WARNING
    logger.log(level, json.dumps(record, default=str, sort_keys=False))
