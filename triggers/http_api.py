"""The operators' HTTP API (function-level keys in Azure; JSON answers, errors included).

    POST /api/builds                start (202 + status URLs; 400 errors; 409 running or failed)
    GET  /api/builds?status=&from=&to=   list builds, newest first
    GET  /api/builds/{id}           phase, per-region progress, result
    POST /api/builds/{id}/cancel    terminate; nothing is deleted; says what was left
    POST /api/plan                  validate and show the steps against the current state

Routes accept every method and answer 405 themselves, so even a wrong method gets the JSON error
shape instead of the platform's empty body.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import azure.durable_functions as df
import azure.functions as func
from pydantic import ValidationError

from imagefactory.exceptions import AzureCallError, FieldError, RequestValidationError
from imagefactory.inspection import inspect, what_is_left
from imagefactory.request import BuildRequest
from imagefactory.settings import get_settings
from triggers.door import admit, gateway_tag_reader
from triggers.errors import QueryValidationError
from triggers.listing import ListQuery, parse_list_query
from triggers.planning import plan_document
from triggers.registry import bp, typed
from triggers.responses import (
    BuildSnapshot,
    build_view,
    cancel_report,
    error_response,
    json_response,
    list_item,
    method_not_allowed,
    not_found,
    snapshot_from_status,
    start_answer,
)
from triggers.starting import ORCHESTRATOR, start_or_report

LOGGER = logging.getLogger("imagefactory.triggers.http")
AUTH = func.AuthLevel.FUNCTION


def _base_url(request: func.HttpRequest) -> str:
    parts = urlsplit(request.url)
    return f"{parts.scheme}://{parts.netloc}"


def _azure_unavailable(error: AzureCallError) -> func.HttpResponse:
    return error_response(
        502, [FieldError("", "azure_unavailable", f"Azure could not be read: {error.code}: {error.message}")]
    )


async def _admit(request: func.HttpRequest) -> Any:
    settings = get_settings()
    return await asyncio.to_thread(
        admit, request.get_body(), settings=settings, read_tags=gateway_tag_reader(settings)
    )


# --- /api/builds ------------------------------------------------------------------------------


async def start_build(request: func.HttpRequest, client: Any) -> func.HttpResponse:
    try:
        build = await _admit(request)
    except RequestValidationError as invalid:
        return error_response(400, invalid.errors)
    except AzureCallError as error:
        return _azure_unavailable(error)
    outcome = await start_or_report(client, build, origin="POST /api/builds")
    status, body = start_answer(outcome, _base_url(request))
    headers = {"Location": body["urls"]["status"]} if status == 202 else None
    return json_response(body, status, headers)


async def list_builds(query: ListQuery, client: Any) -> func.HttpResponse:
    statuses = await client.get_status_by(
        created_time_from=query.created_from,
        created_time_to=query.created_to,
    )
    snapshots = [s for s in (snapshot_from_status(status) for status in statuses) if s is not None]
    builds = [s for s in snapshots if s.name == ORCHESTRATOR and query.matches(s)]
    builds.sort(key=lambda s: s.created_at or "", reverse=True)
    return json_response({"builds": [list_item(s) for s in builds], "count": len(builds)})


@typed(bp.route(route="builds", auth_level=AUTH, methods=None))
@typed(bp.durable_client_input(client_name="client"))
async def builds(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    if req.method == "POST":
        return await start_build(req, client)
    if req.method == "GET":
        try:
            query = parse_list_query(dict(req.params))
        except QueryValidationError as invalid:
            return error_response(400, invalid.errors)
        return await list_builds(query, client)
    return method_not_allowed(req.method, ["GET", "POST"])


# --- /api/builds/{id} and /cancel ---------------------------------------------------------------


async def _snapshot(client: Any, build_id: str) -> BuildSnapshot | None:
    return snapshot_from_status(await client.get_status(build_id, show_input=True))


async def _monitor_status(client: Any, snapshot: BuildSnapshot) -> Any:
    """The replication monitor's own custom status: per-region progress fresher than the build's."""
    custom = snapshot.custom_status if isinstance(snapshot.custom_status, dict) else {}
    monitor_id = custom.get("monitor_instance_id")
    if not monitor_id or custom.get("phase") != "replication":
        return None
    monitor = await _snapshot(client, str(monitor_id))
    return monitor.custom_status if monitor is not None else None


@typed(bp.route(route="builds/{id}", auth_level=AUTH, methods=None))
@typed(bp.durable_client_input(client_name="client"))
async def build_status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    if req.method != "GET":
        return method_not_allowed(req.method, ["GET"])
    build_id = req.route_params["id"]
    snapshot = await _snapshot(client, build_id)
    if snapshot is None or snapshot.name != ORCHESTRATOR:
        return not_found(build_id)
    monitor = await _monitor_status(client, snapshot)
    return json_response(build_view(snapshot, monitor_status=monitor, base_url=_base_url(req)))


async def _left_in_azure(snapshot: BuildSnapshot) -> dict[str, Any]:
    """What the stopped build left, read from Azure; the status-based guess stays if Azure can't be read."""
    custom = snapshot.custom_status if isinstance(snapshot.custom_status, dict) else {}
    target = custom.get("target")
    try:
        request = BuildRequest.model_validate(snapshot.input)
        found = await asyncio.to_thread(
            inspect, request, get_settings(), image_id=target if isinstance(target, str) else None
        )
    except (AzureCallError, ValidationError, ValueError) as error:
        return {"left_source": f"inferred from the build's last status; Azure could not be read: {error}"}
    image_id = target if isinstance(target, str) else None
    return {"left": what_is_left(request, found, image_id=image_id), "left_source": "read from Azure"}


