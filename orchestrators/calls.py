"""Orchestrator building blocks: call a step with transient retries, poll until done, race a deadline.

All waiting is on durable timers. A transient failure (429, 5xx, lost connection) is retried after
max(backoff, Retry-After); permanent ones raise StepFailedError at once with ARM's code and message.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from imagefactory.gateway.quota import ORCHESTRATION_TIME
from imagefactory.settings import Settings
from orchestrators.errors import PhaseTimeoutError, StepFailedError

Steps = Generator[Any, Any, Any]

TimeoutSetting = Literal[
    "timeout_deprovision_seconds",
    "timeout_deallocate_seconds",
    "timeout_target_seconds",
    "timeout_capture_seconds",
    "timeout_cleanup_seconds",
]


@dataclass(frozen=True)
class PhaseDeadline:
    """When a phase must be over, and the setting that said so (named in its timeout error).

    Made from one settings field, so the instant, the seconds and the setting name shown to the
    operator cannot disagree.
    """

    at: datetime
    seconds: int
    setting: str

    @classmethod
    def after(cls, now: datetime, cfg: Settings, field: TimeoutSetting) -> PhaseDeadline:
        seconds = int(getattr(cfg, field))
        setting = Settings.model_fields[field].alias or field
        return cls(now + timedelta(seconds=seconds), seconds, setting)

    def timeout(self, phase: str) -> PhaseTimeoutError:
        return PhaseTimeoutError(phase, self.seconds, self.setting)


def transient_delay(attempt: int, retry_after: float | None, base: float, cap: float) -> float:
    """Delay before retry number `attempt` (0-based): exponential from `base`, Retry-After wins, capped."""
    delay = base * (2**attempt)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(min(cap, delay))


def call_step(context: Any, cfg: Settings, phase: str, name: str, payload: dict[str, Any]) -> Steps:
    """Call activity `name`; return its value, retrying transient failures on durable timers."""
    attempt = 0
    while True:
        timed = {**payload, ORCHESTRATION_TIME: context.current_utc_datetime.isoformat()}
        outcome = yield context.call_activity(name, timed)
        if outcome.get("ok"):
            return outcome.get("value")
        error = outcome.get("error") or {}
        if not error.get("transient") or attempt >= cfg.transient_retry_max_attempts:
            code = str(error.get("code", "Unknown"))
            message = str(error.get("message", ""))
            if error.get("transient"):
                message = f"{message} (still failing after {attempt + 1} attempts)"
            raise StepFailedError(phase, code, message)
        delay = transient_delay(
            attempt,
            error.get("retry_after"),
            cfg.transient_retry_base_seconds,
            cfg.transient_retry_max_seconds,
        )
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=delay))
        attempt += 1


def poll_until(
    context: Any,
    cfg: Settings,
    *,
    phase: str,
    name: str,
    payload: dict[str, Any],
    done: Callable[[Any], bool],
    interval: float,
    deadline: PhaseDeadline,
) -> Steps:
    """Read through activity `name` until `done(value)`; wait `interval` between reads, up to `deadline`.

    `done` may raise StepFailedError when the state read is a failure (for example provisioningState
    Failed).
    """
    while True:
        value = yield from call_step(context, cfg, phase, name, payload)
        if done(value):
            return value
        now = context.current_utc_datetime
        if now >= deadline.at:
            raise deadline.timeout(phase)
        yield context.create_timer(min(now + timedelta(seconds=interval), deadline.at))


def race_deadline(
    context: Any, task: Any, deadline: datetime, *, phase: str, timeout_seconds: float, setting: str
) -> Steps:
    """The task's result, or PhaseTimeoutError if the durable timer at `deadline` fires first."""
    timer = context.create_timer(deadline)
    winner = yield context.task_any([task, timer])
    if winner is timer:
        raise PhaseTimeoutError(phase, timeout_seconds, setting)
    timer.cancel()
    return winner.result


def provisioned(phase: str, what: str) -> Callable[[Any], bool]:
    """`done` predicate for a resource read: Succeeded is done, Failed/Canceled is an error."""

    def check(value: Any) -> bool:
        if value is None:
            return False
        state = str(value.get("provisioning_state") or "").lower()
        if state in {"failed", "canceled"}:
            raise StepFailedError(phase, "ProvisioningFailed", f"{what} ended in provisioningState {state}")
        return state == "succeeded"

    return check


def wait_interval(cfg: Settings, retry_after: float | None) -> float:
    """Polling interval for an operation: the setting, or the server's Retry-After when longer."""
    return float(max(cfg.operation_poll_seconds, retry_after or 0))
