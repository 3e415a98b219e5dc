"""History events in the shape the Durable extension hands to the Python SDK.

Each helper returns the JSON dict of one event. Timestamps are written once and never rewritten,
because the SDK derives ``current_utc_datetime`` and ``new_uuid()`` from them on every replay.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

Event = dict[str, Any]


class EventType(IntEnum):
    EXECUTION_STARTED = 0
    EXECUTION_COMPLETED = 1
    EXECUTION_FAILED = 2
    EXECUTION_TERMINATED = 3
    TASK_SCHEDULED = 4
    TASK_COMPLETED = 5
    TASK_FAILED = 6
    SUB_ORCHESTRATION_INSTANCE_CREATED = 7
    SUB_ORCHESTRATION_INSTANCE_COMPLETED = 8
    SUB_ORCHESTRATION_INSTANCE_FAILED = 9
    TIMER_CREATED = 10
    TIMER_FIRED = 11
    ORCHESTRATOR_STARTED = 12
    ORCHESTRATOR_COMPLETED = 13
    EVENT_SENT = 14
    EVENT_RAISED = 15
    CONTINUE_AS_NEW = 16
    GENERIC_EVENT = 17
    HISTORY_STATE = 18
    EXECUTION_SUSPENDED = 19
    EXECUTION_RESUMED = 20


def event_type_name(value: int) -> str:
    """The extension's name for an event type ("OrchestratorStarted"), as the HTTP API shows it."""
    return "".join(word.capitalize() for word in EventType(value).name.split("_"))


def format_time(t: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a trailing Z, as the SDK's own DATETIME_STRING_FORMAT."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _event(event_type: EventType, event_id: int, at: datetime, **fields: Any) -> Event:
    return {
        "EventType": int(event_type),
        "EventId": event_id,
        "IsPlayed": False,
        "Timestamp": format_time(at),
        **fields,
    }


def orchestrator_started(at: datetime) -> Event:
    return _event(EventType.ORCHESTRATOR_STARTED, -1, at)


def orchestrator_completed(at: datetime) -> Event:
    return _event(EventType.ORCHESTRATOR_COMPLETED, -1, at)


def execution_started(
    at: datetime,
    name: str,
    instance_id: str,
    execution_id: str,
    input_json: str | None,
    parent: dict[str, Any] | None = None,
) -> Event:
    return _event(
        EventType.EXECUTION_STARTED,
        -1,
        at,
        Name=name,
        Version="",
        Input=input_json,
        OrchestrationInstance={"InstanceId": instance_id, "ExecutionId": execution_id},
        ParentInstance=parent,
    )


def task_scheduled(at: datetime, seq: int, name: str, input_json: str | None) -> Event:
    return _event(EventType.TASK_SCHEDULED, seq, at, Name=name, Version="", Input=input_json)


def task_completed(at: datetime, seq: int, result_json: str | None) -> Event:
    return _event(EventType.TASK_COMPLETED, -1, at, TaskScheduledId=seq, Result=result_json)


def task_failed(at: datetime, seq: int, reason: str, details: str) -> Event:
    return _event(EventType.TASK_FAILED, -1, at, TaskScheduledId=seq, Reason=reason, Details=details)


def timer_created(at: datetime, seq: int, fire_at: datetime) -> Event:
    return _event(EventType.TIMER_CREATED, seq, at, FireAt=format_time(fire_at))


def timer_fired(at: datetime, seq: int, fire_at: str) -> Event:
    return _event(EventType.TIMER_FIRED, -1, at, TimerId=seq, FireAt=fire_at)


def sub_orchestration_created(
    at: datetime, seq: int, name: str, instance_id: str, input_json: str | None
) -> Event:
    return _event(
        EventType.SUB_ORCHESTRATION_INSTANCE_CREATED,
        seq,
        at,
        Name=name,
        Version="",
        InstanceId=instance_id,
        Input=input_json,
    )


def sub_orchestration_completed(at: datetime, seq: int, result_json: str | None) -> Event:
    return _event(
        EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED, -1, at, TaskScheduledId=seq, Result=result_json
    )


def sub_orchestration_failed(at: datetime, seq: int, reason: str, details: str) -> Event:
    return _event(
        EventType.SUB_ORCHESTRATION_INSTANCE_FAILED,
        -1,
        at,
        TaskScheduledId=seq,
        Reason=reason,
        Details=details,
    )


def event_raised(at: datetime, name: str, input_json: str | None) -> Event:
    return _event(EventType.EVENT_RAISED, -1, at, Name=name, Input=input_json)


def execution_completed(
    at: datetime, status: str, result: str | None, details: str | None = None
) -> Event:
    fields: dict[str, Any] = {"OrchestrationStatus": status, "Result": result}
    if details is not None:
        fields["Details"] = details
    return _event(EventType.EXECUTION_COMPLETED, -1, at, **fields)


def execution_terminated(at: datetime, reason: str) -> Event:
    return _event(EventType.EXECUTION_TERMINATED, -1, at, Input=reason)


def continue_as_new(at: datetime, input_json: str | None) -> Event:
    return _event(EventType.CONTINUE_AS_NEW, -1, at, Result=input_json)


def execution_suspended(at: datetime, reason: str) -> Event:
    return _event(EventType.EXECUTION_SUSPENDED, -1, at, Reason=reason)


def execution_resumed(at: datetime, reason: str) -> Event:
    return _event(EventType.EXECUTION_RESUMED, -1, at, Reason=reason)
