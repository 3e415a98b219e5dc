"""Sample app for devhost's restart test: an orchestration that sleeps on a durable timer, started
over HTTP through the durable client."""

from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="start/{id}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    instance_id = await client.start_new("sleepy", req.route_params["id"], {"hours": 6})
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def sleepy(context: df.DurableOrchestrationContext):
    hours = context.get_input()["hours"]
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=hours))
    woke = yield context.call_activity("wake", hours)
    return woke


@app.activity_trigger(input_name="hours")
def wake(hours: int) -> str:
    return f"slept {hours}h"
