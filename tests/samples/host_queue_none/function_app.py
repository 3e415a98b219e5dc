"""Sample app for devhost's queue tests with messageEncoding "none": an echo function with a queue
output as its return value, and a function that always fails (its messages end up in the poison queue)."""

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


@app.queue_trigger(arg_name="body", queue_name="%ECHO_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%ECHO_OUT_QUEUE%", connection="AzureWebJobsStorage")
def echo(body: str) -> str:
    return body.upper()


@app.queue_trigger(arg_name="msg", queue_name="%FAILING_QUEUE%", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> None:
    record({"dequeue_count": msg.dequeue_count, "id": msg.id,
            "insertion_time": msg.insertion_time.isoformat() if msg.insertion_time else None})
    raise ValueError(f"cannot process {msg.get_body().decode()}")
