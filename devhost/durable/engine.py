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
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from devhost.durable import history as h
from devhost.durable.binding import client_binding
from devhost.durable.engine_core import DueTimer, LiveInstance
from devhost.durable.engine_episodes import EpisodeEngine
from devhost.durable.errors import EngineNotStartedError, InstanceNotFoundError, InstanceNotRunningError
from devhost.durable.functions import DurableFunction, DurableInvoker
from devhost.durable.replay_state import TimerWork
from devhost.durable.status import LIVE, TERMINAL, InstanceStatus
from devhost.durable.store import TaskHubStore


class DurableEngine(EpisodeEngine):
    """The Durable extension's job, done locally: see the module docstring and engine_core's."""

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

    @property
    def inflight_activities(self) -> int:
        """Activities running right now; lets tests prove that time never moves while one runs."""
        return self._inflight

    async def start_new(self, name: str, instance_id: str | None, input: Any) -> str:
        return self.create_instance(name, instance_id, None if input is None else json.dumps(input))

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

    def _suspend_now(self, live: LiveInstance, reason: str) -> None:
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

    def _resume_now(self, live: LiveInstance, reason: str) -> None:
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

    def _next_timer(self) -> DueTimer | None:
        while self._timers:
            timer = self._timers[0]
            if self._timer_is_live(timer):
                return timer
            heapq.heappop(self._timers)
        return None

    def _timer_is_live(self, timer: DueTimer) -> bool:
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
