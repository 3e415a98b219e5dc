"""Orchestrations of the sample app, run by the real worker and SDK replay handler on a virtual clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from devhost.clock import VirtualClock
from devhost.durable.history import EventType

from .support import load_sample, run, running_engine


def test_activity_chain_returns_results_and_custom_status() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("chain", None, "ada")
            status = await engine.wait_for_completion(instance_id)
            assert status.runtime_status == "Completed"
            assert status.output == ["hello ada", "HELLO ADA", instance_id]
            assert status.custom_status == {"step": "done", "length": 9}
            assert status.input == "ada"
            kinds = [e["EventType"] for e in engine.history(instance_id)]
            assert kinds.count(EventType.TASK_SCHEDULED) == 2
            assert kinds.count(EventType.TASK_COMPLETED) == 2
            assert engine.stats.episodes == 3
            assert [i.name for i in engine.stats.activity_invocations] == ["greet", "shout"]

    run(scenario())


def test_six_hour_timer_completes_on_virtual_clock() -> None:
    sample = load_sample("durable_basics")
    clock = VirtualClock()
    started = clock.now()

    async def scenario() -> None:
        async with running_engine(sample, clock=clock) as engine:
            instance_id = await engine.start_new("sleeper", None, 6)
            status = await engine.wait_for_completion(instance_id)
            assert status.output == 6 * 3600
            assert clock.now() - started == timedelta(hours=6)
            timers = [e for e in engine.history(instance_id) if e["EventType"] == EventType.TIMER_FIRED]
            assert len(timers) == 1

    run(scenario())


def test_long_timer_is_split_by_the_sdk_into_intervals() -> None:
    sample = load_sample("durable_basics")
    clock = VirtualClock()

    async def scenario() -> None:
        async with running_engine(sample, clock=clock) as engine:
            instance_id = await engine.start_new("sleeper", None, 24 * 10)  # ten days
            status = await engine.wait_for_completion(instance_id)
            assert status.output == 10 * 86400
            fired = [e for e in engine.history(instance_id) if e["EventType"] == EventType.TIMER_FIRED]
            # Longer than the 6-day maximum: 3-day intervals until the rest fits in one timer (3 + 3 + 4).
            assert [e["FireAt"][:10] for e in fired] == ["2024-01-04", "2024-01-07", "2024-01-11"]

    run(scenario())


def test_retry_counts_attempts_and_records_retry_timers() -> None:
    sample = load_sample("durable_basics")
    clock = VirtualClock()
    started = clock.now()

    async def scenario() -> None:
        async with running_engine(sample, clock=clock) as engine:
            instance_id = await engine.start_new("retrying", None, {"key": "k1", "failures": 2, "max": 4})
            status = await engine.wait_for_completion(instance_id)
            assert status.output == {"attempts": 3}
            history = engine.history(instance_id)
            kinds = [e["EventType"] for e in history]
            assert kinds.count(EventType.TASK_FAILED) == 2
            assert kinds.count(EventType.TIMER_CREATED) == 2
            assert kinds.count(EventType.TASK_SCHEDULED) == 3
            assert clock.now() - started == timedelta(seconds=60)
            seqs = [e["EventId"] for e in history if e["EventType"] in (EventType.TASK_SCHEDULED,
                                                                        EventType.TIMER_CREATED)]
            assert seqs == [0, 1, 2, 3, 4]

    run(scenario())


def test_retry_exhausted_surfaces_the_activity_error() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("retrying", None, {"key": "k2", "failures": 9, "max": 3})
            status = await engine.wait_for_completion(instance_id)
            attempts = [e for e in engine.history(instance_id)
                        if e["EventType"] == EventType.TASK_SCHEDULED and e["Name"] == "flaky"]
            assert len(attempts) == 3
            failed = status.output["failed"]
            # TaskActivityShim's reason around the host's RpcException message, as the SDK raises it.
            assert failed.startswith(
                "Activity function 'flaky' failed: Result: Failure\n"
                "Exception: ValueError: attempt 3 of k2 failed\nStack: Traceback"
            )
            assert 'raise ValueError(f"attempt {ATTEMPTS[key]} of {key} failed")' in failed
            kinds = [e["EventType"] for e in engine.history(instance_id)]
            assert kinds.count(EventType.TIMER_FIRED) == 3  # one more timer after the last attempt

    run(scenario())


def test_fan_out_fan_in_runs_all_activities() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample, max_concurrent_activities=4) as engine:
            instance_id = await engine.start_new("fan_out", None, 20)
            status = await engine.wait_for_completion(instance_id)
            assert status.output == sum(i * i for i in range(20))
            assert len(engine.stats.activity_invocations) == 20

    run(scenario())


def test_sub_orchestrations_with_explicit_derived_ids_and_retry() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            request = {"name": "bo", "child_id": "child-1", "retry": {"key": "k3", "failures": 1, "max": 3}}
            instance_id = await engine.start_new("parent", "parent-1", request)
            status = await engine.wait_for_completion(instance_id)
            assert status.runtime_status == "Completed"
            assert status.output == {"child": ["hello bo", "HELLO BO", "child-1"], "retried": {"attempts": 2}}
            history = engine.history(instance_id)
            created = [e for e in history if e["EventType"] == EventType.SUB_ORCHESTRATION_INSTANCE_CREATED]
            # Without an explicit id DTFx names the child "<parent execution id>:<sequence number>".
            execution_id = history[1]["OrchestrationInstance"]["ExecutionId"]
            assert [e["InstanceId"] for e in created] == ["child-1", f"{execution_id}:1"]
            child = await engine.get_status(f"{execution_id}:1")
            assert child is not None and child.runtime_status == "Completed"

    run(scenario())


def test_failing_sub_orchestration_reaches_parent_as_exception() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("failing_child_parent", None, None)
            status = await engine.wait_for_completion(instance_id)
            expected = "caught: Orchestrator function 'exploding' failed: orchestration exploded"
            assert status.output.startswith(expected)
            execution_id = engine.history(instance_id)[1]["OrchestrationInstance"]["ExecutionId"]
            child = await engine.get_status(f"{execution_id}:0")
            assert child is not None and child.runtime_status == "Failed"
            assert "orchestration exploded" in child.output

    run(scenario())


def test_continue_as_new_keeps_history_bounded() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("counter", None, {"n": 1, "until": 30})
            status = await engine.wait_for_completion(instance_id)
            assert status.output == {"n": 30, "last_square": 900}
            assert status.input == {"n": 30, "until": 30}
            assert engine.stats.max_history_length[instance_id] <= 12

    run(scenario())


def test_changed_orchestrator_code_fails_as_non_deterministic(tmp_path: Path) -> None:
    sample = load_sample("durable_basics")
    clock = VirtualClock()
    marker = tmp_path / "drift"

    async def scenario() -> None:
        async with running_engine(sample, clock=clock, auto_advance=False) as engine:
            instance_id = await engine.start_new("drifting", None, str(marker))
            await engine.run_until_idle()
            marker.write_text("drift", encoding="utf-8")
            clock.advance(2 * 3600)
            status = await engine.wait_for_completion(instance_id)
            assert status.runtime_status == "Failed"
            # DTFx's wording (TaskOrchestrationContext.HandleTaskScheduledEvent), double space included.
            assert status.output == (
                "Non-Deterministic workflow detected: A previous execution of this orchestration scheduled "
                "an activity task with sequence number 0 named 'greet', but the current orchestration "
                "replay instead scheduled an activity task named 'shout' with this sequence number.  Was a "
                "change made to the orchestrator code after this instance had already started running?"
            )

    run(scenario())


def test_duplicate_start_of_running_instance_is_rejected() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            await engine.start_new("approval", "singleton", None)
            try:
                await engine.start_new("approval", "singleton", None)
            except Exception as error:
                assert "already exists" in str(error)
            else:
                raise AssertionError("a second start of a running instance was accepted")

    run(scenario())


def test_child_sees_its_parent_and_may_not_reuse_the_parent_id() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            parent_id = await engine.start_new("lineage_parent", "family-1", None)
            status = await engine.wait_for_completion(parent_id)
            assert status.output["parent"] == "family-1"
            assert status.output["instance"].endswith(":0") and status.output["instance"] != "family-1:0"

            clash_id = await engine.start_new("lineage_parent", None, "reuse own id")
            clash = await engine.wait_for_completion(clash_id)
            assert clash.runtime_status == "Failed"
            assert clash.output == (
                "Orchestrator function 'lineage_parent' failed: The instance ID of a sub-orchestration "
                "must be different than the instance ID of a parent orchestration."
            )

    run(scenario())


def test_calling_an_unknown_activity_fails_the_orchestration_uncatchably() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            status = await engine.wait_for_completion(await engine.start_new("misnamed_call", None, None))
            # The extension refuses to schedule it; the orchestrator's try/except never sees a task error.
            assert status.runtime_status == "Failed"
            assert status.output == (
                "Orchestrator function 'misnamed_call' failed: The function 'no_such_activity' doesn't "
                "exist, is disabled, or is not an activity function. Additional info: The following are "
                "the known activity functions: 'flaky', 'gated_square', 'greet', 'shout', 'square'."
            )
            assert engine.stats.activity_invocations == []

    run(scenario())


def test_failed_orchestration_records_reason_and_details_like_the_extension() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("exploding", None, None)
            status = await engine.wait_for_completion(instance_id)
            assert status.output == "Orchestrator function 'exploding' failed: orchestration exploded"
            completed = engine.history(instance_id)[-2]
            assert completed["EventType"] == EventType.EXECUTION_COMPLETED
            assert completed["OrchestrationStatus"] == "Failed"
            assert completed["Result"] == status.output
            assert completed["Details"].startswith("Message: orchestration exploded, StackTrace: Traceback")

    run(scenario())
