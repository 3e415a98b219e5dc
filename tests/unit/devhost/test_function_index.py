"""The host's view of the worker's metadata: which bindings devhost serves, and HTTP keys."""

from __future__ import annotations

from typing import Any

import pytest

from devhost.errors import BindingError
from devhost.function_index import index_function, index_functions
from devhost.http_server import HttpKeys
from devhost.worker.language_worker import FunctionMetadata


def metadata(name: str, *bindings: dict[str, Any]) -> FunctionMetadata:
    return FunctionMetadata(function_id=f"id-{name}", name=name, bindings=tuple(bindings), raw=None)


QUEUE_IN = {"type": "queueTrigger", "direction": "IN", "name": "msg", "queueName": "in"}
QUEUE_OUT = {"type": "queue", "direction": "OUT", "name": "out", "queueName": "out"}


def test_index_classifies_trigger_and_bindings() -> None:
    relay = index_function(metadata("relay", QUEUE_IN, QUEUE_OUT))
    assert relay.trigger_type == "queueTrigger" and relay.function_id == "id-relay"
    assert [b["queueName"] for b in relay.bindings_of("OUT", "queue")] == ["out"]


def test_unsupported_trigger_is_a_binding_error_naming_the_function() -> None:
    bus = {"type": "serviceBusTrigger", "direction": "IN", "name": "m", "queueName": "q"}
    with pytest.raises(BindingError, match=r"function 'bus'.*serviceBusTrigger"):
        index_function(metadata("bus", bus))


def test_an_http_output_beside_a_queue_trigger_is_refused() -> None:
    http_out = {"type": "http", "direction": "OUT", "name": "$return"}
    with pytest.raises(BindingError, match=r"binding '\$return' of type 'http'.*with a queueTrigger"):
        index_function(metadata("odd", QUEUE_IN, http_out))


def test_a_function_without_a_trigger_is_refused() -> None:
    with pytest.raises(BindingError, match="exactly one trigger binding, found 0"):
        index_function(metadata("none", QUEUE_OUT))


def test_function_names_are_unique_case_insensitively() -> None:
    with pytest.raises(BindingError, match="two functions are named 'Relay'"):
        index_functions([metadata("relay", QUEUE_IN), metadata("Relay", QUEUE_IN)])


def test_keys_by_auth_level() -> None:
    keys = HttpKeys(function_keys=frozenset({"f"}), master_key="m")
    assert keys.allows("ANONYMOUS", None)
    assert keys.allows("FUNCTION", "f") and keys.allows("FUNCTION", "m") and not keys.allows("FUNCTION", None)
    assert keys.allows("ADMIN", "m") and not keys.allows("ADMIN", "f")
    assert HttpKeys().allows("ADMIN", None)
