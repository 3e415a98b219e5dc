"""DevHost: runs one Functions app locally, as the Functions host and its extensions would.

Start-up order mirrors the real host: settings are read first (they become the worker's
environment, and app code reads them at import), the language worker is started and indexes and
loads the app (a function it refuses stops the host with the worker's message), every binding is
resolved and validated before anything listens (a bad binding stops the host instead of failing
later), the HTTP server comes up before the durable engine (the durable client binding needs its
URL), and triggers start last. The host itself never imports the app: every invocation goes to the
worker as an InvocationRequest and comes back as an InvocationResponse.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from devhost.azurite import AzuriteQueue
from devhost.clock import Clock, RealClock
from devhost.errors import AppLoadError, BindingError, FunctionNotFoundError, HostStateError
from devhost.function_index import IndexedFunction, index_functions
from devhost.host_config import (
    DEFAULT_SCRIPT_FILE,
    DURABLE_TRIGGERS,
    SCRIPT_FILE_SETTING,
    HostConfig,
    check_worker_runtime,
    worker_process_count,
)
from devhost.http_server import HttpFront, HttpKeys, HttpRoute, http_route
from devhost.logs import HOST_LOGGER, log_invocation
from devhost.queue_outputs import QueueOutputs, QueueTarget
from devhost.queues import (
    QueueGateway,
    QueueListener,
    QueueOptions,
    ReceivedMessage,
    check_queue_name,
)
from devhost.settings import AppSettings, exported, load_settings, read_host_json
from devhost.timers import NcrontabSchedule, TimerRunner
from devhost.worker import typed_data
from devhost.worker.errors import WorkerError
from devhost.worker.language_worker import InvocationOutcome, LanguageWorker
from devhost.worker.typed_data import HttpReply

if TYPE_CHECKING:
    from devhost.durable.engine import DurableEngine

class FunctionInvocationError(Exception):
    """The function failed in the worker (or the worker was lost); the message is the host's."""


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
        auto_advance: bool = True,
        worker_python: str | None = None,
    ) -> None:
        self.app_dir = Path(app_dir).resolve()
        self.clock: Clock = clock or RealClock()
        self._http_port = http_port
        self._http_host = http_host
        self._store_path = store_path
        self._azurite_connection = azurite_connection
        self._setting_overrides = dict(settings or {})
        self._keys = HttpKeys(function_keys=frozenset(function_keys), master_key=master_key)
        self._auto_advance = auto_advance
        self._worker_python = worker_python
        self._stack = contextlib.AsyncExitStack()
        self._worker: LanguageWorker | None = None
        self._functions: tuple[IndexedFunction, ...] = ()
        self._gateway = QueueGateway()
        self._listeners: list[QueueListener] = []
        self._timers: dict[str, TimerRunner] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._owned_azurite: AzuriteQueue | None = None
        self._engine: DurableEngine | None = None
        self._settings: AppSettings | None = None
        self._config: HostConfig | None = None
        self._base_url: str | None = None
        self._outputs = QueueOutputs(self._gateway)
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
    def functions(self) -> tuple[IndexedFunction, ...]:
        """The app's functions as the worker indexed and loaded them."""
        if self._worker is None:
            raise HostStateError("the host is not started: the app is not loaded yet")
        return self._functions

    @property
    def worker(self) -> LanguageWorker:
        """The language worker (its processes, restarts and start-up times)."""
        if self._worker is None:
            raise HostStateError("the host is not started: no language worker yet")
        return self._worker

    def function(self, name: str) -> IndexedFunction | None:
        return next((f for f in self._functions if f.name.lower() == name.lower()), None)

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
        for function in self.functions:
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
        HOST_LOGGER.info("devhost started: %s (%d functions)", self.base_url, len(self.functions))

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
        if self._worker is not None:
            await asyncio.to_thread(self._worker.stop)
        await self._stack.aclose()
        await self._gateway.close()
        if self._owned_azurite is not None:
            await asyncio.to_thread(self._owned_azurite.stop)
            self._owned_azurite = None
            self._azurite_connection = None
        self.started = False

    async def fire_timer(self, name: str) -> InvocationOutcome:
        """Run a timer function now (not past due) and return its result; errors propagate."""
        function = self._function(name)
        if function.trigger_type != "timerTrigger":
            raise BindingError(
                f"function {function.name!r} has a {function.trigger_type}, not a timerTrigger"
            )
        timer = self._timers[function.name]
        status = timer.status(timer.last_fired, timer.schedule.next_after(self.clock.now()))
        return await self._run_timer(function, past_due=False, status=status)

    async def run_function(self, name: str, input: str = "") -> InvocationOutcome:
        """Invoke a non-HTTP function as the admin endpoint does, and wait for it (errors propagate).

        A queue-triggered function receives `input` as the message body; a timer function ignores it.
        """
        function = self._function(name)
        if function.trigger_type == "timerTrigger":
            return await self.fire_timer(name)
        if function.trigger_type == "queueTrigger":
            message = ReceivedMessage(
                id=str(uuid.uuid4()), body=input.encode("utf-8"), dequeue_count=1,
                inserted_on=self.clock.now(), expires_on=None, next_visible_on=None, pop_receipt=None,
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
        check_worker_runtime(settings)
        config = HostConfig.from_host_json(read_host_json(self.app_dir), settings)
        self._config = config
        script = settings.get(SCRIPT_FILE_SETTING) or DEFAULT_SCRIPT_FILE
        if not (self.app_dir / script).is_file():
            raise AppLoadError(f"{self.app_dir}: no {script} (devhost runs Python v2-model apps)")
        await self._ensure_azurite(settings)
        self._worker = LanguageWorker(
            self.app_dir, environment=self._worker_environment(), function_timeout=config.function_timeout,
            process_count=worker_process_count(settings), python=self._worker_python,
        )
        metadata = await asyncio.to_thread(self._worker.start)
        self._functions = index_functions(metadata)
        routes = self._validate(self._functions)
        self._make_listeners(self._functions)
        if _uses_durable(self._functions):
            from devhost.durable.engine import DurableEngine
            from devhost.durable.functions import durable_functions
            from devhost.worker.durable_invoker import WorkerDurableInvoker

            self._engine = DurableEngine(
                store_path=self._store_path, clock=self.clock, task_hub=config.task_hub,
                max_concurrent_activities=config.max_concurrent_activities,
                max_concurrent_orchestrations=config.max_concurrent_orchestrations,
                auto_advance=self._auto_advance,
            )
            invoker = WorkerDurableInvoker(self._worker)
            self._engine.register_functions(durable_functions(self._functions), invoker)
        await self._start_http(routes, config.route_prefix)
        if self._engine is not None:
            await self._engine.start()
        self.started = True
        for listener in self._listeners:
            await listener.start()
        for timer in self._timers.values():
            await timer.start()

    def _worker_environment(self) -> dict[str, str]:
        """What the worker process gets as its environment: the host's (app settings exported
        into it, development storage mapped to this host's Azurite), as the host passes the app
        settings to a language worker it starts."""
        return dict(os.environ)

    def _validate(self, functions: Iterable[IndexedFunction]) -> list[HttpRoute]:
        """Resolve every binding expression and build triggers; errors name the function."""
        routes: list[HttpRoute] = []
        for function in functions:
            if function.trigger_type in DURABLE_TRIGGERS:
                continue
            where = f"function {function.name!r}"
            for binding in function.bindings_of("OUT", "queue"):
                queue = check_queue_name(self._settings_resolve(function, str(binding.get("queueName"))),
                                         where=where)
                self._outputs.add(function.name, str(binding["name"]),
                                  QueueTarget(queue, _optional_str(binding.get("connection"))))
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

    async def _ensure_azurite(self, settings: AppSettings) -> None:
        """Start an Azurite of our own when a setting says UseDevelopmentStorage=true and none was
        given (as `func start` expects Azurite for the host's own storage)."""
        if settings.development_storage_names() and self._azurite_connection is None:
            azurite = AzuriteQueue()
            self._azurite_connection = await asyncio.to_thread(azurite.start)
            self._owned_azurite = azurite
        if self._azurite_connection is not None:
            self._export_development_storage(self._azurite_connection)

    def _make_listeners(self, functions: Iterable[IndexedFunction]) -> None:
        assert self._settings is not None and self._config is not None
        for function in functions:
            if function.trigger_type != "queueTrigger":
                continue
            where = f"function {function.name!r}"
            setting = _optional_str(function.trigger.get("connection"))
            connection = self._settings.connection_string(
                setting, where=where, azurite=self._azurite_connection
            )
            queue_name = self._settings_resolve(function, str(function.trigger["queueName"]))
            self._listeners.append(QueueListener(
                gateway=self._gateway, connection_string=connection, queue_name=queue_name,
                options=self._config.queue_options, handler=self._queue_callback(function),
                function_name=function.name,
            ))
        self._outputs.check_connections(self._settings, self._azurite_connection)

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
            from devhost.durable.http_api import DurableHttpApi

            DurableHttpApi(self._engine).add_routes(app)
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
        async def handle(message: ReceivedMessage) -> None:
            await self._run_queue(function, message)
        return handle

    def _timer_callback(self, function: IndexedFunction) -> Any:
        async def fire(past_due: bool, status: dict[str, Any]) -> None:
            await self._run_timer(function, past_due=past_due, status=status)
        return fire

    async def _run_queue(self, function: IndexedFunction, message: ReceivedMessage) -> InvocationOutcome:
        data, metadata = typed_data.queue_message(
            message.body, message_id=message.id, dequeue_count=message.dequeue_count,
            inserted_on=message.inserted_on, expires_on=message.expires_on,
            next_visible_on=message.next_visible_on, pop_receipt=message.pop_receipt,
        )
        return await self._invoke(function, data, metadata, message_id=message.id,
                                  dequeue_count=message.dequeue_count)

    async def _run_timer(self, function: IndexedFunction, *, past_due: bool,
                         status: dict[str, Any]) -> InvocationOutcome:
        data = typed_data.timer_info(past_due=past_due, schedule_status=status)
        return await self._invoke(function, data, {}, past_due=past_due)

    async def _run_http(self, function: IndexedFunction, request: Any) -> HttpReply | None:
        outcome = await self._invoke(function, request, {}, method=request.http.method, url=request.http.url)
        value = typed_data.to_value(outcome.return_value)
        if value is None or isinstance(value, HttpReply):
            return value
        body = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return HttpReply(status=200, headers={"Content-Type": "text/plain; charset=utf-8"}, body=body)

    async def _invoke(
        self, function: IndexedFunction, trigger_data: Any, trigger_metadata: Mapping[str, Any],
        **log_extra: Any,
    ) -> InvocationOutcome:
        """Send the invocation to the worker, then write its outputs; a failure raises
        FunctionInvocationError (the trigger then applies its own retry rules)."""
        if self._worker is None:
            raise HostStateError("the host is not started")
        inputs = [typed_data.binding(str(function.trigger["name"]), trigger_data)]
        for binding in function.bindings_of("IN", "durableClient"):
            inputs.append(typed_data.binding(str(binding["name"]),
                                             typed_data.string(self.engine.client_binding(self.base_url))))
        started = time.perf_counter()
        invocation_id = str(uuid.uuid4())  # the host names each invocation, as the Functions host does
        try:
            outcome = await self._worker.invoke(function.metadata, inputs, trigger_metadata,
                                                invocation_id=invocation_id)
            if outcome.error is not None:
                raise FunctionInvocationError(outcome.error.message)
            assert self._settings is not None and self._config is not None
            await self._outputs.write(function, outcome, settings=self._settings,
                                      azurite=self._azurite_connection,
                                      encoding=self._config.queue_options.message_encoding)
        except (FunctionInvocationError, WorkerError, BindingError) as error:
            log_invocation(function=function.name, trigger=function.trigger_type, invocation_id=invocation_id,
                           duration_ms=(time.perf_counter() - started) * 1000, outcome="failed",
                           error=str(error) if isinstance(error, FunctionInvocationError)
                           else f"{type(error).__name__}: {error}", **log_extra)
            if isinstance(error, FunctionInvocationError):
                raise
            raise FunctionInvocationError(f"{type(error).__name__}: {error}") from error
        status = None
        if function.trigger_type == "httpTrigger":
            reply = typed_data.to_value(outcome.return_value)
            status = reply.status if isinstance(reply, HttpReply) else None
        log_invocation(function=function.name, trigger=function.trigger_type, invocation_id=invocation_id,
                       duration_ms=(time.perf_counter() - started) * 1000, outcome="succeeded",
                       status=status, **log_extra)
        return outcome

    # -- helpers ----------------------------------------------------------------------------------

    def _function(self, name: str) -> IndexedFunction:
        function = self.function(name)
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


def _optional_str(value: Any) -> str | None:
    return str(value) if value else None


def _uses_durable(functions: Iterable[IndexedFunction]) -> bool:
    """The engine (and its store) is only started for apps with durable functions or clients."""
    return any(f.trigger_type in DURABLE_TRIGGERS or f.bindings_of("IN", "durableClient") for f in functions)
