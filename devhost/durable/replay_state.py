"""The records an execution's replay keeps between episodes: the ledger of what the orchestrator
scheduled, the work still open (timers, activities, sub-orchestrations), and an episode's outcome.
They are persisted as JSON beside the history, so a restarted engine picks up exactly where it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from devhost.durable import history as h
from devhost.durable.actions import ActionType, RetryPolicy


def timespan(value: timedelta) -> str:
    """A .NET TimeSpan string ("d.hh:mm:ss[.fffffff]"), the form the extension sends timer settings in."""
    total_us = int(value / timedelta(microseconds=1))
    days, rest = divmod(total_us, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, micro = divmod(rest, 1_000_000)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if micro:
        text += f".{micro * 10:07d}"
    return f"{days}.{text}" if days else text


@dataclass
class LedgerEntry:
    """What one leaf action became: its sequence numbers, retry progress, child instance."""

    kind: ActionType
    name: str
    seq: int = -1
    input_json: str | None = None
    retry: RetryPolicy | None = None
    attempts: int = 0
    first_attempt_at: str | None = None
    retry_timer: int | None = None
    given_instance_id: str | None = None
    last_failure: tuple[str, str] | None = None

    @property
    def identity(self) -> str:
        return f"{self.kind.name}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": int(self.kind),
            "name": self.name,
            "seq": self.seq,
            "input": self.input_json,
            "retry": None if self.retry is None else self.retry.to_json(),
            "attempts": self.attempts,
            "first": self.first_attempt_at,
            "retry_timer": self.retry_timer,
            "instance_id": self.given_instance_id,
            "last_failure": self.last_failure,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerEntry:
        failure = data.get("last_failure")
        return cls(
            ActionType(data["kind"]),
            data["name"],
            data["seq"],
            data["input"],
            None if data["retry"] is None else RetryPolicy.from_json(data["retry"]),
            data["attempts"],
            data["first"],
            data["retry_timer"],
            data["instance_id"],
            None if failure is None else (failure[0], failure[1]),
        )


@dataclass(frozen=True)
class ActivityWork:
    seq: int
    name: str
    input_json: str | None
    fail_with: tuple[str, str] | None = None  # retry window closed: fail without running


@dataclass(frozen=True)
class TimerWork:
    seq: int
    fire_at: str


@dataclass(frozen=True)
class ChildWork:
    seq: int
    name: str
    instance_id: str
    input_json: str | None


Work = ActivityWork | TimerWork | ChildWork


def work_to_json(work: Work) -> dict[str, Any]:
    if isinstance(work, ActivityWork):
        return {
            "type": "activity",
            "seq": work.seq,
            "name": work.name,
            "input": work.input_json,
            "fail_with": work.fail_with,
        }
    if isinstance(work, TimerWork):
        return {"type": "timer", "seq": work.seq, "fire_at": work.fire_at}
    return {
        "type": "child",
        "seq": work.seq,
        "name": work.name,
        "instance_id": work.instance_id,
        "input": work.input_json,
    }


def work_from_json(data: dict[str, Any]) -> Work:
    if data["type"] == "activity":
        fail = data.get("fail_with")
        return ActivityWork(
            data["seq"], data["name"], data["input"], None if fail is None else (fail[0], fail[1])
        )
    if data["type"] == "timer":
        return TimerWork(data["seq"], data["fire_at"])
    return ChildWork(data["seq"], data["name"], data["instance_id"], data["input"])


@dataclass
class EpisodeOutcome:
    """What the engine must persist and do after an episode."""

    new_events: list[h.Event] = field(default_factory=list)
    dispatch: list[Work] = field(default_factory=list)
    status: str = "Running"
    output_json: str | None = None
    custom_status_json: str | None = None
    custom_status_changed: bool = False
    continue_input_json: str | None = None
    carried_events: list[h.Event] = field(default_factory=list)
    failure: tuple[str, str] | None = None  # (reason, details) when the orchestration failed


class OrchestrationFailedError(Exception):
    """Raised inside an episode to end the orchestration as Failed with this message."""
