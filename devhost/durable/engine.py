"""The durable engine: runs orchestrations through the real SDK replay handler, like the extension.

It owns scheduling (one episode at a time per instance, up to maxConcurrentOrchestratorFunctions
instances at once), activities (up to maxConcurrentActivityFunctions), durable timers on the given
clock, and the task hub in SQLite. Every orchestrator episode and activity runs in the language
worker, reached through the invoker it is given. With a virtual clock
and ``auto_advance`` it moves time to the next timer whenever nothing else can run, which is how
hours of simulated waiting pass in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp.web

from devhost.clock import Clock
from devhost.durable import history as h
from devhost.durable.binding import client_binding
from devhost.durable.errors import (
    EngineNotStartedError,
    InstanceAlreadyRunningError,
    InstanceNotFoundError,
    InstanceNotRunningError,
    UnknownFunctionError,
)
from devhost.durable.functions import (
    ACTIVITY_TRIGGER,
    ORCHESTRATION_TRIGGER,
    DurableFunction,
    DurableInvoker,
    EpisodeAbortedError,
    FunctionRegistry,
)
from devhost.durable.replay import ActivityWork, ChildWork, EpisodeOutcome, Execution, TimerWork, Work
from devhost.durable.status import LIVE, TERMINAL, ActivityInvocation, EngineStats, InstanceStatus
from devhost.durable.store import InboxItem, InstanceRow, TaskHubStore
from devhost.logs import INVOCATION_LOGGER, log_invocation


@dataclass
class _Live:
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
class _Timer:
    due: datetime
    order: int
    instance_id: str = field(compare=False)
    execution_id: str = field(compare=False)
    seq: int = field(compare=False)
    fire_at: str = field(compare=False)


class DurableEngine:
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
        self._live: dict[str, _Live] = {}
        self._ready: deque[str] = deque()
        self._timers: list[_Timer] = []
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

    # -- lifecycle ----------------------------------------------------------------------------------
    def register_functions(self, functions: Iterable[DurableFunction], invoker: DurableInvoker) -> None:
        """The app's orchestrators and activities, and the invoker that runs them in the worker."""
        self.functions.register(functions)
        self._invoker = invoker

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        if self._invoker is None:
            raise EngineNotStartedError("no functions registered: call register_functions() before start()")
        self._slots = asyncio.Semaphore(self.max_concurrent_activities)
        self._store = TaskHubStore(self.store_path)
        self._stopping = False
        subscribe = getattr(self.clock, "subscribe", None)
        if callable(subscribe):
            subscribe(self._on_clock_moved)
        for row in self._store.query(statuses=sorted(LIVE)):
            self._resume(row)
        self._scheduler = asyncio.create_task(self._run_scheduler(), name="durable-scheduler")

    async def stop(self) -> None:
        """Stop after the episode in progress; activities still running are re-run by the next start."""
        if self._scheduler is None:
            return
        self._stopping = True
        self._scheduler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._scheduler
        if self._episode_tasks:
            await asyncio.gather(*self._episode_tasks, return_exceptions=True)
        for task in list(self._activity_tasks):
            task.cancel()
        await asyncio.gather(*self._activity_tasks, return_exceptions=True)
        unsubscribe = getattr(self.clock, "unsubscribe", None)
        if callable(unsubscribe):
            unsubscribe(self._on_clock_moved)
        if self._store is not None:
            self._store.close()
        for futures in self._waiters.values():
            for future in futures:
                if not future.done():
                    future.set_exception(EngineNotStartedError("the durable engine stopped"))
        self._waiters.clear()
        self._scheduler = None
        self._store = None
        self._live.clear()
        self._ready.clear()
        self._timers.clear()

    def client_binding(self, base_url: str) -> str:
        return client_binding(base_url, self.task_hub)

    def add_routes(self, app: aiohttp.web.Application) -> None:
        from devhost.durable.http_api import DurableHttpApi

        DurableHttpApi(self).add_routes(app)

    @property
    def inflight_activities(self) -> int:
        """Activities running right now; lets tests prove that time never moves while one runs."""
        return self._inflight

    @property
    def store(self) -> TaskHubStore:
        if self._store is None:
            raise EngineNotStartedError(
                "the durable engine is not started; call `await engine.start()` first"
            )
        return self._store

    # -- programmatic API ---------------------------------------------------------------------------
    async def start_new(self, name: str, instance_id: str | None, input: Any) -> str:
        return self.create_instance(name, instance_id, None if input is None else json.dumps(input))

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
        self._live[instance_id] = _Live(row, execution, parent)
        self._enqueue(instance_id)
        return instance_id

    async def get_status(self, instance_id: str) -> InstanceStatus | None:
        row = self.store.get(instance_id)
        return None if row is None else InstanceStatus.from_row(row)

    async def wait_for_completion(self, instance_id: str, timeout: float = 30.0) -> InstanceStatus:
        row = self.store.get(instance_id)
        if row is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' found.")
        if row.status not in TERMINAL:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.setdefault(instance_id, []).append(future)
            try:
                await asyncio.wait_for(future, timeout)
            except TimeoutError:
                status = self.store.get(instance_id)
                raise TimeoutError(
                    f"instance '{instance_id}' is still {status.status if status else 'gone'} "
                    f"after {timeout} s"
                ) from None
            row = self.store.get(instance_id)
            if row is None:
                raise InstanceNotFoundError(f"Instance '{instance_id}' was purged while waiting.")
        return InstanceStatus.from_row(row)

    async def run_until_idle(self, timeout: float = 30.0) -> None:
        """Wait until nothing can run: no episode queued, no activity in flight, no timer that is due
        (or, with a virtual clock and auto_advance, no timer at all)."""
        if self._idle is None or self._wake is None:
            raise EngineNotStartedError(
                "the durable engine is not started; call `await engine.start()` first"
            )
        self._idle.clear()
        self._wake.set()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"durable engine still busy after {timeout} s: {len(self._ready)} instances "
                f"queued, {self._inflight} activities running, {len(self._timers)} timers"
            ) from None

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        live = self._live.get(instance_id)
        if live is not None:
            return [dict(e) for e in live.execution.history]
        return self.store.history(instance_id)

    # -- management operations (shared by the HTTP API) -----------------------------------------------
    def raise_event_allowed(self, instance_id: str) -> None:
        """Raise InstanceNotFoundError (404) or InstanceNotRunningError (410) as the extension checks."""
        row = self._existing(instance_id)
        if instance_id not in self._live or row.status in TERMINAL:
            raise InstanceNotRunningError(
                f"Instance with ID {instance_id} is gone: either completed or failed"
            )

    def raise_event(self, instance_id: str, name: str, input_json: str | None) -> None:
        self.raise_event_allowed(instance_id)
        self._deliver(instance_id, None, h.event_raised(self.clock.now(), name, input_json))

    def terminate(self, instance_id: str, reason: str) -> bool:
        """Terminate a live instance; False when it had already finished."""
        self._existing(instance_id)
        live = self._live.get(instance_id)
        if live is None:
            return False
        if live.busy:
            live.after_episode.append(lambda: self._terminate_now(instance_id, reason))
            return True
        return self._terminate_now(instance_id, reason)

    def _terminate_now(self, instance_id: str, reason: str) -> bool:
        live = self._live.get(instance_id)
        if live is None:
            return False
        now = self.clock.now()
        self._append_outside_episode(live, h.execution_terminated(now, reason))
        self._finish(
            live,
            "Terminated",
            json.dumps(reason),
            (f"Orchestration '{instance_id}' was terminated: {reason}", ""),
        )
        return True

    def suspend(self, instance_id: str, reason: str) -> bool:
        self._existing(instance_id)
        live = self._live.get(instance_id)
        if live is None:
            return False
        if live.busy:
            live.after_episode.append(lambda: self._suspend_now(live, reason))
        else:
            self._suspend_now(live, reason)
        return True

    def _suspend_now(self, live: _Live, reason: str) -> None:
        if self._live.get(live.row.instance_id) is live and live.row.status != "Suspended":
            live.row.status = "Suspended"
            self._append_outside_episode(live, h.execution_suspended(self.clock.now(), reason))

    def resume(self, instance_id: str, reason: str) -> bool:
        self._existing(instance_id)
        live = self._live.get(instance_id)
        if live is None:
            return False
        if live.busy:
            live.after_episode.append(lambda: self._resume_now(live, reason))
        else:
            self._resume_now(live, reason)
        return True

    def _resume_now(self, live: _Live, reason: str) -> None:
        instance_id = live.row.instance_id
        if self._live.get(instance_id) is live and live.row.status == "Suspended":
            live.row.status = "Running" if live.execution.history else "Pending"
            self._append_outside_episode(live, h.execution_resumed(self.clock.now(), reason))
            self._enqueue(instance_id)

    def purge(self, instance_ids: Sequence[str]) -> int:
        """Delete finished instances with their history; live ones are left alone."""
        finished = [
            i for i in instance_ids if (row := self.store.get(i)) is not None and row.status in TERMINAL
        ]
        return self.store.delete(finished)

    def _existing(self, instance_id: str) -> InstanceRow:
        row = self.store.get(instance_id)
        if row is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' found.")
        return row

    def _append_outside_episode(self, live: _Live, event: h.Event) -> None:
        event["IsPlayed"] = True
        first = len(live.execution.history)
        live.execution.history.append(event)
        live.row.updated = h.format_time(self.clock.now())
        live.row.history_length = len(live.execution.history)
        self.store.save_episode(live.row, [event], first, ())

    # -- scheduling ----------------------------------------------------------------------------------
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

    def _on_clock_moved(self, _now: datetime) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._notify)

    async def _run_scheduler(self) -> None:
        assert self._wake is not None and self._idle is not None
        while True:
            self._wake.clear()
            while self._ready and self._episodes < self.max_concurrent_orchestrations:
                instance_id = self._ready.popleft()
                live = self._live.get(instance_id)
                if live is None:
                    continue
                live.queued = False
                if live.runnable and not live.busy:
                    self._start_episode(live)
                await asyncio.sleep(0)
            if self._fire_due_timers():
                continue
            next_timer = self._next_timer()
            busy = self._inflight > 0 or self._episodes > 0
            if next_timer is not None and not busy and self.clock.virtual and self.auto_advance:
                self.clock.advance_to(next_timer.due)
                self._fire_due_timers()
                continue
            if not busy and not self._ready:
                self._idle.set()
            timeout: float | None = None
            if next_timer is not None:
                timeout = 0.05 if self.clock.virtual else min(1.0, self.clock.seconds_until(next_timer.due))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def _next_timer(self) -> _Timer | None:
        while self._timers:
            timer = self._timers[0]
            if self._timer_is_live(timer):
                return timer
            heapq.heappop(self._timers)
        return None

    def _timer_is_live(self, timer: _Timer) -> bool:
        live = self._live.get(timer.instance_id)
        return (
            live is not None
            and live.row.execution_id == timer.execution_id
            and isinstance(live.execution.open_work.get(timer.seq), TimerWork)
        )

    def _fire_due_timers(self) -> bool:
        fired = False
        now = self.clock.now()
        while (timer := self._next_timer()) is not None and timer.due <= now:
            heapq.heappop(self._timers)
            self._deliver(timer.instance_id, timer.execution_id, h.timer_fired(now, timer.seq, timer.fire_at))
            fired = True
        return fired

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

    # -- episodes ------------------------------------------------------------------------------------
    def _start_episode(self, live: _Live) -> None:
        live.busy = True
        self._episodes += 1
        task = asyncio.create_task(self._run_episode(live))
        self._episode_tasks.add(task)
        task.add_done_callback(self._episode_tasks.discard)

    async def _run_episode(self, live: _Live) -> None:
        try:
            await self._episode(live)
        except Exception:
            self.log.exception("episode of %s failed inside the engine", live.row.instance_id)
        finally:
            live.busy = False
            self._episodes -= 1
            pending, live.after_episode = live.after_episode, []
            for operation in pending:
                operation()
            self._enqueue(live.row.instance_id)
            self._notify()

    async def _episode(self, live: _Live) -> None:
        assert self._invoker is not None
        items, live.inbox = live.inbox, []
        execution = live.execution
        events = [dict(i.event) for i in items]
        first = len(execution.history)
        name = live.row.name
        started = time.perf_counter()
        try:
            function = self.functions.orchestrator(name)
        except UnknownFunctionError as error:
            self._finish(
                live, "Failed", json.dumps(str(error)), (str(error), ""), consumed=[i.id for i in items]
            )
            return
        invoker = self._invoker
        worker_seconds = 0.0

        async def call(context_json: str) -> str:
            nonlocal worker_seconds
            called = time.perf_counter()
            try:
                return await invoker.run_orchestrator(function, context_json)
            finally:
                worker_seconds += time.perf_counter() - called

        snapshot = (list(execution.history), execution.state_json())
        try:
            outcome = await execution.run_episode(
                call,
                events,
                self.clock.now(),
                execution_id=live.row.execution_id,
                max_short_timer=self.max_short_timer,
                long_timer_interval=self.long_timer_interval,
                functions=self.functions,
            )
        except EpisodeAbortedError as error:
            # The extension aborts the work item and runs the episode again: nothing is recorded.
            execution.history = snapshot[0]
            execution.load_state(snapshot[1])
            live.inbox = items + live.inbox
            self.log.warning("episode of %s aborted and queued again: %s", live.row.instance_id, error)
            return
        if self._live.get(live.row.instance_id) is not live:
            return  # finished meanwhile (terminated): the episode's outcome is dropped
        self.stats.episodes += 1
        self.stats.orchestrator_seconds[live.row.instance_id] = (
            self.stats.orchestrator_seconds.get(live.row.instance_id, 0.0) + worker_seconds
        )
        length = len(execution.history)
        if length > self.stats.max_history_length.get(live.row.instance_id, 0):
            self.stats.max_history_length[live.row.instance_id] = length
        self._apply_outcome(live, outcome, first, [i.id for i in items])
        log_invocation(
            function=name,
            trigger=ORCHESTRATION_TRIGGER,
            invocation_id=uuid.uuid4().hex,
            duration_ms=(time.perf_counter() - started) * 1000,
            outcome="failed" if outcome.status == "Failed" else "succeeded",
            error=outcome.failure[0] if outcome.failure else None,
            logger=self.log,
            instance_id=live.row.instance_id,
            runtime_status=outcome.status,
            new_events=len(events),
        )

    def _apply_outcome(self, live: _Live, outcome: EpisodeOutcome, first: int, consumed: list[int]) -> None:
        row = live.row
        row.updated = h.format_time(self.clock.now())
        if outcome.custom_status_changed:
            row.custom_status = outcome.custom_status_json
        if outcome.status == "Running":
            row.status = "Running"
            row.history_length = len(live.execution.history)
            row.state = live.execution.state_json()
            self.store.save_episode(row, outcome.new_events, first, consumed)
            for work in outcome.dispatch:
                self._dispatch(live, work)
        elif outcome.status == "ContinuedAsNew":
            self._continue_as_new(live, outcome, consumed)
        else:
            self._finish(
                live,
                outcome.status,
                outcome.output_json,
                outcome.failure,
                outcome.new_events,
                first,
                consumed,
            )

    def _continue_as_new(self, live: _Live, outcome: EpisodeOutcome, consumed: list[int]) -> None:
        old = live.execution
        row = live.row
        row.execution_id = uuid.uuid4().hex
        row.status = "Running"
        row.input = outcome.continue_input_json
        live.execution = Execution(
            old.instance_id, old.name, outcome.continue_input_json, old.parent_instance_id
        )
        row.state = live.execution.state_json()
        row.history_length = 0
        self.store.save_episode(row, [], 0, consumed, reset_history=True)
        for event in outcome.carried_events:
            self._deliver(row.instance_id, row.execution_id, event)
        self._enqueue(row.instance_id)

    def _finish(
        self,
        live: _Live,
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
        self, live: _Live, status: str, output_json: str | None, failure: tuple[str, str] | None
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

    # -- work ---------------------------------------------------------------------------------------
    def _dispatch(self, live: _Live, work: Work) -> None:
        instance_id, execution_id = live.row.instance_id, live.row.execution_id
        if isinstance(work, TimerWork):
            heapq.heappush(
                self._timers,
                _Timer(
                    h.parse_time(work.fire_at),
                    next(self._timer_order),
                    instance_id,
                    execution_id,
                    work.seq,
                    work.fire_at,
                ),
            )
        elif isinstance(work, ActivityWork):
            self._inflight += 1
            task = asyncio.create_task(self._run_activity(instance_id, execution_id, work))
            self._activity_tasks.add(task)
            task.add_done_callback(self._activity_tasks.discard)
        else:
            self._start_child(live, work)

    def _start_child(self, live: _Live, work: ChildWork) -> None:
        parent = {"instance_id": live.row.instance_id, "execution_id": live.row.execution_id, "seq": work.seq}
        try:
            self.create_instance(work.name, work.instance_id, work.input_json, parent)
        except (UnknownFunctionError, InstanceAlreadyRunningError) as error:
            self._deliver(
                live.row.instance_id,
                live.row.execution_id,
                h.sub_orchestration_failed(self.clock.now(), work.seq, str(error), ""),
            )

    async def _run_activity(self, instance_id: str, execution_id: str, work: ActivityWork) -> None:
        assert self._slots is not None
        delivered = False
        try:
            async with self._slots:
                started = time.perf_counter()
                event = await self._invoke_activity(work)
                wall = time.perf_counter() - started
                succeeded = event["EventType"] == h.EventType.TASK_COMPLETED
                self.stats.activity_invocations.append(
                    ActivityInvocation(work.name, instance_id, wall, succeeded)
                )
                log_invocation(
                    function=work.name,
                    trigger=ACTIVITY_TRIGGER,
                    invocation_id=uuid.uuid4().hex,
                    duration_ms=wall * 1000,
                    outcome="succeeded" if succeeded else "failed",
                    error=None if succeeded else str(event.get("Reason", "")).split("\nStack:", 1)[0],
                    logger=self.log,
                    instance_id=instance_id,
                )
                if not self._stopping:
                    self._inflight -= 1
                    delivered = True
                    self._deliver(instance_id, execution_id, event)
        finally:
            if not delivered:
                self._inflight -= 1
                self._notify()

    async def _invoke_activity(self, work: ActivityWork) -> h.Event:
        if work.fail_with is not None:
            return h.task_failed(self.clock.now(), work.seq, *work.fail_with)
        assert self._invoker is not None
        try:
            activity = self.functions.activity(work.name)
        except UnknownFunctionError as error:
            return h.task_failed(self.clock.now(), work.seq, str(error), "")
        result = await self._invoker.run_activity(activity, work.input_json)
        if result.failure is not None:
            return h.task_failed(self.clock.now(), work.seq, *result.failure)
        return h.task_completed(self.clock.now(), work.seq, result.result_json)

    # -- restart ---------------------------------------------------------------------------------------
    def _resume(self, row: InstanceRow) -> None:
        parent = None if row.parent is None else json.loads(row.parent)
        execution = Execution(
            row.instance_id, row.name, row.input, None if parent is None else parent["instance_id"]
        )
        execution.history = self.store.history(row.instance_id)
        execution.load_state(row.state)
        inbox = self.store.inbox(row.instance_id)
        live = _Live(row, execution, parent, inbox)
        self._live[row.instance_id] = live
        answered = {e.event.get("TaskScheduledId", e.event.get("TimerId")) for e in inbox}
        for work in list(execution.open_work.values()):
            if work.seq in answered:
                continue
            if isinstance(work, ChildWork):
                self._reconnect_child(live, work)
            else:
                self._dispatch(live, work)
        self._enqueue(row.instance_id)

    def _reconnect_child(self, live: _Live, work: ChildWork) -> None:
        child = self.store.get(work.instance_id)
        if child is None:
            self._start_child(live, work)
        elif child.status in TERMINAL:
            parent = {
                "instance_id": live.row.instance_id,
                "execution_id": live.row.execution_id,
                "seq": work.seq,
            }
            child_live = _Live(
                child, Execution(child.instance_id, child.name, child.input, live.row.instance_id), parent
            )
            self._notify_parent(child_live, child.status, child.output, self._recorded_failure(child))

    def _recorded_failure(self, row: InstanceRow) -> tuple[str, str]:
        """The reason and details a finished instance recorded, so a parent told again after a
        restart sees the same failure it would have seen without one."""
        history = self.store.history(row.instance_id)
        ending = next(
            (e for e in reversed(history) if e["EventType"] == h.EventType.EXECUTION_COMPLETED), None
        )
        if ending is not None and ending.get("Details") is not None:
            return str(ending.get("Result") or ""), str(ending["Details"])
        return f"Orchestration '{row.instance_id}' ended as {row.status}", ""
