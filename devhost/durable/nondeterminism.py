"""The failure messages of a non-deterministic replay, worded as DTFx words them.

DTFx (TaskOrchestrationContext.Handle*CreatedEvent) compares each scheduling event in the history
with the action the replay produced for the same sequence number and fails the orchestration with
a NonDeterministicOrchestrationException; its message becomes the Failed instance's output. A
developer who searches for that text, or a test that matches it, must find the same words here.
"""

from __future__ import annotations

from devhost.durable.actions import ActionType

PREFIX = "Non-Deterministic workflow detected: "
PREVIOUS = PREFIX + "A previous execution of this orchestration scheduled"
QUESTION = "Was a change made to the orchestrator code after this instance had already started running?"

_ACTIVITIES = {ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY}
_CHILDREN = {ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY}

# The DTFx action class each out-of-process action becomes; DTFx names it in "instead produced a ...".
_DTFX_ACTION = {
    ActionType.CALL_ACTIVITY: "ScheduleTaskOrchestratorAction",
    ActionType.CALL_ACTIVITY_WITH_RETRY: "ScheduleTaskOrchestratorAction",
    ActionType.CALL_SUB_ORCHESTRATOR: "CreateSubOrchestrationAction",
    ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY: "CreateSubOrchestrationAction",
    ActionType.CREATE_TIMER: "CreateTimerOrchestratorAction",
    ActionType.CONTINUE_AS_NEW: "OrchestrationCompleteOrchestratorAction",
}


def same_kind(previous: ActionType, current: ActionType) -> bool:
    """Retry or not, an activity is an activity to DTFx (both become ScheduleTask actions)."""
    for family in (_ACTIVITIES, _CHILDREN):
        if previous in family:
            return current in family
    return previous == current


def replaced(
    previous: ActionType, name: str, seq: int, child_id: str | None, current: ActionType, current_name: str
) -> str:
    """The replay scheduled something else (another kind, or another name) at this sequence number."""
    produced = _DTFX_ACTION.get(current, f"{current.name.title().replace('_', '')}Action")
    if previous in _ACTIVITIES:
        if current in _ACTIVITIES:
            return (
                f"{PREVIOUS} an activity task with sequence "
                f"number {seq} named '{name}', but the current orchestration replay instead scheduled an "
                f"activity task named '{current_name}' with this sequence number.  {QUESTION}"
            )
        return (
            f"{PREVIOUS} an activity task with sequence number {seq} named '{name}', but the current "
            f"orchestration replay instead produced a {produced} action with this sequence number. {QUESTION}"
        )
    if previous in _CHILDREN:
        head = _child_head(name, seq, child_id)
        if current in _CHILDREN:
            return (
                f"{head}, but the current orchestration replay instead scheduled a sub-orchestration task "
                f"with name {current_name} at this sequence number. {QUESTION}"
            )
        return (
            f"{head}, but the current orchestration replay instead produced a {produced} action at this "
            f"sequence number. {QUESTION}"
        )
    if previous == ActionType.CREATE_TIMER:
        return (
            f"{PREVIOUS} a timer task with sequence number {seq} named but the current orchestration replay "
            f"instead produced a {produced} action with this sequence number. {QUESTION}"
        )
    return (
        f"{PREVIOUS} an action of type {previous.name} named "
        f"'{name}', but the current replay instead scheduled an action of type {current.name} named "
        f"'{current_name}'. {QUESTION}"
    )


def missing(previous: ActionType, name: str, seq: int, child_id: str | None) -> str:
    """The replay stopped short of something a previous execution scheduled."""
    if previous in _ACTIVITIES:
        return (
            f"{PREVIOUS} an activity task with sequence ID "
            f"{seq} and name '{name}' (version ''), but the current replay execution hasn't (yet?) scheduled "
            f"this task. {QUESTION}"
        )
    if previous in _CHILDREN:
        head = _child_head(name, seq, child_id)
        return f"{head}, but the current replay execution hasn't (yet?) scheduled this task. {QUESTION}"
    if previous == ActionType.CREATE_TIMER:
        return (
            f"{PREVIOUS} a timer task with sequence number "
            f"{seq} but the current replay execution hasn't (yet?) scheduled this task. {QUESTION}"
        )
    return (
        f"{PREVIOUS} an action of type {previous.name} named "
        f"'{name}', but the current replay execution hasn't (yet?) scheduled it. {QUESTION}"
    )


def _child_head(name: str, seq: int, child_id: str | None) -> str:
    return (
        f"{PREVIOUS} a sub-orchestration task with sequence ID "
        f"{seq} and name '{name}' (version '', instance ID '{child_id or ''}')"
    )
