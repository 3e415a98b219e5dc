"""A new engine on the same SQLite task hub resumes what the previous one left unfinished."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from devhost.clock import VirtualClock
from devhost.durable import DurableEngine
from devhost.durable.history import EventType

from .support import load_sample, run, running_engine


def test_restart_while_a_timer_is_pending_completes_the_orchestration(tmp_path: Path) -> None:
    sample = load_sample("durable_basics")
    store = tmp_path / "hub.sqlite"
    clock = VirtualClock()

    async def first() -> str:
        async with running_engine(sample, store_path=store, clock=clock, auto_advance=False) as engine:
            instance_id = await engine.start_new("sleeper", "nap", 2)
            await engine.run_until_idle()
            status = await engine.get_status(instance_id)
            assert status is not None and status.runtime_status == "Running"
            return instance_id

    async def second(instance_id: str) -> None:
        async with running_engine(load_sample("durable_basics"), store_path=store, clock=clock) as engine:
            status = await engine.wait_for_completion(instance_id)
            assert status.output == 7200
            kinds = [e["EventType"] for e in engine.history(instance_id)]
            assert kinds.count(EventType.TIMER_CREATED) == 1 and kinds.count(EventType.TIMER_FIRED) == 1

    instance_id = run(first())
    run(second(instance_id))


def test_restart_while_an_activity_is_in_flight_reruns_it(tmp_path: Path) -> None:
    sample = load_sample("durable_basics")
    store = tmp_path / "hub.sqlite"
    gate = threading.Event()
    calls: list[int] = []

    def blocking_square(value: int) -> int:
        calls.append(value)
        if len(calls) == 1:
            gate.wait(5)  # the first run is abandoned by stop(); it must not be trusted
        return value * value

    async def first() -> None:
        async with running_engine(sample, store_path=store) as engine:
            engine.functions.activities["square"] = engine.functions.activities["square"].__class__(
                "square", blocking_square, "value", False)
            await engine.start_new("fan_out", "fan", 1)
            while not calls:
                await asyncio.sleep(0.01)
        gate.set()

    async def second() -> None:
        async with running_engine(load_sample("durable_basics"), store_path=store) as engine:
            status = await engine.wait_for_completion("fan")
            assert status.output == 0
            # The abandoned run never reported back, so the new engine ran the activity again.
            assert [(i.name, i.instance_id) for i in engine.stats.activity_invocations] == [("square", "fan")]

    run(first())
    run(second())
    assert calls == [0]


def test_an_engine_abandoned_without_stop_loses_nothing_it_committed(tmp_path: Path) -> None:
    """A crash, not a shutdown: the first engine is never stopped (its loop simply ends, its SQLite
    connection is left open), after one orchestration committed a pending timer and another had an
    external event accepted but not yet played. A new engine on the same file finishes both."""
    store = tmp_path / "hub.sqlite"
    clock = VirtualClock()

    async def crash() -> None:
        engine = DurableEngine(store_path=store, clock=clock, auto_advance=False)
        engine.register_functions(load_sample("durable_basics").app.get_functions())
        await engine.start()
        await engine.start_new("sleeper", "napping", 1)
        await engine.start_new("approval", "waiting", None)
        await engine.run_until_idle()
        engine.raise_event("waiting", "Approval", '{"by": "crash survivor"}')
        # No stop(), no run_until_idle(): the event is in the inbox, unplayed, when the loop dies.

    async def recover() -> None:
        async with running_engine(load_sample("durable_basics"), store_path=store, clock=clock) as engine:
            approved = await engine.wait_for_completion("waiting")
            assert approved.output == {"approved_by": "crash survivor"}
            napped = await engine.wait_for_completion("napping")
            assert napped.output == 3600

    run(crash())
    run(recover())
