"""Sample app for devhost's queue delivery tests: how many messages run at once (batchSize and
newBatchThreshold) and when a failed message comes back (visibilityTimeout).

`held` blocks each invocation for a short while so overlapping deliveries are visible; it records the
peak number running at once. `flaky` fails every message whose body starts with "fail" and records
when each delivery arrived, so the gap between attempts can be measured. The functions run in the
worker process: each delivery is recorded to the file named by SAMPLE_RECORD_FILE.
"""

import json
import os
import threading
import time

import azure.functions as func

app = func.FunctionApp()

_lock = threading.Condition()
RUNNING = 0
PEAK = 0
RELEASED = False
HELD_BODIES: list[str] = []


def record(entry: dict) -> None:  # type: ignore[type-arg]
    with open(os.environ["SAMPLE_RECORD_FILE"], "a", encoding="utf-8") as sink:
        sink.write(json.dumps(entry) + "\n")


@app.queue_trigger(arg_name="msg", queue_name="%HELD_QUEUE%", connection="AzureWebJobsStorage")
def held(msg: func.QueueMessage) -> None:
    """Hold the invocation for HOLD_SECONDS (twice that for every second arrival), or until
    RELEASE_AT invocations are running at once.

    Unequal holds make the invocations of one batch finish apart, so whether the host fetches the
    next batch after the first or only after the second finishes shows in the peak, with a margin of
    HOLD_SECONDS rather than a race. The early release lets a test whose bound allows the whole burst
    finish as soon as the whole burst is in; under a tighter bound that count is never reached.
    """
    global RUNNING, PEAK, RELEASED
    release_at = int(os.environ.get("RELEASE_AT", "0"))
    with _lock:
        hold = float(os.environ.get("HOLD_SECONDS", "0.2")) * (2 if len(HELD_BODIES) % 2 else 1)
        RUNNING += 1
        PEAK = max(PEAK, RUNNING)
        HELD_BODIES.append(msg.get_body().decode())
        if 0 < release_at <= RUNNING:
            RELEASED = True
            _lock.notify_all()
        deadline = time.monotonic() + hold
        while not RELEASED and (left := deadline - time.monotonic()) > 0:
            _lock.wait(left)
        RUNNING -= 1
        record({"function": "held", "body": msg.get_body().decode(), "peak": PEAK})


@app.queue_trigger(arg_name="msg", queue_name="%FLAKY_QUEUE%", connection="AzureWebJobsStorage")
def flaky(msg: func.QueueMessage) -> None:
    body = msg.get_body().decode()
    with _lock:
        record({"function": "flaky", "body": body, "dequeue_count": msg.dequeue_count or 0, "id": msg.id,
                "at": time.monotonic()})
    if body.startswith("fail"):
        raise RuntimeError(f"refusing {body}")
