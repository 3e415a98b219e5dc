"""One orchestration execution and its episodes, as the Durable extension drives them.

An episode is: OrchestratorStarted(now) + the new events -> the SDK's replay handler -> the new
actions become scheduling events with the sequence numbers the SDK handed out -> work to run.
This module decides; the engine persists and dispatches. Nothing here touches I/O or the clock.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devhost.durable import history as h
from devhost.durable import nondeterminism
from devhost.durable.actions import NUMBERED, RETRYING, Action, ActionType, RetryPolicy, describe, flatten
from devhost.durable.errors import UnknownFunctionError
from devhost.durable.functions import FunctionRegistry, OrchestratorFunctionError
from devhost.durable.replay_state import (
    ActivityWork,
    ChildWork,
    EpisodeOutcome,
    LedgerEntry,
    OrchestrationFailedError,
    TimerWork,
    Work,
    timespan,
    work_from_json,
    work_to_json,
)

OUT_OF_PROC_MARKER = "\n\n$OutOfProcData$:"
CUSTOM_STATUS_LIMIT = 16 * 1024
SUB_ORCHESTRATION_ID_CLASH = (
    "The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration."
)


@dataclass
class Execution:
    """The replay state of one execution of one instance (reset by continue-as-new)."""

    instance_id: str
    name: str
    input_json: str | None
    parent_instance_id: str | None
    history: list[h.Event] = field(default_factory=list)
    execution_id: str = ""
    next_seq: int = 0
    ledger: list[LedgerEntry] = field(default_factory=list)
    roles: dict[int, tuple[int, str]] = field(default_factory=dict)
    open_work: dict[int, Work] = field(default_factory=dict)
    raised: dict[str, int] = field(default_factory=dict)
    _functions: FunctionRegistry | None = field(default=None, repr=False, compare=False)

    # -- persistence of the derived state -----------------------------------------------------------
    def state_json(self) -> str:
        return json.dumps(
            {
                "next_seq": self.next_seq,
                "ledger": [e.to_json() for e in self.ledger],
                "roles": {str(k): list(v) for k, v in self.roles.items()},
                "open": [work_to_json(w) for w in self.open_work.values()],
                "raised": self.raised,
            }
        )

    def load_state(self, text: str) -> None:
        data = json.loads(text)
        self.next_seq = data.get("next_seq", 0)
        self.ledger = [LedgerEntry.from_json(e) for e in data.get("ledger", [])]
        self.roles = {int(k): (v[0], v[1]) for k, v in data.get("roles", {}).items()}
        self.open_work = {w.seq: w for w in (work_from_json(d) for d in data.get("open", []))}
        self.raised = dict(data.get("raised", {}))

    # -- the episode --------------------------------------------------------------------------------
    def context_json(self, max_short_timer: timedelta, long_timer_interval: timedelta) -> str:
        return json.dumps(
            {
                "history": self.history,
                "input": self.input_json,
                "instanceId": self.instance_id,
                "isReplaying": len(self.history) > 2 and bool(self.history[1].get("IsPlayed")),
                "parentInstanceId": self.parent_instance_id,
                "upperSchemaVersion": 1,
                "upperSchemaVersionNew": 3,
                "maximumShortTimerDuration": timespan(max_short_timer),
                "longRunningTimerIntervalDuration": timespan(long_timer_interval),
            }
        )

    async def run_episode(
        self,
        call: Callable[[str], Awaitable[str]],
        events: list[h.Event],
        now: datetime,
        *,
        execution_id: str,
        max_short_timer: timedelta,
        long_timer_interval: timedelta,
        functions: FunctionRegistry | None = None,
    ) -> EpisodeOutcome:
        outcome = EpisodeOutcome()
        self.execution_id = execution_id
        self._functions = functions
        first_position = len(self.history)
        started = [h.orchestrator_started(now)]
        if not self.history:
            started.append(
                h.execution_started(
                    now,
                    self.name,
                    self.instance_id,
                    execution_id,
                    self.input_json,
                    None
                    if self.parent_instance_id is None
                    else {"OrchestrationInstance": {"InstanceId": self.parent_instance_id}},
                )
            )
        ordered = self._retry_events_first(events)
        self.history.extend(started + ordered)
        scheduling: list[h.Event] = []
        try:
            for event in ordered:
                self._absorb(event, now, scheduling, outcome)
            result = await self._call(call, max_short_timer, long_timer_interval, outcome)
            if result is not None:
                self._apply_actions(result, now, scheduling, outcome, ordered)
        except OrchestrationFailedError as failure:
            self._fail(str(failure), "", outcome)
        if outcome.status == "Running":
            self.history.extend(scheduling)
        else:
            self.history.extend(self._terminal_events(now, outcome))
        self.history.append(h.orchestrator_completed(now))
        for event in self.history[first_position:]:
            event["IsPlayed"] = True
        outcome.new_events = self.history[first_position:]
        if outcome.status != "Running":
            outcome.dispatch = []
            self.open_work.clear()
        return outcome

    def _retry_events_first(self, events: list[h.Event]) -> list[h.Event]:
        """Put events that make the SDK take sequence numbers (a retried attempt failed, a retry timer
        fired with attempts left) before the others, so no user code runs between them and the
        numbers the engine gives the new scheduling events match the SDK's."""
        allocating: list[h.Event] = []
        others: list[h.Event] = []
        for event in events:
            (allocating if self._allocates(event) else others).append(event)
        return allocating + others

    def _allocates(self, event: h.Event) -> bool:
        kind = event["EventType"]
        seq = event.get("TaskScheduledId") if kind != h.EventType.TIMER_FIRED else event.get("TimerId")
        role = self.roles.get(seq) if isinstance(seq, int) else None
        if role is None:
            return False
        entry = self.ledger[role[0]]
        if entry.retry is None:
            return False
        if kind in (h.EventType.TASK_FAILED, h.EventType.SUB_ORCHESTRATION_INSTANCE_FAILED):
            return role[1] in ("task", "child") and seq == entry.seq
        if kind == h.EventType.TIMER_FIRED:
            return role[1] == "retry_timer" and entry.attempts < entry.retry.max_number_of_attempts
        return False

    def _absorb(
        self, event: h.Event, now: datetime, scheduling: list[h.Event], outcome: EpisodeOutcome
    ) -> None:
        kind = event["EventType"]
        if kind == h.EventType.EVENT_RAISED:
            self.raised[event["Name"]] = self.raised.get(event["Name"], 0) + 1
            return
        seq = event.get("TimerId") if kind == h.EventType.TIMER_FIRED else event.get("TaskScheduledId")
        if not isinstance(seq, int):
            return
        self.open_work.pop(seq, None)
        allocating = self._allocates(event)
        role = self.roles.get(seq)
        if role is None or self.ledger[role[0]].retry is None:
            return
        entry = self.ledger[role[0]]
        if kind in (h.EventType.TASK_FAILED, h.EventType.SUB_ORCHESTRATION_INSTANCE_FAILED) and allocating:
            entry.last_failure = (str(event.get("Reason") or ""), str(event.get("Details") or ""))
            assert entry.retry is not None
            fire_at = now + entry.retry.delay_after(entry.attempts)
            if self._retry_window_closed(entry, now):
                fire_at = now
            timer_seq = self._allocate(role[0], "retry_timer")
            entry.retry_timer = timer_seq
            scheduling.append(h.timer_created(now, timer_seq, fire_at))
            self._add_work(TimerWork(timer_seq, h.format_time(fire_at)), outcome)
        elif kind == h.EventType.TIMER_FIRED and allocating:
            self._schedule_attempt(role[0], now, scheduling, outcome)

    @staticmethod
    def _retry_window_closed(entry: LedgerEntry, now: datetime) -> bool:
        if entry.retry is None or entry.retry.retry_timeout is None or entry.first_attempt_at is None:
            return False
        return now >= h.parse_time(entry.first_attempt_at) + entry.retry.retry_timeout

    def _allocate(self, index: int, role: str) -> int:
        seq = self.next_seq
        self.next_seq += 1
        self.roles[seq] = (index, role)
        return seq

    def _add_work(self, work: Work, outcome: EpisodeOutcome) -> None:
        self.open_work[work.seq] = work
        outcome.dispatch.append(work)

    def _schedule_attempt(
        self,
        index: int,
        now: datetime,
        scheduling: list[h.Event],
        outcome: EpisodeOutcome,
        seq: int | None = None,
    ) -> None:
        """Schedule the first or a repeated attempt of an activity or sub-orchestration."""
        entry = self.ledger[index]
        is_child = entry.kind in (
            ActionType.CALL_SUB_ORCHESTRATOR,
            ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
        )
        if seq is None:
            seq = self._allocate(index, "child" if is_child else "task")
        entry.seq = seq
        entry.attempts += 1
        if entry.first_attempt_at is None:
            entry.first_attempt_at = h.format_time(now)
        if is_child:
            child_id = entry.given_instance_id or self._derived_child_id(seq)
            scheduling.append(h.sub_orchestration_created(now, seq, entry.name, child_id, entry.input_json))
            self._add_work(ChildWork(seq, entry.name, child_id, entry.input_json), outcome)
        else:
            closed = entry.attempts > 1 and self._retry_window_closed(entry, now)
            scheduling.append(h.task_scheduled(now, seq, entry.name, entry.input_json))
            self._add_work(
                ActivityWork(seq, entry.name, entry.input_json, entry.last_failure if closed else None),
                outcome,
            )

    async def _call(
        self,
        call: Callable[[str], Awaitable[str]],
        max_short_timer: timedelta,
        long_timer_interval: timedelta,
        outcome: EpisodeOutcome,
    ) -> dict[str, Any] | None:
        """Run the orchestrator function (through the worker) on the history so far."""
        try:
            state_text = await call(self.context_json(max_short_timer, long_timer_interval))
        except OrchestratorFunctionError as error:  # the SDK reports orchestrator failures by raising
            message, _, state_text = str(error).partition(OUT_OF_PROC_MARKER)
            if state_text:
                state = json.loads(state_text)
                self._take_custom_status(state, outcome)
                message = str(state.get("error") or message)
            self._fail(message, _failure_details(message, error), outcome)
            return None
        result: dict[str, Any] = json.loads(state_text)
        self._take_custom_status(result, outcome)
        return result

    def _take_custom_status(self, result: dict[str, Any], outcome: EpisodeOutcome) -> None:
        if "customStatus" not in result:
            return
        text = json.dumps(result["customStatus"])
        if len(text.encode("utf-16-le")) > CUSTOM_STATUS_LIMIT * 2 or len(text) > CUSTOM_STATUS_LIMIT:
            raise OrchestrationFailedError(
                f"customStatus: the JSON-serialized custom status is {len(text)} characters; "
                f"it must not exceed {CUSTOM_STATUS_LIMIT} (16 KB)"
            )
        outcome.custom_status_json = text
        outcome.custom_status_changed = True

    def _fail(self, message: str, details: str, outcome: EpisodeOutcome) -> None:
        """End as Failed with the extension's reason: the SDK's error behind "Orchestrator function
        '<name>' failed: " (OutOfProcOrchestrationShim), or DTFx's non-determinism message as is."""
        outcome.status = "Failed"
        text = f"Orchestrator function '{self.name}' failed: {message}"
        if message.startswith(nondeterminism.PREFIX):
            text = message
        outcome.output_json = json.dumps(text)
        outcome.failure = (text, details)

    def _apply_actions(
        self,
        result: dict[str, Any],
        now: datetime,
        scheduling: list[h.Event],
        outcome: EpisodeOutcome,
        fresh: list[h.Event],
    ) -> None:
        actions = flatten(result.get("actions", []))
        done = bool(result.get("isDone"))
        self._check_determinism(actions, done)
        for index, action in enumerate(actions[: len(self.ledger)]):
            entry = self.ledger[index]
            if action.type == ActionType.CREATE_TIMER and action.is_cancelled:
                self.open_work.pop(entry.seq, None)
        for action in actions[len(self.ledger) :]:
            self._schedule_new(action, now, scheduling, outcome)
        if done:
            continue_as_new = [a for a in actions if a.type == ActionType.CONTINUE_AS_NEW]
            if continue_as_new:
                outcome.status = "ContinuedAsNew"
                outcome.continue_input_json = continue_as_new[-1].input_json
                outcome.carried_events = self._carried_events(actions, fresh)
            else:
                outcome.status = "Completed"
                outcome.output_json = json.dumps(result.get("output"))

    def _check_determinism(self, actions: list[Action], done: bool) -> None:
        """Compare the replay's actions with what earlier episodes scheduled, as DTFx compares each
        scheduling event with the action of the same sequence number. Waits for external events take
        no sequence number and DTFx never checks them, so neither does this."""
        for action, entry in zip(actions, self.ledger, strict=False):
            if action.type == entry.kind == ActionType.WAIT_FOR_EXTERNAL_EVENT:
                continue
            same_name = action.name.lower() == entry.name.lower()
            if same_name and nondeterminism.same_kind(entry.kind, action.type):
                continue
            raise OrchestrationFailedError(
                nondeterminism.replaced(
                    entry.kind, entry.name, entry.seq, self._child_id(entry), action.type, action.name
                )
            )
        if done:
            return
        for entry in self.ledger[len(actions) :]:
            if entry.kind in NUMBERED:
                raise OrchestrationFailedError(
                    nondeterminism.missing(entry.kind, entry.name, entry.seq, self._child_id(entry))
                )

    def _check_target_exists(self, kind: ActionType, name: str) -> None:
        """The extension refuses to schedule a function the app does not define (ArgumentException
        inside the replay): the orchestration fails; the orchestrator cannot catch it as a task error."""
        if self._functions is None:
            return
        try:
            if kind in (ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY):
                self._functions.activity(name)
            elif kind in (ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
                self._functions.orchestrator(name)
        except UnknownFunctionError as error:
            raise OrchestrationFailedError(str(error)) from None

    def _derived_child_id(self, seq: int) -> str:
        """DTFx names a sub-orchestration without an explicit id "<parent execution id>:<sequence number>"."""
        return f"{self.execution_id}:{seq}"

    def _child_id(self, entry: LedgerEntry) -> str | None:
        if entry.kind not in (ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
            return None
        return entry.given_instance_id or self._derived_child_id(entry.seq)

    def _schedule_new(
        self, action: Action, now: datetime, scheduling: list[h.Event], outcome: EpisodeOutcome
    ) -> None:
        kind = action.type
        if kind in (ActionType.CALL_HTTP, ActionType.CALL_ENTITY, ActionType.SIGNAL_ENTITY):
            raise OrchestrationFailedError(
                f"{describe(kind)} is not supported by devhost's durable engine (durable HTTP and entities)"
            )
        self._check_target_exists(kind, action.name)
        given_instance_id = action.raw.get("instanceId") or None
        family = {self.instance_id.lower(), (self.parent_instance_id or "").lower()}
        if given_instance_id is not None and str(given_instance_id).lower() in family:
            raise OrchestrationFailedError(SUB_ORCHESTRATION_ID_CLASH)
        entry = LedgerEntry(
            kind,
            action.name,
            input_json=action.input_json,
            retry=RetryPolicy.from_action(action.raw) if kind in RETRYING else None,
            given_instance_id=given_instance_id,
        )
        self.ledger.append(entry)
        index = len(self.ledger) - 1
        if kind not in NUMBERED:
            return
        if kind in (
            ActionType.CALL_ACTIVITY,
            ActionType.CALL_ACTIVITY_WITH_RETRY,
            ActionType.CALL_SUB_ORCHESTRATOR,
            ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY,
        ):
            self._schedule_attempt(index, now, scheduling, outcome)
        elif kind == ActionType.CREATE_TIMER:
            entry.seq = self._allocate(index, "timer")
            scheduling.append(h.timer_created(now, entry.seq, action.fire_at))
            if not action.is_cancelled:
                self._add_work(TimerWork(entry.seq, h.format_time(action.fire_at)), outcome)
        else:
            entry.seq = self._allocate(index, "continue_as_new")

    def _carried_events(self, actions: list[Action], fresh: list[h.Event]) -> list[h.Event]:
        """External events to deliver to the next execution.

        DTFx carries over only events it processes after the orchestrator decided to continue as new
        (events of this episode after the completion that let it get there). Events that arrived
        earlier and were never awaited are buffered by the extension and dropped, because the Python
        SDK's continue_as_new never asks to preserve unprocessed events.
        """
        consumed = self._consumed_raised_events(actions)
        completions = {
            h.EventType.TASK_COMPLETED,
            h.EventType.TASK_FAILED,
            h.EventType.SUB_ORCHESTRATION_INSTANCE_COMPLETED,
            h.EventType.SUB_ORCHESTRATION_INSTANCE_FAILED,
            h.EventType.TIMER_FIRED,
        }
        last_trigger = -1
        for position, event in enumerate(fresh):
            if event["EventType"] in completions or id(event) in consumed:
                last_trigger = position
        return [
            dict(e, IsPlayed=False)
            for e in fresh[last_trigger + 1 :]
            if e["EventType"] == h.EventType.EVENT_RAISED and id(e) not in consumed
        ]

    def _consumed_raised_events(self, actions: list[Action]) -> set[int]:
        """The EventRaised events (by identity) that the replay's waits took, per name in arrival order."""
        waits: dict[str, int] = {}
        for action in actions:
            if action.type == ActionType.WAIT_FOR_EXTERNAL_EVENT:
                waits[action.name] = waits.get(action.name, 0) + 1
        consumed: set[int] = set()
        taken: dict[str, int] = {}
        for event in self.history:
            if event["EventType"] != h.EventType.EVENT_RAISED:
                continue
            name = event["Name"]
            if taken.get(name, 0) < waits.get(name, 0):
                taken[name] = taken.get(name, 0) + 1
                consumed.add(id(event))
        return consumed

    def _terminal_events(self, now: datetime, outcome: EpisodeOutcome) -> list[h.Event]:
        if outcome.status == "ContinuedAsNew":
            return [h.continue_as_new(now, outcome.continue_input_json)]
        if outcome.status == "Failed" and outcome.failure is not None:
            # DTFx records a failure's reason as plain text (not JSON) with the details beside it.
            reason, details = outcome.failure
            return [h.execution_completed(now, "Failed", reason, details)]
        return [h.execution_completed(now, outcome.status, outcome.output_json)]


def _failure_details(message: str, error: OrchestratorFunctionError) -> str:
    """The Details the extension records with a failed orchestration ("Message: <error>, StackTrace:
    <stack>"); the stack is the worker's Python one, the closest local equivalent of the host's."""
    return f"Message: {message}, StackTrace: {error.stack_trace.rstrip()}"
