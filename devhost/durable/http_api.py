"""The Durable HTTP API: the RPC endpoints the Python DurableOrchestrationClient calls, and the public
webhook URLs that ``create_check_status_response`` hands to callers.

Status codes and JSON shapes follow what the extension returns and the SDK parses
(DurableOrchestrationStatus.from_json, PurgeHistoryResult.from_json, the start_new/raise_event
status switches).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devhost.durable import history as h
from devhost.durable.binding import RPC_PATH, WEBHOOK_PATH
from devhost.durable.errors import (
    InstanceAlreadyRunningError,
    InstanceNotFoundError,
    InstanceNotRunningError,
    InvalidRequestError,
    UnknownFunctionError,
)
from devhost.durable.status import TERMINAL
from devhost.durable.store import InstanceRow

if TYPE_CHECKING:
    from devhost.durable.engine import DurableEngine

CONTINUATION_HEADER = "x-ms-continuation-token"
# HttpApiHandler: a live instance answers 202 with Location and "Retry-After: 5"; a finished one 200,
# a Failed one too unless the caller asks for 500 (the check-status URL of
# create_check_status_response(..., return_internal_server_error_on_failure=True)).
STATUS_RETRY_AFTER = "5"
FAIL_AS_500 = "returnInternalServerErrorOnFailure"


def _time(text: str) -> str:
    return h.format_time(h.parse_time(text)).split(".")[0] + "Z"


def status_json(
    row: InstanceRow, *, show_input: bool = True, history: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": row.name,
        "instanceId": row.instance_id,
        "runtimeStatus": row.status,
        "input": None if not show_input or row.input is None else json.loads(row.input),
        "customStatus": None if row.custom_status is None else json.loads(row.custom_status),
        "output": None if row.output is None else json.loads(row.output),
        "createdTime": _time(row.created),
        "lastUpdatedTime": _time(row.updated),
    }
    if history is not None:
        body["historyEvents"] = history
    return body


def _flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise InvalidRequestError(f"{name}: must be 'true' or 'false', got {value!r}")
    return value.lower() == "true"


def _time_filter(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        return h.format_time(h.parse_time(value))
    except ValueError:
        raise InvalidRequestError(f"{name}: must be an ISO 8601 date-time, got {value!r}") from None


async def _body_json_text(request: web.Request, double_encoded: bool) -> str | None:
    """The input as JSON text. The SDK's RPC calls send it JSON-encoded twice (a JSON string holding
    JSON); a caller of the public webhook sends plain JSON."""
    raw = await request.text()
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidRequestError(
            "body: must be JSON (only application/json request content is supported)"
        ) from None
    if double_encoded and isinstance(value, str):
        return value
    return raw


class DurableHttpApi:
    def __init__(self, engine: DurableEngine) -> None:
        self.engine = engine

    def add_routes(self, app: web.Application) -> None:
        for prefix, rpc in ((RPC_PATH.rstrip("/"), True), (WEBHOOK_PATH, False)):
            app.router.add_post(prefix + "/orchestrators/{name}", self._wrap(self.start, rpc))
            app.router.add_post(prefix + "/orchestrators/{name}/{instance_id}", self._wrap(self.start, rpc))
            app.router.add_get(prefix + "/instances/", self._wrap(self.list_instances, rpc))
            app.router.add_get(prefix + "/instances", self._wrap(self.list_instances, rpc))
            app.router.add_delete(prefix + "/instances/", self._wrap(self.purge_by_filter, rpc))
            app.router.add_delete(prefix + "/instances", self._wrap(self.purge_by_filter, rpc))
            app.router.add_get(prefix + "/instances/{instance_id}", self._wrap(self.get_status, rpc))
            app.router.add_delete(prefix + "/instances/{instance_id}", self._wrap(self.purge, rpc))
            app.router.add_post(
                prefix + "/instances/{instance_id}/raiseEvent/{event}", self._wrap(self.raise_event, rpc)
            )
            for operation in ("terminate", "suspend", "resume"):
                app.router.add_post(
                    prefix + "/instances/{instance_id}/" + operation,
                    self._wrap(self.operation, rpc, operation),
                )

    def _wrap(self, handler: Any, rpc: bool, *args: Any) -> Any:
        async def route(request: web.Request) -> web.StreamResponse:
            try:
                response: web.StreamResponse = await handler(request, rpc, *args)
                return response
            except InvalidRequestError as error:
                return web.json_response({"Message": str(error), "ExceptionMessage": str(error)}, status=400)
            except UnknownFunctionError as error:
                return web.json_response({"Message": str(error), "ExceptionMessage": str(error)}, status=400)
            except InstanceNotFoundError as error:
                return web.json_response({"Message": str(error)}, status=404)
            except InstanceAlreadyRunningError as error:
                # Azure Storage's OrchestrationAlreadyExistsException is no ArgumentException, so
                # HttpApiHandler answers with its catch-all 500; the SDK raises it as an Exception.
                return web.json_response(
                    {
                        "Message": "Something went wrong while processing your request",
                        "ExceptionMessage": str(error),
                        "ExceptionType": "DurableTask.Core.Exceptions.OrchestrationAlreadyExistsException",
                    },
                    status=500,
                )
            except InstanceNotRunningError as error:
                return web.json_response({"Message": str(error)}, status=410)

        return route

    def _management_urls(self, request: web.Request, instance_id: str) -> dict[str, str]:
        binding = json.loads(self.engine.client_binding(f"{request.scheme}://{request.host}"))
        urls: dict[str, str] = {
            k: v.replace("INSTANCEID", instance_id) for k, v in binding["managementUrls"].items()
        }
        return urls

    async def start(self, request: web.Request, rpc: bool) -> web.Response:
        input_json = await _body_json_text(request, double_encoded=rpc)
        instance_id = self.engine.create_instance(
            request.match_info["name"], request.match_info.get("instance_id"), input_json
        )
        urls = self._management_urls(request, instance_id)
        return web.json_response(
            urls, status=202, headers={"Location": urls["statusQueryGetUri"], "Retry-After": "10"}
        )

    async def get_status(self, request: web.Request, rpc: bool) -> web.Response:
        instance_id = request.match_info["instance_id"]
        row = self.engine.store.get(instance_id)
        if row is None:
            return web.Response(status=404)
        show_history = _flag(request, "showHistory", False)
        history = None
        if show_history:
            show_output = _flag(request, "showHistoryOutput", False)
            history = [self._history_entry(e, show_output) for e in self.engine.history(instance_id)]
        body = status_json(row, show_input=_flag(request, "showInput", True), history=history)
        if row.status not in TERMINAL:
            headers = {"Location": str(request.url), "Retry-After": STATUS_RETRY_AFTER}
            return web.json_response(body, status=202, headers=headers)
        failed_as_500 = row.status == "Failed" and _flag(request, FAIL_AS_500, False)
        return web.json_response(body, status=500 if failed_as_500 else 200)

    @staticmethod
    def _history_entry(event: dict[str, Any], show_output: bool) -> dict[str, Any]:
        entry = {"EventType": h.event_type_name(event["EventType"]), "Timestamp": event["Timestamp"]}
        for key in (
            "EventId",
            "Name",
            "FireAt",
            "TaskScheduledId",
            "TimerId",
            "Reason",
            "Details",
            "InstanceId",
        ):
            if event.get(key) is not None:
                entry[key] = event[key]
        if show_output and event.get("Result") is not None:
            entry["Result"] = event["Result"]
        return entry

    def _filtered(self, request: web.Request) -> list[InstanceRow]:
        statuses = [s for s in request.query.get("runtimeStatus", "").split(",") if s]
        return self.engine.store.query(
            statuses,
            _time_filter(request, "createdTimeFrom"),
            _time_filter(request, "createdTimeTo"),
            request.query.get("instanceIdPrefix"),
        )

    async def list_instances(self, request: web.Request, rpc: bool) -> web.Response:
        rows = self._filtered(request)
        top_text = request.query.get("top")
        start = 0
        token = request.headers.get(CONTINUATION_HEADER)
        if token:
            if not token.isdigit():
                raise InvalidRequestError(f"{CONTINUATION_HEADER}: must be a token returned by this API")
            start = int(token)
        headers = {}
        if top_text:
            if not top_text.isdigit() or int(top_text) < 1:
                raise InvalidRequestError(f"top: must be a positive integer, got {top_text!r}")
            end = start + int(top_text)
            if end < len(rows):
                headers[CONTINUATION_HEADER] = str(end)
            rows = rows[start:end]
        else:
            rows = rows[start:]
        show_input = _flag(request, "showInput", False)
        return web.json_response([status_json(r, show_input=show_input) for r in rows], headers=headers)

    async def purge(self, request: web.Request, rpc: bool) -> web.Response:
        deleted = self.engine.purge([request.match_info["instance_id"]])
        return web.json_response({"instancesDeleted": deleted}, status=200 if deleted else 404)

    async def purge_by_filter(self, request: web.Request, rpc: bool) -> web.Response:
        if not request.query.get("createdTimeFrom"):
            raise InvalidRequestError("createdTimeFrom: is required when purging by filter")
        rows = [r for r in self._filtered(request) if r.status in TERMINAL]
        deleted = self.engine.purge([r.instance_id for r in rows])
        return web.json_response({"instancesDeleted": deleted}, status=200 if deleted else 404)

    async def raise_event(self, request: web.Request, rpc: bool) -> web.Response:
        instance_id = request.match_info["instance_id"]
        self.engine.raise_event_allowed(instance_id)  # 404 / 410 come before the body is looked at
        if request.content_type.lower() != "application/json":
            raise InvalidRequestError("Only application/json request content is supported")
        input_json = await _body_json_text(request, double_encoded=rpc)
        self.engine.raise_event(instance_id, request.match_info["event"], input_json)
        return web.json_response(None, status=202)

    async def operation(self, request: web.Request, rpc: bool, operation: str) -> web.Response:
        instance_id = request.match_info["instance_id"]
        reason = request.query.get("reason", "")
        apply = {
            "terminate": self.engine.terminate,
            "suspend": self.engine.suspend,
            "resume": self.engine.resume,
        }[operation]
        changed = apply(instance_id, reason)
        return web.json_response(None, status=202 if changed else 410)
