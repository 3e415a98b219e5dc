"""Sample app for devhost's queue tests (base64 encoding): a queue-triggered starter that writes an
output message and starts an orchestration through the durable client."""

import json
import os

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


def record(entry: dict) -> None:  # type: ignore[type-arg]
    """Append one observation to the file the test named (SAMPLE_RECORD_FILE): the function runs in
    the worker process, so the test reads what it saw from there."""
    path = os.environ.get("SAMPLE_RECORD_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry, default=str) + "\n")


@app.queue_trigger(arg_name="msg", queue_name="%ORDERS_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="receipt", queue_name="%RECEIPTS_QUEUE%", connection="AzureWebJobsStorage")
@app.durable_client_input(client_name="client")
async def order_received(
    msg: func.QueueMessage, receipt: func.Out[str], client: df.DurableOrchestrationClient
) -> None:
    record({"dequeue_count": msg.dequeue_count})
    order = msg.get_json()
    instance_id = await client.start_new("fulfil_order", f"order-{order['id']}", order)
    receipt.set(json.dumps({"order": order["id"], "instance": instance_id, "count": msg.dequeue_count}))


@app.orchestration_trigger(context_name="context")
def fulfil_order(context: df.DurableOrchestrationContext):
    order = context.get_input()
    packed = yield context.call_activity("pack", order)
    return {"order": order["id"], "packed": packed}


@app.activity_trigger(input_name="order")
def pack(order: dict) -> str:
    return f"box for {order['item']}"
