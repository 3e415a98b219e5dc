"""Queue triggers and queue output bindings on Azure Storage queues (Azurite locally).

Delivery follows the queue extension: messages are received in batches and held invisible while a
function runs; success deletes the message; failure makes it visible again after
`visibilityTimeout`, so dequeue_count grows; after `maxDequeueCount` failed deliveries the message
moves, body unchanged, to `<queue>-poison`. A message that cannot be decoded (not base64 under the
default encoding) goes there at once, as the extension's MessageDecodingFailed handler sends it. An
empty queue is polled with exponential backoff up to `maxPollingInterval`, and a write by this host
to a queue it listens on wakes the listener at once (the extension's shared queue watcher does the
same).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueMessage as StorageMessage
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from devhost.errors import BindingError, SettingsError
from devhost.settings import parse_timespan

LOGGER = logging.getLogger("devhost.queues")

POISON_SUFFIX = "-poison"
# How long a received message stays hidden while its function runs (the extension renews a
# 10-minute lease; devhost holds one long lease instead).
PROCESSING_LEASE_SECONDS = 600
MIN_POLLING_INTERVAL = 0.1
_QUEUE_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class QueueOptions:
    """host.json `extensions.queues`, with the extension's defaults.

    maxPollingInterval defaults to 2 s here (Azure: 1 minute) so a local run reacts quickly.
    """

    message_encoding: str = "base64"
    batch_size: int = 16
    new_batch_threshold: int = 8
    visibility_timeout: float = 0.0
    max_polling_interval: float = 2.0
    max_dequeue_count: int = 5

    @classmethod
    def from_host_json(cls, host_json: dict[str, Any]) -> QueueOptions:
        section = host_json.get("extensions", {}).get("queues", {})
        if not isinstance(section, dict):
            raise SettingsError("host.json extensions.queues: must be an object")
        encoding = str(section.get("messageEncoding", "base64")).lower()
        if encoding not in ("base64", "none"):
            raise SettingsError(
                f"host.json extensions.queues.messageEncoding: {encoding!r} must be base64 or none"
            )
        batch_size = _int_in(section, "batchSize", 16, 1, 32)
        threshold = _int_in(section, "newBatchThreshold", batch_size // 2, 0, 10_000)
        visibility = parse_timespan(section.get("visibilityTimeout", "00:00:00"),
                                    field="extensions.queues.visibilityTimeout")
        polling = parse_timespan(section.get("maxPollingInterval", "00:00:02"),
                                 field="extensions.queues.maxPollingInterval")
        if polling < MIN_POLLING_INTERVAL:
            raise SettingsError("host.json extensions.queues.maxPollingInterval: must be at least 100 ms")
        return cls(
            message_encoding=encoding,
            batch_size=batch_size,
            new_batch_threshold=threshold,
            visibility_timeout=visibility,
            max_polling_interval=polling,
            max_dequeue_count=_int_in(section, "maxDequeueCount", 5, 1, 10_000),
        )


def check_queue_name(name: str, *, where: str) -> str:
    """Storage queue names: 3-63 lowercase letters, digits and single hyphens."""
    if not _QUEUE_NAME.match(name):
        raise BindingError(
            f"{where}: queue name {name!r} is invalid (3-63 characters: lowercase letters, digits and "
            "single hyphens, starting and ending with a letter or digit)"
        )
    return name


def encode_body(body: bytes, encoding: str) -> str:
    """The text stored in the queue for a message body, under host.json messageEncoding."""
    if encoding == "base64":
        return base64.b64encode(body).decode("ascii")
    return body.decode("utf-8")


def decode_body(text: str, encoding: str) -> bytes:
    """The body a function sees; ValueError when base64 is expected and the text is not base64."""
    if encoding == "base64":
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as error:
            raise ValueError(
                "queue message is not valid base64 (host.json extensions.queues.messageEncoding is base64)"
            ) from error
    return text.encode("utf-8")


def output_bodies(value: Any, *, where: str) -> list[bytes]:
    """Message bodies from a queue output as the worker returned it: a string, bytes, or JSON: one
    message as `{"id", "body"}` (a QueueMessage) or a list of strings and such objects."""
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    bodies: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            bodies.append(item.encode("utf-8"))
        elif isinstance(item, bytes | bytearray):
            bodies.append(bytes(item))
        elif isinstance(item, dict) and isinstance(item.get("body"), str):
            bodies.append(str(item["body"]).encode("utf-8"))
        else:
            raise BindingError(
                f"{where}: queue output value must be str, bytes, QueueMessage or a list of them, "
                f"got {type(item).__name__}"
            )
    return bodies


@dataclass(frozen=True)
class ReceivedMessage:
    """A dequeued message as the trigger hands it on: the decoded body and the message's properties."""

    id: str
    body: bytes
    dequeue_count: int
    inserted_on: datetime | None
    expires_on: datetime | None
    next_visible_on: datetime | None
    pop_receipt: str | None


def received(message: StorageMessage, body: bytes) -> ReceivedMessage:
    return ReceivedMessage(
        id=message.id, body=body, dequeue_count=message.dequeue_count or 1,
        inserted_on=message.inserted_on, expires_on=message.expires_on,
        next_visible_on=message.next_visible_on, pop_receipt=message.pop_receipt,
    )


