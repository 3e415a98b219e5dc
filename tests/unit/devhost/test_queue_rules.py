"""Queue options from host.json, message encodings and output values."""

from __future__ import annotations

import base64

import pytest

from devhost.errors import BindingError, SettingsError
from devhost.queues import QueueOptions, check_queue_name, decode_body, encode_body, output_bodies


def test_defaults_follow_the_queue_extension() -> None:
    options = QueueOptions.from_host_json({})
    assert (options.message_encoding, options.batch_size, options.new_batch_threshold) == ("base64", 16, 8)
    assert (options.visibility_timeout, options.max_dequeue_count) == (0.0, 5)


def test_host_json_values_are_read() -> None:
    options = QueueOptions.from_host_json({"extensions": {"queues": {
        "messageEncoding": "None", "batchSize": 4, "newBatchThreshold": 1, "visibilityTimeout": "00:00:10",
        "maxPollingInterval": "00:00:00.500", "maxDequeueCount": 2}}})
    assert options == QueueOptions("none", 4, 1, 10.0, 0.5, 2)


@pytest.mark.parametrize(
    ("queues", "field"),
    [({"messageEncoding": "utf8"}, "messageEncoding"), ({"batchSize": 64}, "batchSize"),
     ({"maxDequeueCount": "5"}, "maxDequeueCount"),
     ({"maxPollingInterval": "00:00:00.010"}, "maxPollingInterval")],
)
def test_invalid_options_name_the_field(queues: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError, match=rf"extensions\.queues\.{field}"):
        QueueOptions.from_host_json({"extensions": {"queues": queues}})


def test_base64_round_trip_and_none_encoding() -> None:
    stored = encode_body("héllo".encode(), "base64")
    assert base64.b64decode(stored) == "héllo".encode()
    assert decode_body(stored, "base64") == "héllo".encode()
    assert encode_body(b"plain", "none") == "plain" and decode_body("plain", "none") == b"plain"
    with pytest.raises(ValueError, match="not valid base64"):
        decode_body("{not base64}", "base64")


def test_output_values_become_message_bodies() -> None:
    """As the worker sends them: a string, bytes, or JSON of strings and QueueMessage objects."""
    assert output_bodies("a", where="f") == [b"a"]
    assert output_bodies(["a", b"b", {"id": "1", "body": "m"}], where="f") == [b"a", b"b", b"m"]
    with pytest.raises(BindingError, match="function 'f': queue output value must be"):
        output_bodies({"a": 1}, where="function 'f'")


@pytest.mark.parametrize("name", ["ab", "-orders", "orders-", "Orders", "or--ders", "x" * 64])
def test_invalid_queue_names(name: str) -> None:
    with pytest.raises(BindingError, match="queue name"):
        check_queue_name(name, where="function 'f'")


def test_valid_queue_name_passes() -> None:
    assert check_queue_name("image-requests-2", where="f") == "image-requests-2"
