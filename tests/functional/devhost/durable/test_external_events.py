"""External events across continue_as_new, as DTFx and the extension treat them for Python apps."""

from __future__ import annotations

from devhost.clock import VirtualClock

from .support import load_sample, run, running_engine


def test_events_arriving_after_the_decision_to_continue_reach_the_next_execution() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("collector", None, {"seen": [], "wanted": 3})
            await engine.run_until_idle()
            # Three events in one batch: the first ends the wait and the execution continues as new;
            # DTFx carries the two it processes after that decision into the next execution.
            for item in ("a", "b", "c"):
                engine.raise_event(instance_id, "Item", f'"{item}"')
            status = await engine.wait_for_completion(instance_id)
            assert status.runtime_status == "Completed"
            assert status.output == ["a", "b", "c"]

    run(scenario())


def test_an_unawaited_event_from_an_earlier_episode_is_dropped_by_continue_as_new() -> None:
    sample = load_sample("durable_basics")
    clock = VirtualClock()

    async def scenario() -> None:
        async with running_engine(sample, clock=clock, auto_advance=False) as engine:
            instance_id = await engine.start_new("early_event", None, "first execution")
            await engine.run_until_idle()
            engine.raise_event(instance_id, "Early", '"too soon"')
            await engine.run_until_idle()  # played, buffered, never awaited
            clock.advance(3600)  # the first execution continues as new
            await engine.run_until_idle()
            clock.advance(3600)  # the second execution's deadline
            status = await engine.wait_for_completion(instance_id)
            # The Python SDK never asks to preserve unprocessed events, so the extension drops it.
            assert status.output == "early event was dropped"

    run(scenario())
