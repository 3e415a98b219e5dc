"""Indexing functions from a real FunctionApp, and invoking them with output bindings."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import azure.functions as func
import pytest

from devhost.app_loader import index_function
from devhost.errors import BindingError
from devhost.http_server import HttpKeys
from devhost.invoke import call_function, check_parameters


def build_app() -> func.FunctionApp:
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="in", connection="AzureWebJobsStorage")
    @app.queue_output(arg_name="out", queue_name="out", connection="AzureWebJobsStorage")
    def relay(msg: func.QueueMessage, out: func.Out[str]) -> None:
        out.set(msg.get_body().decode().upper())

    @app.queue_trigger(arg_name="msg", queue_name="in2", connection="AzureWebJobsStorage")
    async def silent(msg: func.QueueMessage) -> str:
        await asyncio.sleep(0)
        return "done"

    @app.service_bus_queue_trigger(arg_name="m", queue_name="q", connection="SB")
    def bus(m: func.ServiceBusMessage) -> None:
        pass

    return app


def functions_by_name() -> dict[str, func.Function]:
    return {str(f.get_function_name()): f for f in build_app().get_functions()}


def test_index_classifies_trigger_and_bindings() -> None:
    relay = index_function(functions_by_name()["relay"])
    assert relay.trigger_type == "queueTrigger"
    assert [b["queueName"] for b in relay.bindings_of("OUT", "queue")] == ["out"]
    check_parameters(relay)


def test_unsupported_trigger_is_a_binding_error_naming_the_function() -> None:
    with pytest.raises(BindingError, match=r"function 'bus'.*serviceBusTrigger"):
        index_function(functions_by_name()["bus"])


def test_sync_function_output_binding_is_collected() -> None:
    relay = index_function(functions_by_name()["relay"])
    message = func.QueueMessage(body=b"hi")
    with ThreadPoolExecutor(1) as executor:
        result = asyncio.run(call_function(relay, {"msg": message}, executor=executor))
    assert result.outputs == {"out": "HI"} and result.return_value is None


def test_async_function_return_value_is_returned_and_unset_outputs_are_absent() -> None:
    silent = index_function(functions_by_name()["silent"])
    with ThreadPoolExecutor(1) as executor:
        result = asyncio.run(call_function(silent, {"msg": func.QueueMessage(body=b"x")}, executor=executor))
    assert (result.return_value, dict(result.outputs)) == ("done", {})


def test_keys_by_auth_level() -> None:
    keys = HttpKeys(function_keys=frozenset({"f"}), master_key="m")
    assert keys.allows("ANONYMOUS", None)
    assert keys.allows("FUNCTION", "f") and keys.allows("FUNCTION", "m") and not keys.allows("FUNCTION", None)
    assert keys.allows("ADMIN", "m") and not keys.allows("ADMIN", "f")
    assert HttpKeys().allows("ADMIN", None)
