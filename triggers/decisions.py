"""Start or report: what an entry point does with a build whose instance id may already exist.

Messages arrive at least once and timers may fire twice, so every start first looks at the
instance the deterministic id points to. The table, in one place for the queue, the HTTP API and
the rollout timer:

| existing instance                                   | rebuild_failed=false | rebuild_failed=true |
|-----------------------------------------------------|----------------------|---------------------|
| none                                                | start                | start               |
| Pending / Running / ContinuedAsNew / Suspended      | report running       | report running      |
| Completed with a Succeeded result                   | report succeeded     | report succeeded    |
| Completed with a Failed result, Failed, Terminated  | report failed        | start again         |

A succeeded build is never repeated (the version exists); a failed one is only retried when the
sender says so, because a retry may act on a VM that the failed run already generalized.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

RUNNING_STATES = frozenset({"Pending", "Running", "ContinuedAsNew", "Suspended"})
FAILED_STATES = frozenset({"Failed", "Terminated", "Canceled"})


class Action(StrEnum):
    START = "start"
    START_AGAIN = "start_again"
    REPORT_RUNNING = "report_running"
    REPORT_SUCCEEDED = "report_succeeded"
    REPORT_FAILED = "report_failed"

    @property
    def starts(self) -> bool:
        return self in (Action.START, Action.START_AGAIN)


@dataclass(frozen=True)
class ExistingBuild:
    """What the durable back end says about an instance id (None fields when unknown)."""

    runtime_status: str
    output: Any = None
    custom_status: Any = None

    @property
    def result_status(self) -> str | None:
        """The build result's own status ("Succeeded"/"Failed"), from the output document."""
        if isinstance(self.output, dict):
            status = self.output.get("status")
            return str(status) if status is not None else None
        return None

    @property
    def succeeded(self) -> bool:
        return self.runtime_status == "Completed" and self.result_status != "Failed"

    @property
    def running(self) -> bool:
        return self.runtime_status in RUNNING_STATES


def decide(existing: ExistingBuild | None, *, rebuild_failed: bool) -> Action:
    """The row of the module's table that applies."""
    if existing is None:
        return Action.START
    if existing.running:
        return Action.REPORT_RUNNING
    if existing.succeeded:
        return Action.REPORT_SUCCEEDED
    if existing.runtime_status in FAILED_STATES or existing.runtime_status == "Completed":
        return Action.START_AGAIN if rebuild_failed else Action.REPORT_FAILED
    # An unknown state (a newer back end) is treated as running: never start over something alive.
    return Action.REPORT_RUNNING


def explain(action: Action, instance_id: str, existing: ExistingBuild | None) -> str:
    """One sentence for logs and API answers."""
    state = existing.runtime_status if existing is not None else "absent"
    return {
        Action.START: f"build {instance_id} started",
        Action.START_AGAIN: f"build {instance_id} started again (previous run {state}, rebuild_failed=true)",
        Action.REPORT_RUNNING: f"build {instance_id} is already {state}; not started twice",
        Action.REPORT_SUCCEEDED: f"build {instance_id} already completed successfully; not repeated",
        Action.REPORT_FAILED: (
            f"build {instance_id} already ran and ended {_ended(existing)}; send rebuild_failed: true "
            "to start it again"
        ),
    }[action]


def _ended(existing: ExistingBuild | None) -> str:
    if existing is None:
        return "unknown"
    if existing.runtime_status == "Completed":
        return f"with result {existing.result_status or 'unknown'}"
    return existing.runtime_status
