"""The host's end of the EventStream: a gRPC server that language workers connect to.

As on the platform, the host listens first and starts the worker with the server's address and a
worker id; the worker's first message, StartStream, names that id and binds the stream to it. From
then on requests go out on the stream's queue and each response is matched to its request by what
the protocol keys it on (the request id for init and metadata, the function id for a load, the
invocation id for an invocation). The server runs on its own threads, so one worker can serve
callers on any event loop: the host's, or a test's `asyncio.run`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import grpc

from devhost.worker import protos
from devhost.worker.errors import WorkerConnectionLostError

LOGGER = logging.getLogger("devhost.worker.channel")

LogSink = Callable[[Any], None]


class _EndOfStream:
    """Put on a stream's outgoing queue to end the server's response iterator."""


class WorkerStream:
    """One worker's stream: outgoing messages, responses awaited by key, and its logs."""

    def __init__(self, worker_id: str, on_log: LogSink) -> None:
        self.worker_id = worker_id
        self._on_log = on_log
        self._outgoing: queue.Queue[Any] = queue.Queue()
        self._pending: dict[str, Future[Any]] = {}
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.closed = threading.Event()

    def request(self, message: Any, key: str) -> Future[Any]:
        """Send `message`; the future resolves with the worker's response of that key."""
        future: Future[Any] = Future()
        with self._lock:
            if self.closed.is_set():
                closed = WorkerConnectionLostError(f"worker {self.worker_id}: the stream is closed")
                future.set_exception(closed)
                return future
            self._pending[key] = future
        self._outgoing.put(message)
        return future

    def send(self, message: Any) -> None:
        """Send without expecting an answer (WorkerTerminate)."""
        if not self.closed.is_set():
            self._outgoing.put(message)

    def forget(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)

    def close(self, reason: str) -> None:
        """End the stream; every caller still waiting gets WorkerConnectionLostError(reason)."""
        with self._lock:
            if self.closed.is_set():
                return
            self.closed.set()
            pending, self._pending = self._pending, {}
        self._outgoing.put(_EndOfStream())
        for future in pending.values():
            if not future.done():
                future.set_exception(WorkerConnectionLostError(reason))

    # -- used by the server's threads ----------------------------------------------------------------
    def outgoing(self) -> Iterator[Any]:
        while True:
            message = self._outgoing.get()
            if isinstance(message, _EndOfStream):
                return
            yield message

    def deliver(self, message: Any) -> None:
        kind = message.WhichOneof("content")
        if kind == "rpc_log":
            self._on_log(message.rpc_log)
            return
        key = response_key(message)
        if key is None:
            LOGGER.debug("worker %s sent %s, which no request waits for", self.worker_id, kind)
            return
        with self._lock:
            future = self._pending.pop(key, None)
        if future is None:
            LOGGER.warning("worker %s answered %s, which no request waits for", self.worker_id, key)
        elif not future.done():
            future.set_result(message)


def response_key(message: Any) -> str | None:
    """The key a response is matched on (request_key gives the same key for its request)."""
    kind = message.WhichOneof("content")
    if kind == "worker_init_response":
        return "init"
    if kind == "function_metadata_response":
        return "metadata"
    if kind == "function_load_response":
        return f"load:{message.function_load_response.function_id}"
    if kind == "invocation_response":
        return f"invocation:{message.invocation_response.invocation_id}"
    if kind == "worker_status_response":
        return f"status:{message.request_id}"
    return None


def request_key(message: Any) -> str:
    kind = message.WhichOneof("content")
    if kind == "worker_init_request":
        return "init"
    if kind == "functions_metadata_request":
        return "metadata"
    if kind == "function_load_request":
        return f"load:{message.function_load_request.function_id}"
    if kind == "invocation_request":
        return f"invocation:{message.invocation_request.invocation_id}"
    if kind == "worker_status_request":
        return f"status:{message.request_id}"
    raise ValueError(f"{kind} expects no response")


class _Servicer(protos.FunctionRpcServicer):  # type: ignore[misc]
    def __init__(self, server: RpcServer) -> None:
        self._server = server

    def EventStream(self, request_iterator: Iterator[Any], context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            first = next(request_iterator)
        except StopIteration:
            return
        if first.WhichOneof("content") != "start_stream":
            LOGGER.warning("a worker opened a stream without StartStream; closing it")
            return
        stream = self._server.attach(first.start_stream.worker_id)
        if stream is None:
            LOGGER.warning("StartStream from unknown worker %r; closing it", first.start_stream.worker_id)
            return

        def read() -> None:
            reason = f"worker {stream.worker_id}: the stream ended"
            try:
                for message in request_iterator:
                    stream.deliver(message)
            except grpc.RpcError as error:
                code = error.code().name if callable(getattr(error, "code", None)) else "closed"
                reason = f"worker {stream.worker_id}: the stream broke ({code})"
            except Exception as error:  # a bug in delivery must still release the waiting callers
                LOGGER.exception("worker %s: reading the stream failed", stream.worker_id)
                reason = f"worker {stream.worker_id}: reading the stream failed: {error}"
            finally:
                stream.close(reason)

        reader = threading.Thread(target=read, name=f"grpc-read-{stream.worker_id[:8]}", daemon=True)
        reader.start()
        stream.connected.set()
        context.add_callback(lambda: stream.close(f"worker {stream.worker_id}: the stream was cancelled"))
        yield from stream.outgoing()


class RpcServer:
    """The FunctionRpc service on 127.0.0.1: streams of the workers this host started."""

    def __init__(self, *, max_message_length: int, max_workers: int = 4) -> None:
        options = [
            ("grpc.max_receive_message_length", max_message_length),
            ("grpc.max_send_message_length", max_message_length),
        ]
        # Each stream holds one server thread for its lifetime (plus one reader thread of ours).
        self._server = grpc.server(ThreadPoolExecutor(max_workers=max_workers + 2), options=options)
        protos.add_FunctionRpcServicer_to_server(_Servicer(self), self._server)
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self._streams: dict[str, WorkerStream] = {}
        self._lock = threading.Lock()
        self._server.start()

    def expect(self, worker_id: str, on_log: LogSink) -> WorkerStream:
        """Register a worker about to be started; its StartStream attaches to the returned stream."""
        stream = WorkerStream(worker_id, on_log)
        with self._lock:
            self._streams[worker_id] = stream
        return stream

    def attach(self, worker_id: str) -> WorkerStream | None:
        with self._lock:
            return self._streams.get(worker_id)

    def release(self, worker_id: str) -> None:
        with self._lock:
            stream = self._streams.pop(worker_id, None)
        if stream is not None:
            stream.close(f"worker {worker_id}: released by the host")

    def stop(self) -> None:
        with self._lock:
            streams, self._streams = list(self._streams.values()), {}
        for stream in streams:
            stream.close(f"worker {stream.worker_id}: the host stopped")
        self._server.stop(grace=1).wait(timeout=5)
