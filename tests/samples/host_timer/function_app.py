"""Sample app for devhost's timer tests: a nightly schedule from a setting, plus a startup timer."""

import json
import os

import azure.functions as func

app = func.FunctionApp()


def record(entry: dict) -> None:  # type: ignore[type-arg]
    """Append one observation to the file the test named (SAMPLE_RECORD_FILE): the function runs in
    the worker process, so the test reads what it saw from there."""
    path = os.environ.get("SAMPLE_RECORD_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry, default=str) + "\n")


@app.timer_trigger(schedule="%NIGHTLY_SCHEDULE%", arg_name="timer")
def nightly(timer: func.TimerRequest) -> None:
    record({"function": "nightly", "past_due": timer.past_due, "status": dict(timer.schedule_status)})


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
async def on_startup(timer: func.TimerRequest) -> None:
    record({"function": "on_startup", "past_due": timer.past_due})
