"""Queue triggers and outputs on a real Azurite: encodings, durable starters, retries, poison queue."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient

from devhost.testing import running_devhost
from tests.functional.devhost.host.conftest import eventually, records

pytestmark = pytest.mark.timeout(90)


def raw_messages(connection: str, queue: str) -> list[str]:
    """The stored text of a queue's visible messages, read straight from Azurite."""
    client = QueueClient.from_connection_string(connection, queue)
    try:
        return [m.content for m in client.peek_messages(max_messages=32)]
    except ResourceNotFoundError:  # the queue does not exist (yet)
        return []
    finally:
        client.close()


def send_raw(connection: str, queue: str, text: str) -> str:
    """Enqueue stored text as it is; returns the message id Azurite gave it."""
    client = QueueClient.from_connection_string(connection, queue)
    try:
        with contextlib.suppress(ResourceExistsError):
            client.create_queue()
        return str(client.send_message(text).id)
    finally:
        client.close()


def test_base64_message_starts_orchestration_and_writes_output(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], tmp_path: Path
) -> None:
    orders, receipts = queue_name("orders"), queue_name("receipts")
    settings = {"ORDERS_QUEUE": orders, "RECEIPTS_QUEUE": receipts}
    with running_devhost(sample("host_queue"), azurite_connection=azurite, settings=settings,
                         store_path=tmp_path / "hub.sqlite") as host:
        # A producer base64-encodes, as the queue extension expects by default.
        send_raw(azurite, orders, base64.b64encode(json.dumps({"id": 7, "item": "lamp"}).encode()).decode())

        status = host.wait_for_orchestration("order-7", timeout=30)
        assert status.runtime_status == "Completed"
        assert status.output == {"order": 7, "packed": "box for lamp"}

        stored = eventually(lambda: raw_messages(azurite, receipts))
        assert json.loads(base64.b64decode(stored[0])) == {"order": 7, "instance": "order-7", "count": 1}
        assert host.peek_queue_messages(receipts) == [base64.b64decode(stored[0])]
        eventually(lambda: raw_messages(azurite, orders) == [])


def test_none_encoding_delivers_text_and_return_value_output(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str]
) -> None:
    settings = {"ECHO_QUEUE": queue_name("echo"), "ECHO_OUT_QUEUE": queue_name("echo-out"),
                "FAILING_QUEUE": queue_name("failing")}
    with running_devhost(sample("host_queue_none"), azurite_connection=azurite, settings=settings):
        send_raw(azurite, settings["ECHO_QUEUE"], "plain text, not base64")
        assert eventually(lambda: raw_messages(azurite, settings["ECHO_OUT_QUEUE"])) == [
            "PLAIN TEXT, NOT BASE64"
        ]


def test_failing_function_retries_then_moves_message_to_poison_queue(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], record_file: Path
) -> None:
    failing = queue_name("failing")
    settings = {"ECHO_QUEUE": queue_name("echo"), "ECHO_OUT_QUEUE": queue_name("echo-out"),
                "FAILING_QUEUE": failing, "SAMPLE_RECORD_FILE": str(record_file)}
    with running_devhost(sample("host_queue_none"), azurite_connection=azurite, settings=settings):
        message_id = send_raw(azurite, failing, "doomed")
        poisoned = eventually(lambda: raw_messages(azurite, f"{failing}-poison"))
        assert poisoned == ["doomed"]
        delivered = records(record_file)
        # host.json maxDequeueCount is 3: three deliveries, dequeue count growing each time.
        assert [d["dequeue_count"] for d in delivered] == [1, 2, 3]
        # Every delivery is the same stored message: its id and insertion time, as the storage gave
        # them, reaching the function through the trigger metadata.
        assert {d["id"] for d in delivered} == {message_id}
        inserted = {datetime.fromisoformat(d["insertion_time"]) for d in delivered}
        assert len(inserted) == 1 and next(iter(inserted)).tzinfo is not None
        assert raw_messages(azurite, failing) == []


def test_invalid_base64_message_ends_in_poison_queue_unchanged(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str], tmp_path: Path,
    record_file: Path,
) -> None:
    orders = queue_name("orders")
    settings = {"ORDERS_QUEUE": orders, "RECEIPTS_QUEUE": queue_name("receipts"),
                "SAMPLE_RECORD_FILE": str(record_file)}
    with running_devhost(sample("host_queue"), azurite_connection=azurite, settings=settings,
                         store_path=tmp_path / "hub.sqlite"):
        send_raw(azurite, orders, "{not base64}")
        assert eventually(lambda: raw_messages(azurite, f"{orders}-poison")) == ["{not base64}"]
        # Moved on the first delivery, before the function could see it (MessageDecodingFailed).
        assert records(record_file) == []
        assert raw_messages(azurite, orders) == []


def test_admin_endpoint_delivers_input_as_message_body(
    azurite: str, sample: Callable[[str], Path], queue_name: Callable[[str], str]
) -> None:
    settings = {"ECHO_QUEUE": queue_name("echo"), "ECHO_OUT_QUEUE": queue_name("echo-out"),
                "FAILING_QUEUE": queue_name("failing")}
    with running_devhost(sample("host_queue_none"), azurite_connection=azurite, settings=settings) as host:
        prepared = urllib.request.Request(
            f"{host.base_url}/admin/functions/echo", data=json.dumps({"input": "via admin"}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(prepared, timeout=10) as response:
            assert response.status == 202
        assert eventually(lambda: raw_messages(azurite, settings["ECHO_OUT_QUEUE"])) == ["VIA ADMIN"]


def test_host_starts_its_own_azurite_for_development_storage(
    sample: Callable[[str], Path], queue_name: Callable[[str], str]
) -> None:
    settings = {"ECHO_QUEUE": queue_name("echo"), "ECHO_OUT_QUEUE": queue_name("echo-out"),
                "FAILING_QUEUE": queue_name("failing")}
    with running_devhost(sample("host_queue_none"), settings=settings) as host:
        own = host.azurite_connection
        assert own is not None and "QueueEndpoint=http://127.0.0.1:" in own
        host.send_queue_message(settings["ECHO_QUEUE"], "mine")
        assert eventually(lambda: host.peek_queue_messages(settings["ECHO_OUT_QUEUE"])) == [b"MINE"]
    assert host.azurite_connection is None  # stopped with the host
