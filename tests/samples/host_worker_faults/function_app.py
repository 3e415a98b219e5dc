"""Sample app for devhost's worker tests: functions that crash or hang the worker process, log,
and report the worker's pid, so the host's handling of its language worker can be observed."""

import json
import logging
import os
import time
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
LOG = logging.getLogger("sample.faults")


def record(entry: dict) -> None:  # type: ignore[type-arg]
    with open(os.environ["SAMPLE_RECORD_FILE"], "a", encoding="utf-8") as sink:
        sink.write(json.dumps(entry) + "\n")


@app.queue_trigger(arg_name="msg", queue_name="%CRASH_QUEUE%", connection="AzureWebJobsStorage")
def crash_on_first_delivery(msg: func.QueueMessage) -> None:
    record({"function": "crash", "dequeue_count": msg.dequeue_count, "pid": os.getpid()})
    if msg.dequeue_count == 1:
        os._exit(3)  # the whole worker process dies mid-invocation


@app.route(route="hang", methods=["GET"])
def hang(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(60)
    return func.HttpResponse("woke up")


@app.route(route="pid", methods=["GET"])
def pid(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(float(req.params.get("hold", "0")))
    return func.HttpResponse(str(os.getpid()))


@app.route(route="log", methods=["GET"])
def log(req: func.HttpRequest) -> func.HttpResponse:
    LOG.info("information from the app")
    LOG.debug("debug detail from the app")
    return func.HttpResponse("logged")


@app.orchestration_trigger(context_name="context")
def survive_a_crash(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
    options = df.RetryOptions(first_retry_interval_in_milliseconds=1_000, max_number_of_attempts=2)
    result = yield context.call_activity_with_retry("crash_once", options, context.get_input())
    return result


@app.activity_trigger(input_name="marker")
def crash_once(marker: str) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text("crashed", encoding="utf-8")
        os._exit(4)
    return f"done in worker {os.getpid()}"
