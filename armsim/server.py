"""aiohttp front end: auth, api-version, routing, throttling, fault injection, request log.

`create_app(backend)` builds the web application; `ThreadedServer` runs it on a loopback port in
its own thread so tests and the local runner can use armsim in-process.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

from armsim.backend import Backend
from armsim.clock import iso
from armsim.errors import (
    ArmError,
    AuthenticationFailedError,
    ConfigError,
    InternalServerError,
    InvalidAuthenticationTokenError,
    InvalidRequestContentError,
    MissingApiVersionError,
    ServiceUnavailableError,
    TooManyRequestsError,
)
from armsim.faults import REQUEST_KINDS, Fault
from armsim.handlers.common import retry_after_value
from armsim.http import ArmRequest, Reply
from armsim.ids import check_subscription
from armsim.routes import build_router
from armsim.routing import KIND_BY_METHOD, Router

BACKEND_KEY = web.AppKey("armsim_backend", Backend)
ROUTER_KEY = web.AppKey("armsim_router", Router)


class DroppedConnectionError(Exception):
    """Raised to abandon a request whose connection a fault has closed."""


def create_app(backend: Backend) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[BACKEND_KEY] = backend
    app[ROUTER_KEY] = build_router()
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    return app


def _resource_key(path: str) -> str:
    """The resource a request addresses: the VM (not its action), or the operation; Compute's
    per-resource quotas count against it and region-scoped faults look its location up."""
    lowered = path.lower().rstrip("/")
    for suffix in (
        "/instanceview",
        "/deallocate",
        "/poweroff",
        "/start",
        "/restart",
        "/generalize",
        "/runcommand",
        "/capture",
        "/share",
    ):
        if lowered.endswith(suffix):
            return lowered[: -len(suffix)]
    return lowered


def _challenge(description: str) -> dict[str, str]:
    """ARM's 401 carries a bearer challenge; azure-core's token policies read it to re-authenticate."""
    return {
        "WWW-Authenticate": 'Bearer authorization_uri="https://login.microsoftonline.com/common", '
        f'error="invalid_token", error_description="{description}"'
    }


def _check_auth(backend: Backend, request: web.Request) -> None:
    header = request.headers.get("Authorization")
    if not header:
        raise AuthenticationFailedError(
            "Authentication failed. The 'Authorization' header is missing.",
            headers=_challenge("The authentication failed because of missing 'Authorization' header."),
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailedError(
            "Authentication failed. The 'Authorization' header is missing the access token or is invalid.",
            headers=_challenge("The access token is missing or invalid."),
        )
    if token != backend.settings.token:
        raise InvalidAuthenticationTokenError(
            "The access token is invalid.", headers=_challenge("The access token is invalid.")
        )


def _fault_error(fault: Fault) -> ArmError:
    headers = {"Retry-After": retry_after_value(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.status == 429:
        return TooManyRequestsError(
            fault.message
            or "The server rejected the request because too many requests have been received for "
            "this subscription.",
            code=fault.code or "OperationNotAllowed",
            headers=headers,
            details=[
                {"code": "TooManyRequests", "target": "InjectedFault", "message": "injected throttling"}
            ],
        )
    if fault.status == 500:
        return InternalServerError(
            fault.message or "An internal execution error occurred. Please retry later.",
            code=fault.code or "InternalExecutionError",
            headers=headers,
        )
    error = ServiceUnavailableError(
        fault.message or "The service is temporarily unavailable. Please retry later.",
        code=fault.code or "ServiceUnavailable",
        headers=headers,
    )
    error.status = fault.status
    return error


async def _dispatch(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND_KEY]
    router = request.app[ROUTER_KEY]
    wall = time.time()
    method = request.method.upper()
    path = request.path
    query = {k.lower(): v for k, v in request.query.items()}
    operation, kind = "unknown", KIND_BY_METHOD.get(method, "read")
    headers: dict[str, str] = {}
    is_admin = path.lower().startswith("/_armsim/")
    if is_admin:
        kind = "admin"
    try:
        # Route before authenticating so a refused request is still logged under its operation,
        # but answer 401 first, as ARM does for any path.
        try:
            match = router.match(method, path)
            operation, kind = match.route.operation, match.route.kind
        except ArmError:
            if not is_admin:
                _check_auth(backend, request)
            raise
        if not is_admin:
            _check_auth(backend, request)
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw.strip() else None
        except ValueError as err:
            raise InvalidRequestContentError(
                f"The request content was invalid and could not be deserialized: {err}."
            ) from err
        arm_request = ArmRequest(
            method, path, query, body, f"{request.scheme}://{request.host}", match.params
        )
        if kind != "admin":
            if not query.get("api-version"):
                raise MissingApiVersionError()
            check_subscription(match.params["subscription"])
            with backend.lock:
                admission = backend.throttler.admit(
                    backend.now(),
                    match.params["subscription"].lower(),
                    kind,
                    operation,
                    _resource_key(path),
                )
            headers.update(admission.headers)
            with backend.lock:
                region = match.params.get("location") or backend.region_of(_resource_key(path), body)
            fault = backend.faults.take(REQUEST_KINDS, operation, arm_request.resource_name, region)
            if fault is not None:
                if fault.kind == "drop":
                    raise DroppedConnectionError()
                if fault.kind == "delay":
                    await asyncio.sleep(fault.delay_seconds)
                else:
                    raise _fault_error(fault)
        with backend.lock:
            arm_request.now = backend.now()
            reply = match.route.handler(backend, arm_request)
    except DroppedConnectionError:
        _log(backend, method, path, query, 0, kind, operation, wall)
        if request.transport is not None:
            request.transport.abort()  # the client sees the connection reset with no answer
        return web.Response(status=500)
    except ArmError as err:
        reply = Reply(err.status, err.envelope(), err.headers)
    except ConfigError as err:
        reply = Reply(400, {"error": {"code": "InvalidAdminRequest", "message": str(err)}})
    # ARM's Date header is the server's time: here, the simulated clock's.
    reply.headers = {"Date": http_date(backend.now()), **headers, **reply.headers}
    _log(backend, method, path, query, reply.status, kind, operation, wall)
    return _to_response(reply)


def http_date(moment: datetime) -> str:
    """RFC 7231 IMF-fixdate, as ARM writes its Date header."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _log(
    backend: Backend,
    method: str,
    path: str,
    query: dict[str, str],
    status: int,
    kind: str,
    operation: str,
    wall: float,
) -> None:
    backend.log.append(
        method=method,
        path=path,
        api_version=query.get("api-version"),
        status=status,
        kind=kind,
        operation=operation,
        sim_time=iso(backend.now()),
        wall_time=wall,
    )


def _to_response(reply: Reply) -> web.Response:
    request_id = str(uuid.uuid4())
    headers = {
        "Cache-Control": "no-cache",
        "Pragma": "no-cache",
        "Expires": "-1",
        "x-ms-request-id": request_id,
        "x-ms-correlation-request-id": request_id,
        **reply.headers,
    }
    if reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    payload = json.dumps(reply.body, indent=2).encode()
    return web.Response(
        status=reply.status, body=payload, headers=headers, content_type="application/json", charset="utf-8"
    )


class ThreadedServer:
    """Runs the app on 127.0.0.1 in a daemon thread with its own event loop."""

    def __init__(self, backend: Backend, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backend = backend
        self.host = host
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self._run, name="armsim-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"armsim did not start within {timeout} s")
        if self._error is not None:
            raise RuntimeError(f"armsim failed to start: {self._error}") from self._error
        return self.endpoint

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as err:  # reported to the starting thread
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.close()

    async def _serve(self) -> None:
        runner = web.AppRunner(create_app(self.backend), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self.port = int(address[1])

    def stop(self, timeout: float = 10.0) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or self._thread is None:
            return
        if runner is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout)
        self._loop = None