class QueueGateway:
    """Storage clients per connection string, queue creation, and the wake-up signal for listeners."""

    def __init__(self) -> None:
        self._services: dict[str, QueueServiceClient] = {}
        self._created: set[tuple[str, str]] = set()
        self._watchers: dict[tuple[str, str], set[asyncio.Event]] = {}

    def queue(self, connection_string: str, name: str) -> QueueClient:
        service = self._services.get(connection_string)
        if service is None:
            service = QueueServiceClient.from_connection_string(connection_string)
            self._services[connection_string] = service
        return service.get_queue_client(name)

    async def ensure_queue(self, connection_string: str, name: str) -> QueueClient:
        client = self.queue(connection_string, name)
        if (connection_string, name) not in self._created:
            with contextlib.suppress(ResourceExistsError):
                await client.create_queue()
            self._created.add((connection_string, name))
        return client

    async def send(self, connection_string: str, name: str, text: str) -> None:
        client = await self.ensure_queue(connection_string, name)
        await client.send_message(text)
        for event in self._watchers.get((connection_string, name), ()):
            event.set()

    def watch(self, connection_string: str, name: str, event: asyncio.Event) -> None:
        self._watchers.setdefault((connection_string, name), set()).add(event)

    async def close(self) -> None:
        for service in self._services.values():
            await service.close()
        self._services.clear()
        self._created.clear()


MessageHandler = Callable[[ReceivedMessage], Awaitable[None]]


class QueueListener:
    """Delivers one queue's messages to one function, with the extension's retry and poison rules."""

    def __init__(
        self, *, gateway: QueueGateway, connection_string: str, queue_name: str, options: QueueOptions,
        handler: MessageHandler, function_name: str,
    ) -> None:
        self._gateway = gateway
        self._connection = connection_string
        self.queue_name = queue_name
        self._options = options
        self._handler = handler
        self._function_name = function_name
        self._wake = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._slot_freed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        await self._gateway.ensure_queue(self._connection, self.queue_name)
        self._gateway.watch(self._connection, self.queue_name, self._wake)
        self._task = asyncio.create_task(self._run(), name=f"queue-listener:{self.queue_name}")

    async def stop(self) -> None:
        """Stop fetching and let messages already being processed finish (they are then deleted)."""
        self._stopping = True  # checked by the loop too: Python 3.11's wait_for can swallow a cancel
        self._wake.set()
        self._slot_freed.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _run(self) -> None:
        client = self._gateway.queue(self._connection, self.queue_name)
        delay = MIN_POLLING_INTERVAL
        while not self._stopping:
            if len(self._in_flight) > self._options.new_batch_threshold:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                continue
            try:
                received = [] if self._stopping else await self._receive(client)
            except Exception as error:  # storage hiccup: log, back off, keep listening
                LOGGER.warning("receive from queue %s failed: %s", self.queue_name, error)
                received = []
            if self._stopping:
                await self._release(client, received)
                return
            for message in received:
                task = asyncio.create_task(self._process(client, message))
                self._in_flight.add(task)
                task.add_done_callback(self._finished)
            if received:
                delay = MIN_POLLING_INTERVAL
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            delay = min(delay * 2, self._options.max_polling_interval)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._slot_freed.set()

    async def _receive(self, client: QueueClient) -> list[StorageMessage]:
        pager = client.receive_messages(
            messages_per_page=self._options.batch_size,
            max_messages=self._options.batch_size,
            visibility_timeout=PROCESSING_LEASE_SECONDS,
        )
        return [message async for message in pager]

    async def _release(self, client: QueueClient, messages: list[StorageMessage]) -> None:
        """Make messages received during shutdown visible again at once, for the next host."""
        for message in messages:
            with contextlib.suppress(Exception):
                await client.update_message(message.id, message.pop_receipt, visibility_timeout=0)

    async def _process(self, client: QueueClient, message: StorageMessage) -> None:
        dequeue_count = message.dequeue_count or 1
        if dequeue_count > self._options.max_dequeue_count:
            await self._poison(client, message)
            return
        try:
            body = decode_body(message.content, self._options.message_encoding)
        except ValueError as error:
            # The queue extension's MessageDecodingFailed handler: straight to the poison queue, the
            # stored text unchanged, without invoking the function or waiting for more deliveries.
            LOGGER.warning("function %s: message %s: %s", self._function_name, message.id, error)
            await self._poison(client, message)
            return
        try:
            await self._handler(received(message, body))
        except Exception:
            await self._after_failure(client, message, dequeue_count)
            return
        with contextlib.suppress(ResourceNotFoundError):
            await client.delete_message(message.id, message.pop_receipt)

    async def _after_failure(self, client: QueueClient, message: StorageMessage, dequeue_count: int) -> None:
        if dequeue_count >= self._options.max_dequeue_count:
            await self._poison(client, message)
            return
        with contextlib.suppress(ResourceNotFoundError):
            await client.update_message(
                message.id, message.pop_receipt, visibility_timeout=int(self._options.visibility_timeout)
            )
        if self._options.visibility_timeout == 0:
            self._wake.set()

    async def _poison(self, client: QueueClient, message: StorageMessage) -> None:
        poison = f"{self.queue_name}{POISON_SUFFIX}"
        LOGGER.warning(
            "function %s: message %s moved to %s after %s deliveries",
            self._function_name, message.id, poison, message.dequeue_count,
        )
        await self._gateway.send(self._connection, poison, message.content)
        with contextlib.suppress(ResourceNotFoundError):
            await client.delete_message(message.id, message.pop_receipt)


def _int_in(section: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SettingsError(
            f"host.json extensions.queues.{key}: {value!r} must be an integer from {low} to {high}"
        )
    return value
