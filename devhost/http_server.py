"""The host's HTTP front: function routes under the route prefix, auth keys, and admin endpoints.

Auth follows the Core Tools: with no keys configured every level is open (as `func start` runs
locally); once keys are configured, FUNCTION-level routes need a function or master key and
ADMIN-level routes (and /admin/*) the master key, passed as `x-functions-key` or `?code=`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from devhost.errors import BindingError, FunctionNotFoundError
from devhost.function_index import IndexedFunction
from devhost.routes import RouteTemplate, compile_route
from devhost.worker import typed_data
from devhost.worker.typed_data import HttpReply

LOGGER = logging.getLogger("devhost.http")

KEY_HEADER = "x-functions-key"


@dataclass(frozen=True)
class HttpKeys:
    """Configured keys; both empty means auth is not enforced (local Core Tools behaviour)."""

    function_keys: frozenset[str] = frozenset()
    master_key: str | None = None

    @property
    def enforced(self) -> bool:
        return bool(self.function_keys) or self.master_key is not None

    def allows(self, auth_level: str, presented: str | None) -> bool:
        level = auth_level.upper()
        if level == "ANONYMOUS" or not self.enforced:
            return True
        if presented is None:
            return False
        if self.master_key is not None and presented == self.master_key:
            return True
        return level == "FUNCTION" and presented in self.function_keys


@dataclass(frozen=True)
class HttpRoute:
    function: IndexedFunction
    template: RouteTemplate
    methods: frozenset[str] | None
    auth_level: str = field(default="FUNCTION")


def http_route(function: IndexedFunction) -> HttpRoute:
    """The route of one httpTrigger function (route defaults to the function name)."""
    trigger = function.trigger
    where = f"function {function.name!r}"
    methods = trigger.get("methods")
    return HttpRoute(
        function=function,
        template=compile_route(str(trigger.get("route") or function.name), where=where),
        methods=frozenset(str(m).upper() for m in methods) if methods else None,
        auth_level=str(trigger.get("authLevel") or "FUNCTION").upper(),
    )


HttpInvoker = Callable[[IndexedFunction, Any], Awaitable[HttpReply | None]]
AdminInvoker = Callable[[str, str], Awaitable[None]]


def to_rpc_request(request: web.Request, body: bytes, route_params: dict[str, str]) -> Any:
    """The RpcHttp the host sends the worker (multi-valued headers joined by commas, as the host does)."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return typed_data.http_request(
        method=request.method,
        url=str(request.url),
        headers=headers,
        query={key: request.query[key] for key in request.query},
        route_params=route_params,
        body=body,
    )


def to_web_response(reply: HttpReply | None) -> web.Response:
    """Render the worker's HTTP reply (no reply: 204, as the host answers a function that returned None)."""
    if reply is None:
        return web.Response(status=204)
    response = web.Response(status=reply.status, body=reply.body, headers=reply.headers)
    for cookie in reply.cookies:
        response.headers.add("Set-Cookie", cookie)
    return response


class HttpFront:
    """Function routes and admin endpoints on the host's aiohttp application."""

    def __init__(
        self, *, routes: Sequence[HttpRoute], invoke: HttpInvoker, admin_invoke: AdminInvoker,
        keys: HttpKeys, route_prefix: str = "api",
    ) -> None:
        self._routes = sorted(routes, key=lambda r: r.template.specificity)
        self._invoke = invoke
        self._admin_invoke = admin_invoke
        self._keys = keys
        self._prefix = route_prefix.strip("/")

    def mount(self, app: web.Application) -> None:
        """Add the admin endpoints and the catch-all function dispatcher (register other routes first)."""
        app.router.add_post("/admin/functions/{name}", self._admin_function)
        app.router.add_get("/admin/host/status", self._admin_status)
        prefix = f"/{self._prefix}" if self._prefix else ""
        app.router.add_route("*", prefix + "/{tail:.*}" if prefix else "/{tail:.*}", self._dispatch)
        if prefix:
            app.router.add_route("*", prefix, self._dispatch)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info.get("tail", "")
        matched = [(route, params) for route in self._routes
                   if (params := route.template.match(path)) is not None]
        if not matched:
            return _error(404, f"no function route matches /{path}")
        allowed = [(r, p) for r, p in matched if r.methods is None or request.method.upper() in r.methods]
        if not allowed:
            methods = sorted({m for r, _ in matched for m in (r.methods or ())})
            return _error(405, f"method {request.method} not allowed", headers={"Allow": ", ".join(methods)})
        route, params = allowed[0]
        if not self._keys.allows(route.auth_level, _presented_key(request)):
            return _error(401, f"function {route.function.name!r} requires a valid key ({route.auth_level})")
        body = await request.read()
        try:
            reply = await self._invoke(route.function, to_rpc_request(request, body, params))
            return to_web_response(reply)
        except Exception as error:
            LOGGER.warning("function %s failed: %s", route.function.name, error)
            return _error(500, f"function {route.function.name!r} failed")

    async def _admin_function(self, request: web.Request) -> web.StreamResponse:
        if not self._keys.allows("ADMIN", _presented_key(request)):
            return _error(401, "admin endpoints require the master key")
        raw = await request.read()
        try:
            document = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            return _error(400, "body must be JSON like {\"input\": \"...\"}")
        value = document.get("input", "") if isinstance(document, dict) else None
        if not isinstance(value, str):
            return _error(400, "field \"input\" must be a string")
        try:
            await self._admin_invoke(request.match_info["name"], value)
        except FunctionNotFoundError as error:
            return _error(404, str(error))
        except BindingError as error:
            return _error(400, str(error))
        return web.Response(status=202)

    async def _admin_status(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"state": "Running"})


def _presented_key(request: web.Request) -> str | None:
    return request.headers.get(KEY_HEADER) or request.query.get("code")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)
