"""What an episode asked for: durable timers, activities in the worker, sub-orchestrations; and
picking that work up again when the engine restarts on a task hub that holds some."""

from __future__ import annotations

import asyncio
import heapq
import json
import time
import uuid

from devhost.durable import history as h
from devhost.durable.engine_core import DueTimer, EngineCore, LiveInstance
from devhost.durable.errors import InstanceAlreadyRunningError, UnknownFunctionError
from devhost.durable.functions import ACTIVITY_TRIGGER
from devhost.durable.replay import Execution
from devhost.durable.replay_state import ActivityWork, ChildWork, TimerWork, Work
from devhost.durable.status import TERMINAL, ActivityInvocation
from devhost.durable.store import InstanceRow
from devhost.logs import log_invocation


class WorkEngine(EngineCore):
    def _dispatch(self, live: LiveInstance, work: Work) -> None:
        instance_id, execution_id = live.row.instance_id, live.row.execution_id
        if isinstance(work, TimerWork):
            heapq.heappush(
                self._timers,
                DueTimer(
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

    def _start_child(self, live: LiveInstance, work: ChildWork) -> None:
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

    def _resume(self, row: InstanceRow) -> None:
        parent = None if row.parent is None else json.loads(row.parent)
        execution = Execution(
            row.instance_id, row.name, row.input, None if parent is None else parent["instance_id"]
        )
        execution.history = self.store.history(row.instance_id)
        execution.load_state(row.state)
        inbox = self.store.inbox(row.instance_id)
        live = LiveInstance(row, execution, parent, inbox)
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

    def _reconnect_child(self, live: LiveInstance, work: ChildWork) -> None:
        child = self.store.get(work.instance_id)
        if child is None:
            self._start_child(live, work)
        elif child.status in TERMINAL:
            parent = {
                "instance_id": live.row.instance_id,
                "execution_id": live.row.execution_id,
                "seq": work.seq,
            }
            child_live = LiveInstance(
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
