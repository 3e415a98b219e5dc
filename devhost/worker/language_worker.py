"""The language worker as the host sees it: start, index, load, invoke, restart, stop.

Start-up follows the platform's order: the host starts the worker process, waits for StartStream,
sends WorkerInitRequest (the worker library imports and indexes the app there, refusing it when a
function fails its checks), FunctionsMetadataRequest (the functions it indexed) and one
FunctionLoadRequest per function. A refusal at any step stops the start with the worker's own
message. `FUNCTIONS_WORKER_PROCESS_COUNT` processes are started; an invocation goes to the one with
the fewest running. When a worker process dies, its running invocations fail with the reason and a
replacement is started and loaded; an invocation that outlives host.json's `functionTimeout` gets
the host's timeout error and its worker is restarted, since nothing else can stop user code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.worker import protos
from devhost.worker.channel import RpcServer, WorkerStream, request_key
from devhost.worker.errors import (
    FunctionTimeoutError,
    WorkerConnectionLostError,
    WorkerRefusedError,
    WorkerStartError,
)
from devhost.worker.process import WorkerProcess

LOGGER = logging.getLogger("devhost.worker")
LOG_RELAY = logging.getLogger("devhost.worker.logs")

HOST_VERSION = "4.0.0-devhost"
DEFAULT_MAX_MESSAGE_LENGTH = 128 * 1024 * 1024
MAX_WORKER_PROCESSES = 10
SUCCESS = protos.StatusResult.Success

_RPC_LEVELS = {
    protos.RpcLog.Trace: logging.DEBUG,
    protos.RpcLog.Debug: logging.DEBUG,
    protos.RpcLog.Information: logging.INFO,
    protos.RpcLog.Warning: logging.WARNING,
    protos.RpcLog.Error: logging.ERROR,
    protos.RpcLog.Critical: logging.CRITICAL,
    getattr(protos.RpcLog, "None"): logging.NOTSET,
}


@dataclass(frozen=True)
class FunctionMetadata:
    """One function as the worker indexed it: its id, name and raw bindings."""

    function_id: str
    name: str
    bindings: tuple[dict[str, Any], ...]
    raw: Any = field(repr=False, compare=False)


@dataclass(frozen=True)
class RemoteError:
    """A failure as the worker reported it (`<Type>: <message>` and the Python stack)."""

    message: str
    stack_trace: str


@dataclass(frozen=True)
class InvocationOutcome:
    invocation_id: str
    return_value: Any  # protos.TypedData or None
    outputs: Mapping[str, Any]  # output binding name -> protos.TypedData
    error: RemoteError | None

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass
class _Slot:
    """One worker process and its stream; replaced as a whole when the process dies."""

    index: int
    worker_id: str = ""
    process: WorkerProcess | None = None
    stream: WorkerStream | None = None
    running: int = 0
    ready: threading.Event = field(default_factory=threading.Event)


class LanguageWorker:
    """One or more worker processes for one app, behind a single invoke()."""

    def __init__(
        self,
        app_dir: str | Path,
        *,
        environment: Mapping[str, str],
        function_timeout: float | None = None,
        process_count: int = 1,
        startup_timeout: float = 60.0,
        max_message_length: int = DEFAULT_MAX_MESSAGE_LENGTH,
        python: str | None = None,
    ) -> None:
        if not 1 <= process_count <= MAX_WORKER_PROCESSES:
            raise ValueError(
                f"FUNCTIONS_WORKER_PROCESS_COUNT: must be between 1 and {MAX_WORKER_PROCESSES}, "
                f"got {process_count}"
            )
        self.app_dir = Path(app_dir).resolve()
        self._environment = dict(environment)
        self.function_timeout = function_timeout
        self._startup_timeout = startup_timeout
        self._max_message_length = max_message_length
        self._python = python
        self._request_id = uuid.uuid4().hex
        self._slots = [_Slot(index) for index in range(process_count)]
        self._server: RpcServer | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._invocations: dict[str, str] = {}
        self.functions: tuple[FunctionMetadata, ...] = ()
        self.restarts = 0
        self.init_seconds: list[float] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> tuple[FunctionMetadata, ...]:
        """Start every worker process and load the app; raises WorkerRefusedError with the worker's
        message when the worker library refuses a function."""
        self._server = RpcServer(max_message_length=self._max_message_length, max_workers=len(self._slots))
        try:
            for slot in self._slots:
                functions = self._start_slot(slot)
                if not self.functions:
                    self.functions = functions
        except BaseException:
            self.stop()
            raise
        return self.functions

    def stop(self, grace: float = 5.0) -> None:
        """WorkerTerminate to every worker; those still running after `grace` seconds are killed."""
        self._stopping.set()
        for slot in self._slots:
            if slot.stream is not None:
                slot.stream.send(protos.StreamingMessage(
                    request_id=self._request_id,
                    worker_terminate=protos.WorkerTerminate(grace_period={"seconds": int(grace)}),
                ))
        deadline = time.monotonic() + grace
        for slot in self._slots:
            if slot.process is not None:
                if slot.process.wait(max(0.0, deadline - time.monotonic())) is None:
                    LOGGER.warning("worker %s did not stop within %.0f s; killing it",
                                   slot.worker_id[:8], grace)
                slot.process.kill()
        if self._server is not None:
            self._server.stop()
            self._server = None

    @property
    def pids(self) -> list[int]:
        return [slot.process.pid for slot in self._slots if slot.process is not None]

    def function(self, name: str) -> FunctionMetadata:
        for function in self.functions:
            if function.name.lower() == name.lower():
                return function
        raise KeyError(name)

    # -- invocation --------------------------------------------------------------------------------
    async def invoke(
        self,
        function: FunctionMetadata,
        input_data: Sequence[Any],
        trigger_metadata: Mapping[str, Any] | None = None,
        *,
        trace_parent: str | None = None,
        retry_count: int = 0,
        max_retry_count: int = 0,
        invocation_id: str | None = None,
    ) -> InvocationOutcome:
        """Run one invocation on the least busy worker; raise WorkerConnectionLostError when its
        worker died meanwhile and FunctionTimeoutError past functionTimeout."""
        slot = await self._ready_slot()
        assert slot.stream is not None
        invocation_id = invocation_id or str(uuid.uuid4())
        request = protos.InvocationRequest(
            invocation_id=invocation_id,
            function_id=function.function_id,
            input_data=list(input_data),
            trigger_metadata=dict(trigger_metadata or {}),
        )
        request.retry_context.retry_count = retry_count
        request.retry_context.max_retry_count = max_retry_count
        if trace_parent:
            request.trace_context.trace_parent = trace_parent
        message = protos.StreamingMessage(request_id=self._request_id, invocation_request=request)
        key = request_key(message)
        slot.running += 1
        self._invocations[invocation_id] = function.name
        try:
            future = slot.stream.request(message, key)
            try:
                reply = await asyncio.wait_for(asyncio.wrap_future(future), self.function_timeout)
            except TimeoutError:
                slot.stream.forget(key)
                self._restart(slot, f"invocation {invocation_id} of {function.name} timed out")
                raise FunctionTimeoutError(
                    f"Timeout value of {_timespan(self.function_timeout)} exceeded by function "
                    f"'Functions.{function.name}' (Id: '{invocation_id}'). Initiating cancellation."
                ) from None
        finally:
            slot.running -= 1
            self._invocations.pop(invocation_id, None)
        response = reply.invocation_response
        error = None
        if response.result.status != SUCCESS:
            error = RemoteError(response.result.exception.message, response.result.exception.stack_trace)
        return InvocationOutcome(
            invocation_id=invocation_id,
            return_value=response.return_value if response.HasField("return_value") else None,
            outputs={binding.name: binding.data for binding in response.output_data},
            error=error,
        )

    async def _ready_slot(self) -> _Slot:
        deadline = time.monotonic() + self._startup_timeout
        while True:
            with self._lock:
                # A stream that ended (its worker died) is skipped at once, not only once the
                # watcher has seen the process exit: the host does not send to a dead channel.
                ready = [
                    s
                    for s in self._slots
                    if s.ready.is_set() and s.stream is not None and not s.stream.closed.is_set()
                ]
            if ready:
                return min(ready, key=lambda s: (s.running, s.index))
            if self._stopping.is_set():
                raise WorkerConnectionLostError("the host is stopping: no worker takes invocations")
            if time.monotonic() > deadline:
                raise WorkerStartError(
                    f"no language worker became ready within {self._startup_timeout:.0f} s"
                )
            await asyncio.sleep(0.01)

    # -- starting and restarting a worker process ------------------------------------------------------
    def _start_slot(self, slot: _Slot) -> tuple[FunctionMetadata, ...]:
        assert self._server is not None
        started = time.perf_counter()
        slot.worker_id = str(uuid.uuid4())
        slot.stream = self._server.expect(slot.worker_id, self._relay_log)
        slot.process = WorkerProcess(
            worker_id=slot.worker_id, request_id=self._request_id, port=self._server.port,
            app_dir=self.app_dir, environment=self._environment,
            max_message_length=self._max_message_length, python=self._python,
        )
        self._await_stream(slot)
        self._call(slot, protos.StreamingMessage(
            request_id=self._request_id,
            worker_init_request=protos.WorkerInitRequest(
                host_version=HOST_VERSION,
                function_app_directory=str(self.app_dir),
                worker_directory=str(Path(__file__).parent),
            ),
        ), "worker_init_response", "worker init")
        metadata = self._call(slot, protos.StreamingMessage(
            request_id=self._request_id,
            functions_metadata_request=protos.FunctionsMetadataRequest(function_app_directory=str(self.app_dir)),
        ), "function_metadata_response", "function indexing")
        if metadata.use_default_metadata_indexing:
            raise WorkerRefusedError(
                f"{self.app_dir}: the worker asked for host indexing (function.json); devhost runs "
                "Python v2-model apps only"
            )
        functions = tuple(_metadata(result) for result in metadata.function_metadata_results)
        for function in functions:
            self._call(slot, protos.StreamingMessage(
                request_id=self._request_id,
                function_load_request=protos.FunctionLoadRequest(function_id=function.function_id,
                                                                 metadata=function.raw),
            ), "function_load_response", f"loading function {function.name!r}")
        self.init_seconds.append(time.perf_counter() - started)
        slot.ready.set()
        watcher = threading.Thread(target=self._watch, args=(slot, slot.process), daemon=True,
                                   name=f"worker-watch-{slot.index}")
        watcher.start()
        LOGGER.info("worker %s (pid %d) loaded %d functions in %.0f ms", slot.worker_id[:8],
                    slot.process.pid, len(functions), (time.perf_counter() - started) * 1000)
        return functions

    def _await_stream(self, slot: _Slot) -> None:
        assert slot.stream is not None and slot.process is not None
        deadline = time.monotonic() + self._startup_timeout
        while not slot.stream.connected.wait(0.05):
            code = slot.process.exit_code
            if code is not None:
                raise WorkerStartError(
                    f"the language worker exited with code {code} before opening its stream "
                    "(its output is in the log above)"
                )
            if time.monotonic() > deadline:
                slot.process.kill()
                raise WorkerStartError(
                    f"the language worker did not open its stream within {self._startup_timeout:.0f} s"
                )

    def _call(self, slot: _Slot, message: Any, reply_field: str, step: str) -> Any:
        assert slot.stream is not None
        future = slot.stream.request(message, request_key(message))
        try:
            reply = future.result(timeout=self._startup_timeout)
        except TimeoutError:
            raise WorkerStartError(
                f"{step}: the worker did not answer within {self._startup_timeout:.0f} s"
            ) from None
        except WorkerConnectionLostError as error:
            raise WorkerStartError(f"{step}: {error}") from error
        response = getattr(reply, reply_field)
        if response.result.status != SUCCESS:
            raise WorkerRefusedError(
                f"{self.app_dir}: the Python worker refused the app at {step}: "
                f"{response.result.exception.message}"
            )
        return response

    def _watch(self, slot: _Slot, process: WorkerProcess) -> None:
        """Wait for the process to end; unless the host is stopping, replace it."""
        code = process.wait()
        if self._stopping.is_set() or slot.process is not process:
            return
        self._replace(slot, f"worker {slot.worker_id[:8]} (pid {process.pid}) exited with code {code}")

    def _restart(self, slot: _Slot, reason: str) -> None:
        process = slot.process
        if process is not None:
            threading.Thread(target=self._replace, args=(slot, reason, process), daemon=True).start()

    def _replace(self, slot: _Slot, reason: str, kill: WorkerProcess | None = None) -> None:
        with self._lock:
            if not slot.ready.is_set() or (kill is not None and slot.process is not kill):
                return
            slot.ready.clear()
        LOGGER.warning("%s; starting a new worker", reason)
        if slot.stream is not None:
            slot.stream.close(reason)
        if kill is not None:
            kill.kill()
        if self._server is not None and slot.worker_id:
            self._server.release(slot.worker_id)
        if self._stopping.is_set():
            return
        self.restarts += 1
        try:
            self._start_slot(slot)
        except Exception:
            LOGGER.exception("the replacement worker did not start")

    # -- logs ----------------------------------------------------------------------------------------
    def _relay_log(self, log: Any) -> None:
        """A worker's RpcLog into devhost's log: the app's own records at their level, the worker
        library's below WARNING at DEBUG, each with the invocation (and function) it came from."""
        level = _RPC_LEVELS.get(log.level, logging.INFO)
        if log.log_category == protos.RpcLog.System and level < logging.WARNING:
            level = logging.DEBUG
        if not LOG_RELAY.isEnabledFor(level):
            return
        invocation = log.invocation_id or None
        function = self._invocations.get(invocation, "") if invocation else ""
        prefix = f"[{function} {invocation}] " if invocation else ""
        LOG_RELAY.log(level, "%s%s: %s", prefix, log.category, log.message,
                      extra={"invocation_id": invocation, "function": function or None})


def _metadata(result: Any) -> FunctionMetadata:
    return FunctionMetadata(
        function_id=result.function_id,
        name=result.name,
        bindings=tuple(json.loads(raw) for raw in result.raw_bindings),
        raw=result,
    )


def _timespan(seconds: float | None) -> str:
    total = int(seconds or 0)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"

