"""Sample app for devhost's queue tests with messageEncoding "none": an echo function with a queue
output as its return value, and a function that always fails (its messages end up in the poison queue)."""

import azure.functions as func

app = func.FunctionApp()

# dequeue_count of every delivery to `always_fails`, and its id and insertion time, for the tests.
FAILED_DELIVERIES: list[int] = []
DELIVERED_IDS: list[tuple[str | None, object]] = []


@app.queue_trigger(arg_name="body", queue_name="%ECHO_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="$return", queue_name="%ECHO_OUT_QUEUE%", connection="AzureWebJobsStorage")
def echo(body: str) -> str:
    return body.upper()


@app.queue_trigger(arg_name="msg", queue_name="%FAILING_QUEUE%", connection="AzureWebJobsStorage")
def always_fails(msg: func.QueueMessage) -> None:
    FAILED_DELIVERIES.append(msg.dequeue_count)
    DELIVERED_IDS.append((msg.id, msg.insertion_time))
    raise ValueError(f"cannot process {msg.get_body().decode()}")
