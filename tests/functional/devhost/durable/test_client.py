"""The real DurableOrchestrationClient against the engine's Durable HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from azure.durable_functions import DurableOrchestrationClient, OrchestrationRuntimeStatus

from .support import eventually, load_sample, run, running_engine, serving


def test_external_event_raised_through_the_client_completes_the_orchestration() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine, serving(engine) as url:
            client = DurableOrchestrationClient(engine.client_binding(url))
            instance_id = await client.start_new("approval", None, {"order": 7})
            await engine.run_until_idle()
            status = await client.get_status(instance_id, show_input=True)
            assert status.runtime_status == OrchestrationRuntimeStatus.Running
            assert status.custom_status == "waiting for approval"
            assert status.input_ == {"order": 7}
            await client.raise_event(instance_id, "Approval", {"by": "grace"})
            final = await engine.wait_for_completion(instance_id)
            assert final.output == {"approved_by": "grace"}
            status = await client.get_status(instance_id)
            assert status.runtime_status == OrchestrationRuntimeStatus.Completed
            assert status.output == {"approved_by": "grace"}

    run(scenario())


def test_event_wins_over_timeout_and_cancelled_timer_does_not_move_the_clock() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample, auto_advance=False) as engine, serving(engine) as url:
            client = DurableOrchestrationClient(engine.client_binding(url))
            instance_id = await client.start_new("approval_or_timeout", None, None)
            await engine.run_until_idle()
            before = engine.clock.now()
            await client.raise_event(instance_id, "Approval", "yes")
            final = await engine.wait_for_completion(instance_id)
            assert final.output == {"approved": "yes"}
            assert engine.clock.now() == before

    run(scenario())


def test_timeout_wins_when_no_event_arrives() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("approval_or_timeout", None, None)
            final = await engine.wait_for_completion(instance_id)
            assert final.output == "timed out"

    run(scenario())


def test_start_with_explicit_id_conflicts_while_running_and_status_queries_work() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine, serving(engine) as url:
            client = DurableOrchestrationClient(engine.client_binding(url))
            assert await client.start_new("approval", "order-1") == "order-1"
            try:
                await client.start_new("approval", "order-1")
            except Exception as error:
                assert "already exists" in str(error)
            else:
                raise AssertionError("duplicate start of a running instance was accepted")
            done = await client.start_new("chain", "order-2", "x")
            await engine.wait_for_completion(done)
            missing = await client.get_status("nope")
            assert missing.runtime_status is None and not missing
            everything = await client.get_status_all()
            assert {s.instance_id for s in everything} == {"order-1", "order-2"}
            running = await client.get_status_by(runtime_status=[OrchestrationRuntimeStatus.Running])
            assert [s.instance_id for s in running] == ["order-1"]
            history = await client.get_status("order-2", show_history=True, show_history_output=True)
            names = [e["EventType"] for e in history.historyEvents]
            assert names[0] == "OrchestratorStarted" and "TaskCompleted" in names
            with_unknown = await client.start_new("chain", "order-2", "again")  # finished ids may be reused
            assert with_unknown == "order-2"
            try:
                await client.start_new("no_such_orchestrator")
            except Exception as error:
                assert "no_such_orchestrator" in str(error)
            else:
                raise AssertionError("an unknown orchestrator was started")

    run(scenario())


def test_terminate_suspend_resume_and_purge() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine, serving(engine) as url:
            client = DurableOrchestrationClient(engine.client_binding(url))
            paused = await client.start_new("approval", "paused")
            await engine.run_until_idle()
            await client.suspend(paused, "maintenance")
            assert (await client.get_status(paused)).runtime_status == OrchestrationRuntimeStatus.Suspended
            await client.raise_event(paused, "Approval", {"by": "eve"})
            await engine.run_until_idle()
            assert (await engine.get_status(paused)).runtime_status == "Suspended"  # type: ignore[union-attr]
            await client.resume(paused, "done")
            assert (await engine.wait_for_completion(paused)).output == {"approved_by": "eve"}

            doomed = await client.start_new("approval", "doomed")
            await engine.run_until_idle()
            await client.terminate(doomed, "no longer needed")
            status = await client.get_status(doomed)
            assert status.runtime_status == OrchestrationRuntimeStatus.Terminated
            assert status.output == "no longer needed"

            assert (await client.purge_instance_history(doomed)).instances_deleted == 1
            assert not await client.get_status(doomed)
            assert (await client.purge_instance_history(doomed)).instances_deleted == 0
            since = datetime.now(UTC) - timedelta(days=3650)
            purged = await client.purge_instance_history_by(created_time_from=since)
            assert purged.instances_deleted == 1
            assert await client.get_status_all() == []

    run(scenario())


def test_check_status_response_urls_answer() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        import aiohttp
        import azure.functions as func

        async with running_engine(sample) as engine, serving(engine) as url:
            client = DurableOrchestrationClient(engine.client_binding(url))
            instance_id = await client.start_new("chain", None, "web")
            await engine.wait_for_completion(instance_id)
            request = func.HttpRequest("POST", f"{url}/api/start", body=b"")
            response = client.create_check_status_response(request, instance_id)
            assert response.status_code == 202
            location = response.headers["Location"]
            async with aiohttp.ClientSession() as session, session.get(location) as status:
                assert status.status == 200
                body = await status.json()
                assert body["runtimeStatus"] == "Completed"
                assert body["output"] == ["hello web", "HELLO WEB", instance_id]

    run(scenario())


def test_wait_helper_sees_background_completion() -> None:
    sample = load_sample("durable_basics")

    async def scenario() -> None:
        async with running_engine(sample) as engine:
            instance_id = await engine.start_new("fan_out", None, 3)

            async def finished() -> bool:
                status = await engine.get_status(instance_id)
                return status is not None and status.runtime_status == "Completed"

            await eventually(finished)

    run(scenario())
