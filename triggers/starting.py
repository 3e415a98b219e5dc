"""Start a build through the durable client, or report the instance that already exists.

Shared by the queue trigger, the HTTP API and the rollout timer, so all three follow the one
table in `triggers.decisions`. Two deliveries racing each other both see "absent" and both call
start_new; the loser's start is refused (the Durable extension answers 500, "An Orchestration
instance with the status Running already exists", not a 409). Whatever the refusal's status, it is
read back as "already running" by looking at the instance again, never as an error. Anything else the
durable back end refuses, or cannot be reached for, raises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from imagefactory.identity import instance_id_for
from imagefactory.request import BuildRequest
from triggers.decisions import Action, ExistingBuild, decide, explain
from triggers.errors import StartRefusedError

LOGGER = logging.getLogger("imagefactory.triggers")
ORCHESTRATOR = "build_image"


@dataclass(frozen=True)
class StartOutcome:
    instance_id: str
    action: Action
    existing: ExistingBuild | None
    message: str

    @property
    def started(self) -> bool:
        return self.action.starts

    def to_dict(self) -> dict[str, Any]:
        return {
            "build_id": self.instance_id,
            "action": self.action.value,
            "started": self.started,
            "runtime_status": self.existing.runtime_status if self.existing else None,
            "message": self.message,
        }


async def read_existing(client: Any, instance_id: str) -> ExistingBuild | None:
    """The instance's state, or None when it does not exist (connection errors propagate)."""
    status = await client.get_status(instance_id)
    runtime = getattr(status, "runtime_status", None)
    if runtime is None:
        return None
    return ExistingBuild(
        runtime_status=str(getattr(runtime, "value", runtime)),
        output=status.output,
        custom_status=status.custom_status,
    )


async def start_or_report(client: Any, request: BuildRequest, *, origin: str) -> StartOutcome:
    """Start `request` under its deterministic id unless the table says to report (see module doc)."""
    instance_id = instance_id_for(request)
    existing = await read_existing(client, instance_id)
    action = decide(existing, rebuild_failed=request.rebuild_failed)
    if action.starts:
        try:
            await client.start_new(ORCHESTRATOR, instance_id, request.model_dump(mode="json"))
        except Exception as refused:
            now = await read_existing(client, instance_id)
            if now is None or not now.running:
                raise StartRefusedError(f"start of build {instance_id} was refused: {refused}") from refused
            existing, action = now, Action.REPORT_RUNNING
    outcome = StartOutcome(instance_id, action, existing, explain(action, instance_id, existing))
    LOGGER.info("%s: %s (correlation_id=%s)", origin, outcome.message, request.correlation_id or "-")
    return outcome
