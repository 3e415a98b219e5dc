"""Reading the actions the SDK returns and matching them against what was already scheduled.

Under replay schema V2+ the SDK returns ONE list holding every action since the execution
started, WhenAll/WhenAny nesting the actions they schedule. Flattening that tree in order gives
the order in which the SDK handed out sequence numbers, which is what lets the engine number the
scheduling events exactly as the SDK expects when the completions come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from devhost.durable.history import parse_time


class ActionType(IntEnum):
    CALL_ACTIVITY = 0
    CALL_ACTIVITY_WITH_RETRY = 1
    CALL_SUB_ORCHESTRATOR = 2
    CALL_SUB_ORCHESTRATOR_WITH_RETRY = 3
    CONTINUE_AS_NEW = 4
    CREATE_TIMER = 5
    WAIT_FOR_EXTERNAL_EVENT = 6
    CALL_ENTITY = 7
    CALL_HTTP = 8
    SIGNAL_ENTITY = 9
    WHEN_ANY = 11
    WHEN_ALL = 12


COMPOUND = {ActionType.WHEN_ANY, ActionType.WHEN_ALL}
# Actions that take one sequence number from the orchestration when first scheduled.
NUMBERED = {
    ActionType.CALL_ACTIVITY,
    ActionType.CALL_ACTIVITY_WITH_RETRY,
    ActionType.CALL_SUB_ORCHESTRATOR,
    ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
    ActionType.CREATE_TIMER,
    ActionType.CALL_ENTITY,
    ActionType.CALL_HTTP,
    ActionType.SIGNAL_ENTITY,
    ActionType.CONTINUE_AS_NEW,
}
RETRYING = {ActionType.CALL_ACTIVITY_WITH_RETRY, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY}


@dataclass(frozen=True)
class RetryPolicy:
    """The retry options of a *WithRetry action, with the extension's defaults for absent fields."""

    first_retry_interval: timedelta
    max_number_of_attempts: int
    backoff_coefficient: float = 1.0
    max_retry_interval: timedelta | None = None
    retry_timeout: timedelta | None = None

    @classmethod
    def from_action(cls, raw: dict[str, Any]) -> RetryPolicy:
        options = raw.get("retryOptions") or {}
        max_interval = options.get("maxRetryIntervalInMilliseconds")
        timeout = options.get("retryTimeoutInMilliseconds")
        return cls(
            first_retry_interval=timedelta(
                milliseconds=int(options.get("firstRetryIntervalInMilliseconds", 1))
            ),
            max_number_of_attempts=int(options.get("maxNumberOfAttempts", 1)),
            backoff_coefficient=float(options.get("backoffCoefficient", 1.0)),
            max_retry_interval=timedelta(milliseconds=int(max_interval)) if max_interval else None,
            retry_timeout=timedelta(milliseconds=int(timeout)) if timeout else None,
        )

    def delay_after(self, failed_attempts: int) -> timedelta:
        """Delay before the next attempt, as DTFx's RetryInterceptor computes it (attempt counts from 1)."""
        delay = self.first_retry_interval * (self.backoff_coefficient ** (failed_attempts - 1))
        if self.max_retry_interval is not None and delay > self.max_retry_interval:
            return self.max_retry_interval
        return delay

    def to_json(self) -> dict[str, Any]:
        return {
            "first_ms": self.first_retry_interval / timedelta(milliseconds=1),
            "attempts": self.max_number_of_attempts,
            "backoff": self.backoff_coefficient,
            "max_ms": None
            if self.max_retry_interval is None
            else self.max_retry_interval / timedelta(milliseconds=1),
            "timeout_ms": None
            if self.retry_timeout is None
            else self.retry_timeout / timedelta(milliseconds=1),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RetryPolicy:
        return cls(
            first_retry_interval=timedelta(milliseconds=data["first_ms"]),
            max_number_of_attempts=data["attempts"],
            backoff_coefficient=data["backoff"],
            max_retry_interval=None if data["max_ms"] is None else timedelta(milliseconds=data["max_ms"]),
            retry_timeout=None if data["timeout_ms"] is None else timedelta(milliseconds=data["timeout_ms"]),
        )


@dataclass(frozen=True)
class Action:
    """One leaf action, with the fields the engine needs to schedule it."""

    type: ActionType
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        if self.type == ActionType.WAIT_FOR_EXTERNAL_EVENT:
            return str(self.raw.get("externalEventName", ""))
        if self.type == ActionType.CREATE_TIMER:
            return "timer"
        return str(self.raw.get("functionName") or "")

    @property
    def input_json(self) -> str | None:
        value = self.raw.get("input")
        return None if value is None else str(value)

    @property
    def fire_at(self) -> datetime:
        return parse_time(str(self.raw["fireAt"]))

    @property
    def is_cancelled(self) -> bool:
        return bool(self.raw.get("isCanceled"))

    @property
    def identity(self) -> str:
        """What must stay the same between replays for the orchestration to be deterministic."""
        return f"{self.type.name}:{self.name}"


def flatten(actions: list[Any]) -> list[Action]:
    """All leaf actions in scheduling order, whether the SDK used schema V1 (nested lists) or V2+."""
    leaves: list[Action] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                visit(child)
            return
        kind = ActionType(int(node["actionType"]))
        if kind in COMPOUND:
            for child in node.get("compoundActions", []):
                visit(child)
            return
        leaves.append(Action(kind, node))

    visit(actions)
    return leaves


def describe(kind: ActionType) -> str:
    return {
        ActionType.CALL_ACTIVITY: "an activity task",
        ActionType.CALL_ACTIVITY_WITH_RETRY: "an activity task (with retry)",
        ActionType.CALL_SUB_ORCHESTRATOR: "a sub-orchestration",
        ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY: "a sub-orchestration (with retry)",
        ActionType.CREATE_TIMER: "a durable timer",
        ActionType.WAIT_FOR_EXTERNAL_EVENT: "a wait for an external event",
        ActionType.CONTINUE_AS_NEW: "a continue-as-new",
    }.get(kind, f"an action of type {kind.name}")
