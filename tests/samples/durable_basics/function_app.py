"""A small Durable Functions app exercising every orchestration feature the devhost engine supports."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

# Attempts per key, so tests can make an activity fail a chosen number of times.
ATTEMPTS: dict[str, int] = {}


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext) -> Any:
    name = context.get_input()
    first = yield context.call_activity("greet", name)
    second = yield context.call_activity("shout", first)
    context.set_custom_status({"step": "done", "length": len(second)})
    return [first, second, context.instance_id]


@app.activity_trigger(input_name="name")
def greet(name: str) -> str:
    return f"hello {name}"


@app.activity_trigger(input_name="text")
async def shout(text: str) -> str:
    await asyncio.sleep(0)
    return text.upper()


@app.activity_trigger(input_name="request")
def flaky(request: dict) -> int:  # type: ignore[type-arg]  # the worker refuses dict[str, Any]
    key = request["key"]
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] <= request["failures"]:
        raise ValueError(f"attempt {ATTEMPTS[key]} of {key} failed")
    return ATTEMPTS[key]


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext) -> Any:
    request = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=30_000, max_number_of_attempts=request["max"]
    )
    try:
        attempts = yield context.call_activity_with_retry("flaky", options, request)
    except Exception as error:
        return {"failed": str(error)}
    return {"attempts": attempts}


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext) -> Any:
    count = context.get_input()
    results = yield context.task_all([context.call_activity("square", i) for i in range(count)])
    return sum(results)


@app.activity_trigger(input_name="value")
def square(value: int) -> int:
    return value * value


@app.orchestration_trigger(context_name="context")
def sleeper(context: df.DurableOrchestrationContext) -> Any:
    hours = context.get_input()
    started = context.current_utc_datetime
    yield context.create_timer(started + timedelta(hours=hours))
    return (context.current_utc_datetime - started).total_seconds()


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext) -> Any:
    request = context.get_input()
    child = yield context.call_sub_orchestrator("chain", request["name"], request.get("child_id"))
    options = df.RetryOptions(first_retry_interval_in_milliseconds=1_000, max_number_of_attempts=3)
    retried = yield context.call_sub_orchestrator_with_retry("retrying", options, request["retry"])
    return {"child": child, "retried": retried}


@app.orchestration_trigger(context_name="context")
def failing_child_parent(context: df.DurableOrchestrationContext) -> Any:
    try:
        yield context.call_sub_orchestrator("exploding")
    except Exception as error:
        return f"caught: {error}"
    return "not caught"


@app.orchestration_trigger(context_name="context")
def exploding(context: df.DurableOrchestrationContext) -> Any:
    yield context.call_activity("greet", "before the blast")
    raise RuntimeError("orchestration exploded")


@app.orchestration_trigger(context_name="context")
def counter(context: df.DurableOrchestrationContext) -> Any:
    state = context.get_input()
    value = yield context.call_activity("square", state["n"])
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=10))
    if state["n"] >= state["until"]:
        return {"n": state["n"], "last_square": value}
    context.continue_as_new({"n": state["n"] + 1, "until": state["until"]})
    return None


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext) -> Any:
    context.set_custom_status("waiting for approval")
    decision = yield context.wait_for_external_event("Approval")
    return {"approved_by": decision["by"]}


@app.orchestration_trigger(context_name="context")
def approval_or_timeout(context: df.DurableOrchestrationContext) -> Any:
    deadline = context.current_utc_datetime + timedelta(hours=1)
    timeout = context.create_timer(deadline)
    event = context.wait_for_external_event("Approval")
    winner = yield context.task_any([event, timeout])
    if winner == event:
        timeout.cancel()
        return {"approved": event.result}
    return "timed out"


@app.orchestration_trigger(context_name="context")
def drifting(context: df.DurableOrchestrationContext) -> Any:
    # Reads a file outside the history (its path is the input): what orchestrators must not do.
    step = "shout" if os.path.exists(context.get_input()) else "greet"
    first = yield context.call_activity(step, "a")
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    return first


@app.orchestration_trigger(context_name="context")
def gated_fan_out(context: df.DurableOrchestrationContext) -> Any:
    request = context.get_input()
    results = yield context.task_all(
        [context.call_activity("gated_square", {**request, "value": i}) for i in range(request["count"])]
    )
    return sum(results)


@app.activity_trigger(input_name="request")
def gated_square(request: dict) -> int:  # type: ignore[type-arg]
    """Records each call in a file; the first call waits (up to 5 s) for the gate file to appear."""
    calls = Path(request["calls"])
    first = not calls.exists()
    with calls.open("a", encoding="utf-8") as log:
        log.write(f"{request['value']}\n")
    if first:
        deadline = time.monotonic() + 5
        while not Path(request["gate"]).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    return int(request["value"]) ** 2


@app.orchestration_trigger(context_name="context")
def lineage(context: df.DurableOrchestrationContext) -> Any:
    return {"instance": context.instance_id, "parent": context.parent_instance_id}
    yield  # an orchestrator is a generator even when it schedules nothing


@app.orchestration_trigger(context_name="context")
def lineage_parent(context: df.DurableOrchestrationContext) -> Any:
    child_id = context.instance_id if context.get_input() == "reuse own id" else None
    child = yield context.call_sub_orchestrator("lineage", None, child_id)
    return child


@app.orchestration_trigger(context_name="context")
def misnamed_call(context: df.DurableOrchestrationContext) -> Any:
    try:
        yield context.call_activity("no_such_activity", 1)
    except Exception as error:
        return f"caught: {error}"
    return "not caught"


@app.orchestration_trigger(context_name="context")
def collector(context: df.DurableOrchestrationContext) -> Any:
    state = context.get_input()
    item = yield context.wait_for_external_event("Item")
    seen = [*state["seen"], item]
    if len(seen) >= state["wanted"]:
        return seen
    context.continue_as_new({"seen": seen, "wanted": state["wanted"]})
    return None


@app.orchestration_trigger(context_name="context")
def early_event(context: df.DurableOrchestrationContext) -> Any:
    deadline = context.current_utc_datetime + timedelta(hours=1)
    if context.get_input() == "second execution":
        event = context.wait_for_external_event("Early")
        winner = yield context.task_any([event, context.create_timer(deadline)])
        return "got the early event" if winner == event else "early event was dropped"
    yield context.create_timer(deadline)
    context.continue_as_new("second execution")
    return None
