"""The worker process's side of the host-worker protocol, around the real worker library.

On the Functions platform (Python 3.13+) the host starts a small language-worker process that opens
the gRPC EventStream to the host, announces itself with StartStream, and hands every request to
the worker library, azure-functions-runtime, which indexes, loads and invokes the app's functions.
This module is that process for devhost: it forwards WorkerInitRequest, FunctionsMetadataRequest,
FunctionLoadRequest and InvocationRequest to the library unchanged (the library's own binding and
annotation checks decide what loads), answers WorkerStatusRequest, exits on WorkerTerminate or
when the stream ends, and relays every log record as an RpcLog carrying the invocation id of the
function that wrote it. It imports nothing of the host's side of devhost.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import grpc

from devhost.worker import protos

LOGGER = logging.getLogger("devhost.worker")

# Loggers whose records are the platform's own (RpcLog category System); the rest are the app's.
SYSTEM_LOGGERS = ("azure.functions", "azure_functions_runtime", "devhost.worker", "grpc")
DEBUG_LOGGING_SETTING = "PYTHON_ENABLE_DEBUG_LOGGING"
TRUE_LIKE = {"1", "true", "t", "yes", "y"}

_LEVELS = (
    (logging.CRITICAL, protos.RpcLog.Critical),
    (logging.ERROR, protos.RpcLog.Error),
    (logging.WARNING, protos.RpcLog.Warning),
    (logging.INFO, protos.RpcLog.Information),
    (logging.DEBUG, protos.RpcLog.Debug),
)

_current_invocation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "devhost_worker_invocation", default=None
)


@dataclass
class WorkerRequest:
    """What the library's handlers take: the StreamingMessage and, for init, the protos and host."""

    name: str
    request: Any
    properties: dict[str, Any] | None = None


class StreamClosed:
    """Put on the outgoing queue to end the request stream."""


class Connection:
    """The gRPC channel to the host: a thread reads the host's messages, a queue feeds ours."""

    def __init__(self, address: str, max_message_length: int | None, connect_timeout: float) -> None:
        self._address = address
        self._options = []
        if max_message_length:
            self._options = [
                ("grpc.max_receive_message_length", max_message_length),
                ("grpc.max_send_message_length", max_message_length),
            ]
        self._connect_timeout = connect_timeout
        self._outgoing: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None

    def send(self, message: Any) -> None:
        self._outgoing.put(message)

    def close(self) -> None:
        """End our side of the stream; the reader thread ends with the host's side (it is a daemon,
        so a host that keeps its side open does not hold the process)."""
        self._outgoing.put(StreamClosed())

    def open(
        self, on_message: Callable[[Any], None], on_closed: Callable[[BaseException | None], None]
    ) -> None:
        """Connect (raising when the host does not answer in time) and start reading in a thread."""
        channel = grpc.insecure_channel(self._address, self._options)
        grpc.channel_ready_future(channel).result(timeout=self._connect_timeout)
        stub = protos.FunctionRpcStub(channel)
        responses = stub.EventStream(self._requests())

        def read() -> None:
            error: BaseException | None = None
            try:
                for message in responses:
                    on_message(message)
            except grpc.RpcError as rpc_error:
                if rpc_error.code() != grpc.StatusCode.CANCELLED:
                    error = rpc_error
            finally:
                channel.close()
                on_closed(error)

        self._thread = threading.Thread(target=read, name="grpc-reader", daemon=True)
        self._thread.start()

    def _requests(self) -> Iterator[Any]:
        while True:
            message = self._outgoing.get()
            if isinstance(message, StreamClosed):
                return
            yield message


