"""A new engine on the same SQLite task hub resumes what the previous one left unfinished."""

from __future__ import annotations

import asyncio
from pathlib import Path

from devhost.clock import VirtualClock
from devhost.durable import DurableEngine
from devhost.durable.history import EventType

from .support import load_sample, register, run, running_engine


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
    calls, gate = tmp_path / "calls.txt", tmp_path / "gate"
    request = {"count": 1, "calls": str(calls), "gate": str(gate)}

    async def first() -> None:
        async with running_engine(sample, store_path=store) as engine:
            await engine.start_new("gated_fan_out", "fan", request)
            while not calls.exists():
                await asyncio.sleep(0.01)
            # stop() now, while the first call waits on the gate: its answer must not be trusted.
        gate.write_text("open", encoding="utf-8")

    async def second() -> None:
        async with running_engine(sample, store_path=store) as engine:
            status = await engine.wait_for_completion("fan")
            assert status.output == 0
            # The abandoned run never reported back, so the new engine ran the activity again.
            assert [(i.name, i.instance_id) for i in engine.stats.activity_invocations] == [
                ("gated_square", "fan")
            ]

    run(first())
    run(second())
    assert calls.read_text(encoding="utf-8").split() == ["0", "0"]


def test_an_engine_abandoned_without_stop_loses_nothing_it_committed(tmp_path: Path) -> None:
    """A crash, not a shutdown: the first engine is never stopped (its loop simply ends, its SQLite
    connection is left open), after one orchestration committed a pending timer and another had an
    external event accepted but not yet played. A new engine on the same file finishes both."""
    store = tmp_path / "hub.sqlite"
    clock = VirtualClock()

    async def crash() -> None:
        engine = DurableEngine(store_path=store, clock=clock, auto_advance=False)
        register(engine, load_sample("durable_basics"))
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