async def cancel(client: Any, build_id: str) -> func.HttpResponse:
    snapshot = await _snapshot(client, build_id)
    if snapshot is None or snapshot.name != ORCHESTRATOR:
        return not_found(build_id)
    if not snapshot.existing.running:
        return error_response(
            409,
            [
                FieldError(
                    "id", "not_running", f"build {build_id} is {snapshot.runtime_status}; nothing to cancel"
                )
            ],
        )
    monitor = await _monitor_status(client, snapshot)
    reason = "cancelled through POST /api/builds/{id}/cancel"
    # The build first: terminating a child first would fail the parent before it is terminated.
    await client.terminate(build_id, reason)
    terminated = [build_id]
    for child in await client.get_status_by(instance_id_prefix=f"{build_id}:"):
        child_snapshot = snapshot_from_status(child)
        if child_snapshot is not None and child_snapshot.existing.running:
            await client.terminate(child_snapshot.build_id, reason)
            terminated.append(child_snapshot.build_id)
    report = cancel_report(snapshot, terminated=terminated, monitor_status=monitor)
    report.update(await _left_in_azure(snapshot))
    LOGGER.warning("build %s cancelled; left: %s", build_id, "; ".join(report["left"]))
    return json_response(report, 202)


@typed(bp.route(route="builds/{id}/cancel", auth_level=AUTH, methods=None))
@typed(bp.durable_client_input(client_name="client"))
async def build_cancel(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    if req.method != "POST":
        return method_not_allowed(req.method, ["POST"])
    return await cancel(client, req.route_params["id"])


# --- /api/plan ---------------------------------------------------------------------------------


@typed(bp.route(route="plan", auth_level=AUTH, methods=None))
def plan(req: func.HttpRequest) -> func.HttpResponse:
    if req.method != "POST":
        return method_not_allowed(req.method, ["POST"])
    settings = get_settings()
    try:
        build = admit(req.get_body(), settings=settings)
        return json_response(plan_document(build, settings))
    except RequestValidationError as invalid:
        return error_response(400, invalid.errors)
    except AzureCallError as error:
        return _azure_unavailable(error)
