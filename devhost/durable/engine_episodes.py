"""One orchestrator episode: the history so far goes to the worker's replay handler, and what it
decided (new work, continue-as-new, the end) is recorded and dispatched."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from devhost.durable import history as h
from devhost.durable.engine_core import LiveInstance
from devhost.durable.engine_work import WorkEngine
from devhost.durable.errors import UnknownFunctionError
from devhost.durable.functions import ORCHESTRATION_TRIGGER, EpisodeAbortedError
from devhost.durable.replay import Execution
from devhost.durable.replay_state import EpisodeOutcome
from devhost.logs import log_invocation


class EpisodeEngine(WorkEngine):
    def _start_episode(self, live: LiveInstance) -> None:
        live.busy = True
        self._episodes += 1
        task = asyncio.create_task(self._run_episode(live))
        self._episode_tasks.add(task)
        task.add_done_callback(self._episode_tasks.discard)

    async def _run_episode(self, live: LiveInstance) -> None:
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

    async def _episode(self, live: LiveInstance) -> None:
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

    def _apply_outcome(
        self, live: LiveInstance, outcome: EpisodeOutcome, first: int, consumed: list[int]
    ) -> None:
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

    def _continue_as_new(self, live: LiveInstance, outcome: EpisodeOutcome, consumed: list[int]) -> None:
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
