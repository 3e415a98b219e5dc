"""The durable engine's state and the few operations every part of it needs.

The engine is split by concern: this core (instances, inboxes, the task hub, finishing an instance),
`engine_work` (timers, activities and sub-orchestrations an episode asked for, and resuming after a
restart), `engine_episodes` (running an orchestrator episode in the worker and applying what it
decided) and `engine` (the public face: lifecycle, the programmatic API, management operations and
the scheduler loop). Each layer builds on the one before, so a method is found in one place.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from devhost.clock import Clock
from devhost.durable import history as h
from devhost.durable.errors import EngineNotStartedError, InstanceAlreadyRunningError, InstanceNotFoundError
from devhost.durable.functions import DurableInvoker, FunctionRegistry
from devhost.durable.replay import Execution
from devhost.durable.status import TERMINAL, EngineStats
from devhost.durable.store import InboxItem, InstanceRow, TaskHubStore
from devhost.logs import INVOCATION_LOGGER


@dataclass
class LiveInstance:
    """An instance that can still change: its row, replay state and unplayed events."""

    row: InstanceRow
    execution: Execution
    parent: dict[str, Any] | None
    inbox: list[InboxItem] = field(default_factory=list)
    queued: bool = False
    busy: bool = False  # an episode is running in the worker
    after_episode: list[Callable[[], object]] = field(default_factory=list)

    @property
    def runnable(self) -> bool:
        return self.row.status in ("Pending", "Running") and (bool(self.inbox) or not self.execution.history)


@dataclass(order=True)
class DueTimer:
    due: datetime
    order: int
    instance_id: str = field(compare=False)
    execution_id: str = field(compare=False)
    seq: int = field(compare=False)
    fire_at: str = field(compare=False)


class EngineCore:
    def __init__(
        self,
        *,
        store_path: str | Path | None,
        clock: Clock,
        task_hub: str = "TestHubName",
        max_concurrent_activities: int = 8,
        max_concurrent_orchestrations: int = 8,
        auto_advance: bool = True,
        max_short_timer: timedelta = timedelta(days=6),
        long_timer_interval: timedelta = timedelta(days=3),
        logger: logging.Logger | None = None,
    ) -> None:
        if max_concurrent_activities < 1:
            raise ValueError(
                f"max_concurrent_activities: must be at least 1, got {max_concurrent_activities}"
            )
        if max_concurrent_orchestrations < 1:
            raise ValueError(
                f"max_concurrent_orchestrations: must be at least 1, got {max_concurrent_orchestrations}"
            )
        if long_timer_interval > max_short_timer:
            raise ValueError("long_timer_interval: must not exceed max_short_timer")
        self.store_path = store_path
        self.clock = clock
        self.task_hub = task_hub
        self.max_concurrent_activities = max_concurrent_activities
        self.max_concurrent_orchestrations = max_concurrent_orchestrations
        self.auto_advance = auto_advance
        self.max_short_timer = max_short_timer
        self.long_timer_interval = long_timer_interval
        self.log = logger or INVOCATION_LOGGER
        self.stats = EngineStats()
        self.functions = FunctionRegistry()
        self._invoker: DurableInvoker | None = None
        self._episodes = 0  # episodes running in the worker
        self._episode_tasks: set[asyncio.Task[None]] = set()
        self._store: TaskHubStore | None = None
        self._live: dict[str, LiveInstance] = {}
        self._ready: deque[str] = deque()
        self._timers: list[DueTimer] = []
        self._timer_order = itertools.count()
        self._inflight = 0
        self._activity_tasks: set[asyncio.Task[None]] = set()
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._stopping = False

    @property
    def store(self) -> TaskHubStore:
        if self._store is None:
            raise EngineNotStartedError(
                "the durable engine is not started; call `await engine.start()` first"
            )
        return self._store

    def _enqueue(self, instance_id: str) -> None:
        live = self._live.get(instance_id)
        if live is None or live.queued or live.busy or not live.runnable:
            return
        live.queued = True
        self._ready.append(instance_id)
        self._notify()

    def _notify(self) -> None:
        if self._idle is not None:
            self._idle.clear()
        if self._wake is not None:
            self._wake.set()

    def _deliver(self, instance_id: str, execution_id: str | None, event: h.Event) -> None:
        """Put an event in an instance's inbox (durably) and wake it; events for finished or
        replaced executions are dropped, as the task hub drops messages for them."""
        live = self._live.get(instance_id)
        if live is None or self._store is None:
            return
        if execution_id is not None and execution_id != live.row.execution_id:
            return
        item_id = self._store.add_inbox(instance_id, execution_id, event)
        live.inbox.append(InboxItem(item_id, execution_id, event))
        self._enqueue(instance_id)

    def _finish(
        self,
        live: LiveInstance,
        status: str,
        output_json: str | None,
        failure: tuple[str, str] | None,
        new_events: Sequence[h.Event] = (),
        first: int = 0,
        consumed: Sequence[int] = (),
    ) -> None:
        row = live.row
        row.status = status
        row.output = output_json
        row.updated = h.format_time(self.clock.now())
        row.history_length = len(live.execution.history)
        live.execution.open_work.clear()
        row.state = live.execution.state_json()
        self.store.save_episode(row, list(new_events), first, consumed)
        del self._live[row.instance_id]
        self._notify_parent(live, status, output_json, failure)
        for future in self._waiters.pop(row.instance_id, []):
            if not future.done():
                future.set_result(None)
        self._notify()

    def _notify_parent(
        self, live: LiveInstance, status: str, output_json: str | None, failure: tuple[str, str] | None
    ) -> None:
        parent = live.parent
        if parent is None:
            return
        now = self.clock.now()
        seq = int(parent["seq"])
        if status == "Completed":
            event = h.sub_orchestration_completed(now, seq, output_json)
        else:
            reason, details = failure or (f"Orchestration '{live.row.instance_id}' ended as {status}", "")
            event = h.sub_orchestration_failed(now, seq, reason, details)
        self._deliver(parent["instance_id"], parent["execution_id"], event)

    def _append_outside_episode(self, live: LiveInstance, event: h.Event) -> None:
        event["IsPlayed"] = True
        first = len(live.execution.history)
        live.execution.history.append(event)
        live.row.updated = h.format_time(self.clock.now())
        live.row.history_length = len(live.execution.history)
        self.store.save_episode(live.row, [event], first, ())

    def _existing(self, instance_id: str) -> InstanceRow:
        row = self.store.get(instance_id)
        if row is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' found.")
        return row

    def create_instance(
        self, name: str, instance_id: str | None, input_json: str | None, parent: dict[str, Any] | None = None
    ) -> str:
        """Create (or replace a finished) instance; the JSON input is kept verbatim."""
        self.functions.orchestrator(name)
        if instance_id is not None and not instance_id.strip():
            raise ValueError("instance_id: must not be empty or whitespace")
        instance_id = instance_id or uuid.uuid4().hex
        existing = self.store.get(instance_id)
        if existing is not None and existing.status not in TERMINAL:
            raise InstanceAlreadyRunningError(
                f"An Orchestration instance with the status {existing.status} already exists."
            )
        now = h.format_time(self.clock.now())
        execution = Execution(
            instance_id, name, input_json, None if parent is None else parent["instance_id"]
        )
        row = InstanceRow(
            instance_id,
            name,
            uuid.uuid4().hex,
            "Pending",
            input_json,
            None,
            None,
            now,
            now,
            None if parent is None else json.dumps(parent),
            execution.state_json(),
            0,
        )
        self.store.replace_instance(row)
        self._live[instance_id] = LiveInstance(row, execution, parent)
        self._enqueue(instance_id)
        return instance_id
