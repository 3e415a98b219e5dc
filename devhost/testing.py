"""Run a DevHost in a background thread, for tests and scripts that are not themselves async.

The host keeps ONE event loop for its whole life (the durable client SDK's session is bound to the
loop that first used it), so synchronous callers hand coroutines to that loop with `call()`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from devhost.host import DevHost
from devhost.queues import decode_body, encode_body
from devhost.worker.language_worker import InvocationOutcome

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0


class RunningDevHost:
    """A started host and its loop thread; every method is safe to call from the test's thread."""

    def __init__(self, host: DevHost, loop: asyncio.AbstractEventLoop) -> None:
        self.host = host
        self.loop = loop

    @property
    def base_url(self) -> str:
        return self.host.base_url

    @property
    def engine(self) -> Any:
        return self.host.engine

    @property
    def azurite_connection(self) -> str | None:
        return self.host.azurite_connection

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = DEFAULT_TIMEOUT) -> T:
        """Run a coroutine on the host's loop and wait for its result (TimeoutError after `timeout`)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def fire_timer(self, name: str, timeout: float = DEFAULT_TIMEOUT) -> InvocationOutcome:
        """Run a timer function now and wait for it to finish (its exception, if any, is raised)."""
        return self.call(self.host.fire_timer(name), timeout)

    def run_function(self, name: str, input: str = "", timeout: float = DEFAULT_TIMEOUT) -> InvocationOutcome:
        """Invoke a queue or timer function directly, as POST /admin/functions/{name} would."""
        return self.call(self.host.run_function(name, input), timeout)

    def wait_for_orchestration(self, instance_id: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Wait until the instance exists (a trigger may not have started it yet) and completes.

        Returns the engine's final status; raises TimeoutError when `timeout` wall seconds pass.
        """
        return self.call(self._wait_for_orchestration(instance_id, timeout), timeout + 5.0)

    async def _wait_for_orchestration(self, instance_id: str, timeout: float) -> Any:
        deadline = self.loop.time() + timeout
        while await self.engine.get_status(instance_id) is None:
            if self.loop.time() > deadline:
                raise TimeoutError(f"orchestration {instance_id!r} was not started within {timeout}s")
            await asyncio.sleep(0.02)
        return await self.engine.wait_for_completion(instance_id, max(0.1, deadline - self.loop.time()))

    def send_queue_message(
        self, queue_name: str, body: str | bytes, *, connection: str | None = None
    ) -> None:
        """Put a message on a queue, encoded per host.json messageEncoding (as a producer must)."""
        raw = body.encode("utf-8") if isinstance(body, str) else body
        text = encode_body(raw, self.host.queue_options.message_encoding)
        target = self.host.connection_string(connection)
        self.call(self.host.gateway.send(target, queue_name, text))

    def peek_queue_messages(self, queue_name: str, *, connection: str | None = None,
                            max_messages: int = 32) -> list[bytes]:
        """Bodies (decoded per messageEncoding) of the visible messages of a queue, without removing them."""
        return self.call(self._peek(queue_name, connection, max_messages))

    async def _peek(self, queue_name: str, connection: str | None, max_messages: int) -> list[bytes]:
        client = await self.host.gateway.ensure_queue(self.host.connection_string(connection), queue_name)
        messages = await client.peek_messages(max_messages=max_messages)
        encoding = self.host.queue_options.message_encoding
        return [decode_body(message.content, encoding) for message in messages]


@contextmanager
def running_devhost(
    app_dir: str | Path, *, start_timeout: float = 60.0, stop_timeout: float = 60.0, **options: Any
) -> Iterator[RunningDevHost]:
    """Start `DevHost(app_dir, **options)` on a background loop; stop it and the loop on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="devhost-loop", daemon=True)
    thread.start()
    handle = RunningDevHost(DevHost(app_dir, **options), loop)
    try:
        handle.call(handle.host.start(), start_timeout)
        yield handle
    finally:
        try:
            if handle.host.started:
                handle.call(handle.host.stop(), stop_timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(stop_timeout)
            loop.close()
