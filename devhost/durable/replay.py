"""One orchestration execution and its episodes, as the Durable extension drives them.

An episode is: OrchestratorStarted(now) + the new events -> the SDK's replay handler -> the new
actions become scheduling events with the sequence numbers the SDK handed out -> work to run.
This module decides; the engine persists and dispatches. Nothing here touches I/O or the clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from devhost.durable import history as h
from devhost.durable.actions import NUMBERED, RETRYING, Action, ActionType, RetryPolicy, describe, flatten
from devhost.durable.functions import OrchestratorFunction

OUT_OF_PROC_MARKER = "\n\n$OutOfProcData$:"
CUSTOM_STATUS_LIMIT = 16 * 1024
NON_DETERMINISM = "Non-Deterministic workflow detected: "


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
    cancelled_timers: list[int] = field(default_factory=list)
    status: str = "Running"
    output_json: str | None = None
    custom_status_json: str | None = None
    custom_status_changed: bool = False
    continue_input_json: str | None = None
    carried_events: list[h.Event] = field(default_factory=list)
    failure: tuple[str, str] | None = None  # (reason, details) when the orchestration failed


class OrchestrationFailedError(Exception):
    """Raised inside an episode to end the orchestration as Failed with this message."""


@dataclass
class Execution:
    """The replay state of one execution of one instance (reset by continue-as-new)."""

    instance_id: str
    name: str
    input_json: str | None
    parent_instance_id: str | None
    history: list[h.Event] = field(default_factory=list)
    next_seq: int = 0
    ledger: list[LedgerEntry] = field(default_factory=list)
    roles: dict[int, tuple[int, str]] = field(default_factory=dict)
    open_work: dict[int, Work] = field(default_factory=dict)
    raised: dict[str, int] = field(default_factory=dict)

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

    def run_episode(
        self,
        function: OrchestratorFunction,
        events: list[h.Event],
        now: datetime,
        *,
        execution_id: str,
        max_short_timer: timedelta,
        long_timer_interval: timedelta,
    ) -> EpisodeOutcome:
        outcome = EpisodeOutcome()
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
            result = self._call(function, max_short_timer, long_timer_interval, outcome)
            if result is not None:
                self._apply_actions(result, now, scheduling, outcome)
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
            outcome.cancelled_timers = [seq for seq, w in self.open_work.items() if isinstance(w, TimerWork)]
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
            child_id = entry.given_instance_id or f"{self.instance_id}:{seq}"
            scheduling.append(h.sub_orchestration_created(now, seq, entry.name, child_id, entry.input_json))
            self._add_work(ChildWork(seq, entry.name, child_id, entry.input_json), outcome)
        else:
            closed = entry.attempts > 1 and self._retry_window_closed(entry, now)
            scheduling.append(h.task_scheduled(now, seq, entry.name, entry.input_json))
            self._add_work(
                ActivityWork(seq, entry.name, entry.input_json, entry.last_failure if closed else None),
                outcome,
            )

    def _call(
        self,
        function: OrchestratorFunction,
        max_short_timer: timedelta,
        long_timer_interval: timedelta,
        outcome: EpisodeOutcome,
    ) -> dict[str, Any] | None:
        try:
            state_text = function.run(self.context_json(max_short_timer, long_timer_interval))
        except Exception as error:  # the SDK reports orchestrator failures by raising
            message = str(error)
            if OUT_OF_PROC_MARKER in message:
                message, _, state_text = message.partition(OUT_OF_PROC_MARKER)
                self._take_custom_status(json.loads(state_text), outcome)
            self._fail(message, "", outcome)
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
        outcome.status = "Failed"
        text = f"Orchestrator function '{self.name}' failed: {message}"
        if message.startswith(NON_DETERMINISM):
            text = message
        outcome.output_json = json.dumps(text)
        outcome.failure = (text, details)

    def _apply_actions(
        self, result: dict[str, Any], now: datetime, scheduling: list[h.Event], outcome: EpisodeOutcome
    ) -> None:
        actions = flatten(result.get("actions", []))
        done = bool(result.get("isDone"))
        self._check_determinism(actions, done)
        for index, action in enumerate(actions[: len(self.ledger)]):
            entry = self.ledger[index]
            if action.type == ActionType.CREATE_TIMER and action.is_cancelled and entry.seq in self.open_work:
                del self.open_work[entry.seq]
                outcome.cancelled_timers.append(entry.seq)
        for action in actions[len(self.ledger) :]:
            self._schedule_new(action, now, scheduling, outcome)
        if done:
            continue_as_new = [a for a in actions if a.type == ActionType.CONTINUE_AS_NEW]
            if continue_as_new:
                outcome.status = "ContinuedAsNew"
                outcome.continue_input_json = continue_as_new[-1].input_json
                outcome.carried_events = self._unconsumed_events(actions)
            else:
                outcome.status = "Completed"
                outcome.output_json = json.dumps(result.get("output"))

    def _check_determinism(self, actions: list[Action], done: bool) -> None:
        question = (
            "Was a change made to the orchestrator code after this instance had already started running?"
        )
        for index, (action, entry) in enumerate(zip(actions, self.ledger, strict=False)):
            if action.identity != entry.identity:
                raise OrchestrationFailedError(
                    f"{NON_DETERMINISM}A previous execution of this orchestration scheduled "
                    f"{describe(entry.kind)} named '{entry.name}' (action #{index}, sequence number "
                    f"{entry.seq}), but the current replay instead scheduled {describe(action.type)} named "
                    f"'{action.name}'. {question}"
                )
        if not done and len(actions) < len(self.ledger):
            entry = self.ledger[len(actions)]
            raise OrchestrationFailedError(
                f"{NON_DETERMINISM}A previous execution of this orchestration scheduled "
                f"{describe(entry.kind)} named '{entry.name}' (action #{len(actions)}, sequence number "
                f"{entry.seq}), but the "
                f"current replay hasn't scheduled it. {question}"
            )

    def _schedule_new(
        self, action: Action, now: datetime, scheduling: list[h.Event], outcome: EpisodeOutcome
    ) -> None:
        kind = action.type
        if kind in (ActionType.CALL_HTTP, ActionType.CALL_ENTITY, ActionType.SIGNAL_ENTITY):
            raise OrchestrationFailedError(
                f"{describe(kind)} is not supported by devhost's durable engine (durable HTTP and entities)"
            )
        entry = LedgerEntry(
            kind,
            action.name,
            input_json=action.input_json,
            retry=RetryPolicy.from_action(action.raw) if kind in RETRYING else None,
            given_instance_id=action.raw.get("instanceId") or None,
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

    def _unconsumed_events(self, actions: list[Action]) -> list[h.Event]:
        """External events this execution received but never waited for, carried into the next one."""
        waits: dict[str, int] = {}
        for action in actions:
            if action.type == ActionType.WAIT_FOR_EXTERNAL_EVENT:
                waits[action.name] = waits.get(action.name, 0) + 1
        raised = [e for e in self.history if e["EventType"] == h.EventType.EVENT_RAISED]
        carried: list[h.Event] = []
        for name in {e["Name"] for e in raised}:
            matching = [e for e in raised if e["Name"] == name]
            carried.extend(matching[waits.get(name, 0) :])
        return [dict(e, IsPlayed=False) for e in sorted(carried, key=lambda e: str(e["Timestamp"]))]

    def _terminal_events(self, now: datetime, outcome: EpisodeOutcome) -> list[h.Event]:
        if outcome.status == "ContinuedAsNew":
            return [h.continue_as_new(now, outcome.continue_input_json)]
        if outcome.status == "Failed" and outcome.failure is not None:
            return [h.execution_completed(now, "Failed", outcome.output_json)]
        return [h.execution_completed(now, outcome.status, outcome.output_json)]
