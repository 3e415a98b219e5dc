"""DevHost: runs one Functions app locally, as the Functions host and its extensions would.

Start-up order matters and mirrors the real host: settings are exported before the app is
imported (app code reads them at import), every binding is resolved and validated before anything
listens (a bad binding stops the host instead of failing later), the HTTP server comes up before
the durable engine (the durable client binding needs its URL), and triggers start last.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import azure.functions as func
from aiohttp import web
from azure.functions.queue import QueueMessage as WorkerQueueMessage
from azure.functions.timer import TimerRequest

from devhost.app_loader import IndexedFunction, LoadedApp, load_app
from devhost.azurite import AzuriteQueue
from devhost.clock import Clock, RealClock
from devhost.errors import BindingError, FunctionNotFoundError, HostStateError
from devhost.http_server import HttpFront, HttpKeys, HttpRoute, http_route
from devhost.invoke import (
    RETURN,
    InvocationResult,
    call_function,
    check_parameters,
    close_durable_client_session,
)
from devhost.logs import HOST_LOGGER, log_invocation
from devhost.queues import (
    QueueGateway,
    QueueListener,
    QueueOptions,
    check_queue_name,
    encode_body,
    output_bodies,
)
from devhost.settings import AppSettings, exported, load_settings, read_host_json
from devhost.timers import NcrontabSchedule, TimerRunner

if TYPE_CHECKING:
    from devhost.durable.engine import DurableEngine

DEFAULT_TASK_HUB = "TestHubName"
DURABLE_TRIGGERS = ("orchestrationTrigger", "activityTrigger")


@dataclass(frozen=True)
class QueueTarget:
    """A resolved queue binding: where messages are read from or written to."""

    queue_name: str
    connection: str | None  # the binding's connection setting name (None = AzureWebJobsStorage)


@dataclass(frozen=True)
class HostConfig:
    """What host.json says, read once at start."""

    queue_options: QueueOptions
    route_prefix: str
    task_hub: str
    max_concurrent_activities: int

    @classmethod
    def from_host_json(cls, document: dict[str, Any]) -> HostConfig:
        extensions = document.get("extensions", {}) or {}
        durable = extensions.get("durableTask", {}) or {}
        http = extensions.get("http", {}) or {}
        return cls(
            queue_options=QueueOptions.from_host_json(document),
            route_prefix=str(http.get("routePrefix", "api")),
            task_hub=str(durable.get("hubName") or DEFAULT_TASK_HUB),
            max_concurrent_activities=int(durable.get("maxConcurrentActivityFunctions", 8)),
        )


class DevHost:
    """One running app: HTTP server, queue listeners, timers and the durable engine."""

    def __init__(
        self,
        app_dir: str | Path,
        *,
        clock: Clock | None = None,
        http_port: int = 0,
        http_host: str = "127.0.0.1",
        store_path: str | Path | None = None,
        azurite_connection: str | None = None,
        settings: Mapping[str, str] | None = None,
        function_keys: Iterable[str] = (),
        master_key: str | None = None,
        max_workers: int = 8,
        auto_advance: bool = True,
    ) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.clock: Clock = clock or RealClock()
        self._http_port = http_port
        self._http_host = http_host
        self._store_path = store_path
        self._azurite_connection = azurite_connection
        self._setting_overrides = dict(settings or {})
        self._keys = HttpKeys(function_keys=frozenset(function_keys), master_key=master_key)
        self._max_workers = max_workers
        self._auto_advance = auto_advance
        self._stack = contextlib.AsyncExitStack()
        self._executor: ThreadPoolExecutor | None = None
        self._gateway = QueueGateway()
        self._listeners: list[QueueListener] = []
        self._timers: dict[str, TimerRunner] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._owned_azurite: AzuriteQueue | None = None
        self._engine: DurableEngine | None = None
        self._loaded: LoadedApp | None = None
        self._settings: AppSettings | None = None
        self._config: HostConfig | None = None
        self._base_url: str | None = None
        self._outputs: dict[tuple[str, str], QueueTarget] = {}
        self.started = False

    # -- public surface ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (function routes live under /api by default)."""
        if self._base_url is None:
            raise HostStateError("the host is not started: no base URL yet")
        return self._base_url

    @property
    def engine(self) -> DurableEngine:
        if self._engine is None:
            raise HostStateError(
                "no durable engine: the host is not started or the app has no durable functions"
            )
        return self._engine

    @property
    def app(self) -> LoadedApp:
        if self._loaded is None:
            raise HostStateError("the host is not started: the app is not loaded yet")
        return self._loaded

    @property
    def azurite_connection(self) -> str | None:
        """The connection string of the Azurite this host uses (given, or started by the host)."""
        return self._azurite_connection

    @property
    def queue_options(self) -> QueueOptions:
        if self._config is None:
            raise HostStateError("the host is not started: host.json not read yet")
        return self._config.queue_options

    @property
    def gateway(self) -> QueueGateway:
        return self._gateway

    def connection_string(self, connection: str | None = None) -> str:
        """The storage connection string a binding's `connection` setting resolves to."""
        if self._settings is None:
            raise HostStateError("the host is not started: settings not loaded yet")
        return self._settings.connection_string(connection, where="devhost", azurite=self._azurite_connection)

    def describe(self) -> list[str]:
        """One line per function: name, trigger, and where it listens (for the CLI banner)."""
        lines = []
        prefix = self._config.route_prefix.strip("/") if self._config else "api"
        for function in self.app.functions:
            trigger = function.trigger
            detail = ""
            if function.trigger_type == "httpTrigger":
                route = http_route(function)
                methods = ",".join(sorted(route.methods)) if route.methods else "ALL"
                path = "/".join(p for p in (prefix, route.template.template.strip("/")) if p)
                detail = f"[{methods}] {self.base_url}/{path}"
            elif function.trigger_type == "queueTrigger":
                detail = f"queue {self._settings_resolve(function, str(trigger.get('queueName')))}"
            elif function.trigger_type == "timerTrigger":
                detail = f"schedule {self._timers[function.name].schedule.expression}"
            lines.append(f"{function.name}: {function.trigger_type} {detail}".rstrip())
        return lines

    async def start(self) -> None:
        """Load, validate and start everything; on any failure, undo what was started and re-raise."""
        if self.started:
            raise HostStateError("the host is already started")
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise
        self.started = True
        HOST_LOGGER.info("devhost started: %s (%d functions)", self.base_url, len(self.app.functions))

    async def stop(self) -> None:
        """Stop triggers, let running invocations finish, stop the engine, HTTP and owned Azurite."""
        for timer in self._timers.values():
            await timer.stop()
        for listener in self._listeners:
            await listener.stop()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._engine is not None and self.started:
            await self._engine.stop()
        self._listeners.clear()
        self._timers.clear()
        await self._stack.aclose()
        await self._gateway.close()
        await close_durable_client_session()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._owned_azurite is not None:
            await asyncio.to_thread(self._owned_azurite.stop)
            self._owned_azurite = None
            self._azurite_connection = None
        self.started = False

    async def fire_timer(self, name: str) -> InvocationResult:
        """Run a timer function now (not past due) and return its result; errors propagate."""
        function = self._function(name)
        if function.trigger_type != "timerTrigger":
            raise BindingError(
                f"function {function.name!r} has a {function.trigger_type}, not a timerTrigger"
            )
        timer = self._timers[function.name]
        status = timer.status(timer.last_fired, timer.schedule.next_after(self.clock.now()))
        return await self._run_timer(function, past_due=False, status=status)

    async def run_function(self, name: str, input: str = "") -> InvocationResult:
        """Invoke a non-HTTP function as the admin endpoint does, and wait for it (errors propagate).

        A queue-triggered function receives `input` as the message body; a timer function ignores it.
        """
        function = self._function(name)
        if function.trigger_type == "timerTrigger":
            return await self.fire_timer(name)
        if function.trigger_type == "queueTrigger":
            now = self.clock.now()
            message = WorkerQueueMessage(  # type: ignore[no-untyped-call]
                id=str(uuid.uuid4()), body=input.encode("utf-8"), dequeue_count=1,
                insertion_time=now, expiration_time=None, time_next_visible=None, pop_receipt=None,
            )
            return await self._run_queue(function, message)
        raise BindingError(
            f"function {function.name!r} has a {function.trigger_type}: it cannot be invoked through "
            "/admin/functions (call HTTP functions over HTTP; orchestrations through the durable client)"
        )

    async def admin_invoke(self, name: str, input: str) -> None:
        """POST /admin/functions/{name}: validate now, run in the background (the host answers 202)."""
        function = self._function(name)
        if function.trigger_type not in ("timerTrigger", "queueTrigger"):
            await self.run_function(name, input)  # raises the explanatory BindingError
        task = asyncio.create_task(self._quietly(self.run_function(function.name, input)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- start-up ---------------------------------------------------------------------------------

    async def _start(self) -> None:
        settings = load_settings(self.app_dir, self._setting_overrides)
        self._settings = settings
        self._stack.enter_context(exported(settings.exports))
        config = HostConfig.from_host_json(read_host_json(self.app_dir))
        self._config = config
        loaded = load_app(self.app_dir)
        self._loaded = loaded
        self._executor = ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="devhost-fn")
        routes = self._validate(loaded)
        await self._ensure_azurite(loaded)
        if _uses_durable(loaded):
            from devhost.durable.engine import DurableEngine

            self._engine = DurableEngine(
                store_path=self._store_path, clock=self.clock, task_hub=config.task_hub,
                max_concurrent_activities=config.max_concurrent_activities, auto_advance=self._auto_advance,
            )
            self._engine.register_functions(loaded.raw_functions)
        await self._start_http(routes, config.route_prefix)
        if self._engine is not None:
            await self._engine.start()
        self.started = True
        for listener in self._listeners:
            await listener.start()
        for timer in self._timers.values():
            await timer.start()

    def _validate(self, loaded: LoadedApp) -> list[HttpRoute]:
        """Resolve every binding expression and build triggers; errors name the function."""
        routes: list[HttpRoute] = []
        for function in loaded.functions:
            if function.trigger_type in DURABLE_TRIGGERS:
                continue
            check_parameters(function)
            where = f"function {function.name!r}"
            for binding in function.bindings_of("OUT", "queue"):
                queue = check_queue_name(self._settings_resolve(function, str(binding.get("queueName"))),
                                         where=where)
                self._outputs[(function.name, str(binding["name"]))] = QueueTarget(
                    queue, _optional_str(binding.get("connection")))
            if function.trigger_type == "httpTrigger":
                routes.append(http_route(function))
            elif function.trigger_type == "timerTrigger":
                expression = self._settings_resolve(function, str(function.trigger["schedule"]))
                schedule = NcrontabSchedule(expression, where=where)
                self._timers[function.name] = TimerRunner(
                    function_name=function.name, schedule=schedule, clock=self.clock,
                    fire=self._timer_callback(function),
                    run_on_startup=bool(function.trigger.get("runOnStartup", False)),
                )
            elif function.trigger_type == "queueTrigger":
                check_queue_name(self._settings_resolve(function, str(function.trigger.get("queueName"))),
                                 where=where)
        return routes

    async def _ensure_azurite(self, loaded: LoadedApp) -> None:
        """Start an Azurite of our own when a queue binding uses development storage and none was given."""
        assert self._settings is not None
        connections = [_optional_str(f.trigger.get("connection")) for f in loaded.functions
                       if f.trigger_type == "queueTrigger"]
        connections += [target.connection for target in self._outputs.values()]
        needs = any(self._settings.uses_development_storage(c) for c in connections)
        if needs and self._azurite_connection is None:
            azurite = AzuriteQueue()
            self._azurite_connection = await asyncio.to_thread(azurite.start)
            self._owned_azurite = azurite
        if self._azurite_connection is not None:
            self._export_development_storage(self._azurite_connection)
        assert self._config is not None
        for function in loaded.functions:
            if function.trigger_type != "queueTrigger":
                continue
            where = f"function {function.name!r}"
            setting = _optional_str(function.trigger.get("connection"))
            emulator = self._azurite_connection
            connection = self._settings.connection_string(setting, where=where, azurite=emulator)
            queue_name = self._settings_resolve(function, str(function.trigger["queueName"]))
            self._listeners.append(QueueListener(
                gateway=self._gateway, connection_string=connection, queue_name=queue_name,
                options=self._config.queue_options, handler=self._queue_callback(function),
                function_name=function.name,
            ))
        for (function_name, _), target in self._outputs.items():
            self._settings.connection_string(target.connection, where=f"function {function_name!r}",
                                             azurite=self._azurite_connection)

    def _export_development_storage(self, azurite: str) -> None:
        """Give app code the real connection string wherever a setting says UseDevelopmentStorage=true.

        Bindings are mapped to this host's Azurite by `connection_string`, but code that reads a
        setting itself (an SDK client built from os.environ) would take the literal to mean the
        emulator's default port and miss the Azurite on a port of our own. The Core Tools need no
        such step because there Azurite does listen on its defaults. Settings are read by app code
        when functions run, and none runs before this. The previous values return when the host
        stops.
        """
        assert self._settings is not None
        names = self._settings.development_storage_names()
        if names:
            self._stack.enter_context(exported(dict.fromkeys(names, azurite)))
            HOST_LOGGER.info("UseDevelopmentStorage=true settings now hold this host's Azurite: %s",
                             ", ".join(names))

    async def _start_http(self, routes: list[HttpRoute], prefix: str) -> None:
        app = web.Application(client_max_size=100 * 1024 * 1024)
        if self._engine is not None:
            self._engine.add_routes(app)
        HttpFront(routes=routes, invoke=self._run_http, admin_invoke=self.admin_invoke, keys=self._keys,
                  route_prefix=prefix).mount(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, self._http_host, self._http_port)
        await site.start()
        port = self._http_port
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            port = server.sockets[0].getsockname()[1]
        self._base_url = f"http://{self._http_host}:{port}"

    # -- invocation -------------------------------------------------------------------------------

    def _queue_callback(self, function: IndexedFunction) -> Any:
        async def handle(message: func.QueueMessage) -> None:
            await self._run_queue(function, message)
        return handle

    def _timer_callback(self, function: IndexedFunction) -> Any:
        async def fire(past_due: bool, status: dict[str, Any]) -> None:
            await self._run_timer(function, past_due=past_due, status=status)
        return fire

    async def _run_queue(self, function: IndexedFunction, message: func.QueueMessage) -> InvocationResult:
        value = _queue_argument(function, message)
        return await self._invoke(function, value, message_id=message.id, dequeue_count=message.dequeue_count)

    async def _run_timer(self, function: IndexedFunction, *, past_due: bool,
                         status: dict[str, Any]) -> InvocationResult:
        request = TimerRequest(
            past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True}
        )
        return await self._invoke(function, request, past_due=past_due)

    async def _run_http(self, function: IndexedFunction, request: func.HttpRequest) -> Any:
        result = await self._invoke(function, request, method=request.method, url=request.url)
        return result.return_value

    async def _invoke(
        self, function: IndexedFunction, trigger_value: Any, **log_extra: Any
    ) -> InvocationResult:
        """Call the function with its trigger value and input bindings, then write its outputs."""
        if self._executor is None:
            raise HostStateError("the host is not started")
        invocation_id = str(uuid.uuid4())
        arguments: dict[str, Any] = {str(function.trigger["name"]): trigger_value}
        for binding in function.bindings_of("IN", "durableClient"):
            arguments[str(binding["name"])] = self.engine.client_binding(self.base_url)
        started = time.perf_counter()
        try:
            result = await call_function(function, arguments, executor=self._executor)
            await self._write_outputs(function, result)
        except Exception as error:
            log_invocation(function=function.name, trigger=function.trigger_type, invocation_id=invocation_id,
                           duration_ms=(time.perf_counter() - started) * 1000, outcome="failed",
                           error=f"{type(error).__name__}: {error}", **log_extra)
            raise
        returned = result.return_value
        status = returned.status_code if isinstance(returned, func.HttpResponse) else None
        log_invocation(function=function.name, trigger=function.trigger_type, invocation_id=invocation_id,
                       duration_ms=(time.perf_counter() - started) * 1000, outcome="succeeded",
                       status=status, **log_extra)
        return result

    async def _write_outputs(self, function: IndexedFunction, result: InvocationResult) -> None:
        assert self._settings is not None and self._config is not None
        for binding in function.bindings_of("OUT", "queue"):
            name = str(binding["name"])
            value = result.return_value if name == RETURN else result.outputs.get(name)
            if value is None:
                continue
            target = self._outputs[(function.name, name)]
            where = f"function {function.name!r}"
            connection = self._settings.connection_string(target.connection, where=where,
                                                          azurite=self._azurite_connection)
            for body in output_bodies(value, where=where):
                text = encode_body(body, self._config.queue_options.message_encoding)
                await self._gateway.send(connection, target.queue_name, text)

    # -- helpers ----------------------------------------------------------------------------------

    def _function(self, name: str) -> IndexedFunction:
        function = self.app.function(name)
        if function is None:
            raise FunctionNotFoundError(f"no function named {name!r} in {self.app_dir}")
        return function

    def _settings_resolve(self, function: IndexedFunction, value: str) -> str:
        assert self._settings is not None
        return self._settings.resolve(value, where=f"function {function.name!r}")

    @staticmethod
    async def _quietly(work: Any) -> None:
        with contextlib.suppress(Exception):  # already logged by _invoke
            await work


def _queue_argument(function: IndexedFunction, message: func.QueueMessage) -> Any:
    """A QueueMessage, or the body as str/bytes when the parameter is annotated so (worker behaviour)."""
    parameter = inspect.signature(function.user_function).parameters.get(str(function.trigger["name"]))
    annotation = parameter.annotation if parameter is not None else None
    if annotation in (str, "str"):
        return message.get_body().decode("utf-8")
    if annotation in (bytes, "bytes"):
        return message.get_body()
    return message


def _optional_str(value: Any) -> str | None:
    return str(value) if value else None


def _uses_durable(loaded: LoadedApp) -> bool:
    """The engine (and its store) is only started for apps with durable functions or clients."""
    return any(f.trigger_type in DURABLE_TRIGGERS or f.bindings_of("IN", "durableClient")
               for f in loaded.functions)
