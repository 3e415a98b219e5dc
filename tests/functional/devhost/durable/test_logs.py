"""Structured invocation logs of orchestrator episodes and activities carry the instance id."""

from __future__ import annotations

import json
import logging

import pytest

from .support import load_sample, run, running_engine


def test_each_episode_and_activity_logs_one_json_record_with_the_instance_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sample = load_sample("durable_basics")
    caplog.set_level(logging.INFO, logger="devhost.invocations")

    async def scenario() -> str:
        async with running_engine(sample) as engine:
            request = {"key": "log", "failures": 1, "max": 2}
            instance_id = await engine.start_new("retrying", "logged-1", request)
            await engine.wait_for_completion(instance_id)
            return instance_id

    instance_id = run(scenario())
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "devhost.invocations"]
    mine = [r for r in records if r.get("instance_id") == instance_id]
    activities = [(r["function"], r["outcome"]) for r in mine if r["trigger"] == "activityTrigger"]
    assert activities == [("flaky", "failed"), ("flaky", "succeeded")]
    failed = next(r for r in mine if r["outcome"] == "failed")
    assert failed["error"].endswith("Exception: ValueError: attempt 1 of log failed")
    episodes = [r for r in mine if r["trigger"] == "orchestrationTrigger"]
    assert {r["function"] for r in episodes} == {"retrying"}
    assert episodes[-1]["runtime_status"] == "Completed"
    assert all(r["duration_ms"] >= 0 and r["invocation_id"] for r in mine)