class RpcLogHandler(logging.Handler):
    """Every log record of the process, sent to the host as an RpcLog (with the invocation id)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        super().__init__()
        self._dispatcher = dispatcher

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
        except Exception:  # a record that cannot be formatted must not take the worker down
            message = str(record.msg)
        self._dispatcher.send_log(record, message)


class Dispatcher:
    """Routes the host's requests to the worker library and sends back its responses."""

    def __init__(self, connection: Connection, *, worker_id: str, request_id: str, host: str) -> None:
        self._connection = connection
        self._worker_id = worker_id
        self._request_id = request_id
        self._host = host
        self._runtime: ModuleType | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Announce the worker, switch logging to the stream, and serve until told to stop."""
        self._loop = asyncio.get_running_loop()
        self._done = self._loop.create_future()
        self._connection.open(self._on_message, self._on_closed)
        self._connection.send(
            protos.StreamingMessage(
                request_id=self._request_id, start_stream=protos.StartStream(worker_id=self._worker_id)
            )
        )
        handler = RpcLogHandler(self)
        root = logging.getLogger()
        for existing in list(root.handlers):
            root.removeHandler(existing)
        root.addHandler(handler)
        debug = os.environ.get(DEBUG_LOGGING_SETTING, "").strip().lower() in TRUE_LIKE
        root.setLevel(logging.DEBUG if debug else logging.INFO)
        try:
            await self._done
        finally:
            root.removeHandler(handler)
            self._stop_runtime()
            self._connection.close()

    # -- from the gRPC thread ------------------------------------------------------------------------
    def _on_message(self, message: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._spawn, message)

    def _on_closed(self, error: BaseException | None) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._finish, error)

    # -- on the event loop ---------------------------------------------------------------------------
    def _spawn(self, message: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._handle(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _finish(self, error: BaseException | None) -> None:
        if self._done is not None and not self._done.done():
            if error is not None:
                print(f"devhost worker: the host's stream ended: {error}", file=sys.stderr, flush=True)
            self._done.set_result(None)

    async def _handle(self, message: Any) -> None:
        kind = message.WhichOneof("content")
        if kind == "worker_init_request":
            reply = await self._worker_init(message)
        elif kind == "functions_metadata_request":
            reply = await self._call("functions_metadata_request", "function_metadata_response", message)
        elif kind == "function_load_request":
            reply = await self._call("function_load_request", "function_load_response", message)
        elif kind == "invocation_request":
            _current_invocation.set(message.invocation_request.invocation_id)
            reply = await self._call("invocation_request", "invocation_response", message)
        elif kind == "worker_status_request":
            reply = protos.StreamingMessage(
                request_id=message.request_id, worker_status_response=protos.WorkerStatusResponse()
            )
        elif kind == "worker_terminate":
            LOGGER.info("WorkerTerminate received: stopping")
            self._finish(None)
            return
        else:
            LOGGER.warning("unsupported message from the host: %s", kind)
            return
        self._connection.send(reply)

    async def _worker_init(self, message: Any) -> Any:
        """Load the library with the app folder importable, as the platform's worker does."""
        directory = message.worker_init_request.function_app_directory
        if directory and directory not in sys.path:
            sys.path.insert(0, directory)
        if directory and os.path.isdir(directory):
            os.chdir(directory)
        runtime = importlib.import_module("azure_functions_runtime")
        self._runtime = runtime
        runtime.start_threadpool_executor()
        request = WorkerRequest("WorkerInitRequest", message, {"protos": protos, "host": self._host})
        response = await runtime.worker_init_request(request)
        return protos.StreamingMessage(request_id=self._request_id, worker_init_response=response)

    async def _call(self, handler: str, reply_field: str, message: Any) -> Any:
        if self._runtime is None:
            raise RuntimeError(f"{handler} before WorkerInitRequest")
        response = await getattr(self._runtime, handler)(WorkerRequest(handler, message))
        return protos.StreamingMessage(request_id=message.request_id, **{reply_field: response})

    def _stop_runtime(self) -> None:
        if self._runtime is not None:
            self._runtime.stop_threadpool_executor()

    # -- logs ----------------------------------------------------------------------------------------
    def send_log(self, record: logging.LogRecord, message: str) -> None:
        level = next((rpc for threshold, rpc in _LEVELS if record.levelno >= threshold), protos.RpcLog.Trace)
        system = record.name.startswith(SYSTEM_LOGGERS)
        log = protos.RpcLog(
            level=level,
            message=message,
            category=record.name,
            log_category=protos.RpcLog.System if system else protos.RpcLog.User,
        )
        invocation_id = self._invocation_of_record()
        if invocation_id:
            log.invocation_id = invocation_id
        if record.exc_info and record.exc_info[1] is not None:
            log.exception.message = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self._connection.send(protos.StreamingMessage(request_id=self._request_id, rpc_log=log))

    def _invocation_of_record(self) -> str | None:
        """The invocation a record belongs to: this task's, or the library's (sync functions run
        on its thread pool, where it sets its own context variable)."""
        found = _current_invocation.get()
        if found:
            return found
        if self._runtime is not None:
            value = self._runtime.invocation_id_cv.get()
            return str(value) if value else None
        return None
