"""The orchestrator and activity functions of the loaded app, callable the way the worker calls them.

The host indexes the app once (``app.get_functions()`` is not idempotent) and hands the list here.
Names follow the extension: the binding's ``orchestration``/``activity`` property when set,
otherwise the function name.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from devhost.durable.errors import UnknownFunctionError

ORCHESTRATION_TRIGGER = "orchestrationTrigger"
ACTIVITY_TRIGGER = "activityTrigger"


@dataclass(frozen=True)
class OrchestratorFunction:
    name: str
    handler: Callable[[str], str]

    def run(self, context_json: str) -> str:
        """Call the SDK's replay handler exactly as the worker does: one JSON string in, one out."""
        return self.handler(context_json)


@dataclass(frozen=True)
class ActivityFunction:
    name: str
    function: Callable[..., Any]
    input_name: str
    is_async: bool

    def decode_input(self, input_json: str | None) -> Any:
        """Decode like the worker's ActivityTriggerConverter (it receives the extension's JSON text)."""
        return ActivityTriggerConverter.decode(
            meta.Datum(type="json", value=input_json if input_json is not None else "null"),
            trigger_metadata=None,
        )

    @staticmethod
    def encode_output(value: Any) -> str:
        datum = ActivityTriggerConverter.encode(value, expected_type=None)
        return str(datum.value)


def _binding(function: func.Function) -> dict[str, Any]:
    for raw in function.get_raw_bindings():
        binding = json.loads(raw)
        if binding.get("type") in (ORCHESTRATION_TRIGGER, ACTIVITY_TRIGGER):
            return dict(binding)
    return {}


class FunctionRegistry:
    """Lookup of the app's durable functions by the name orchestrations use to call them."""

    def __init__(self) -> None:
        self.orchestrators: dict[str, OrchestratorFunction] = {}
        self.activities: dict[str, ActivityFunction] = {}

    def register(self, functions: Sequence[func.Function]) -> None:
        for function in functions:
            binding = _binding(function)
            kind = binding.get("type")
            user_function = function.get_user_function()
            if kind == ORCHESTRATION_TRIGGER:
                name = str(binding.get("orchestration") or function.get_function_name())
                self.orchestrators[name] = OrchestratorFunction(name, user_function)
            elif kind == ACTIVITY_TRIGGER:
                name = str(binding.get("activity") or function.get_function_name())
                self.activities[name] = ActivityFunction(
                    name, user_function, str(binding["name"]), inspect.iscoroutinefunction(user_function)
                )

    def orchestrator(self, name: str) -> OrchestratorFunction:
        return _lookup(self.orchestrators, name, "orchestrator")

    def activity(self, name: str) -> ActivityFunction:
        return _lookup(self.activities, name, "activity")


def _lookup[T](table: dict[str, T], name: str, kind: str) -> T:
    """Find a function by name as the extension does (FunctionName compares case-insensitively);
    an unknown name gets the extension's message, listing the known functions of that kind."""
    found = table.get(name)
    if found is None:
        found = next((value for key, value in table.items() if key.lower() == name.lower()), None)
    if found is not None:
        return found
    message = (
        f"The function '{name}' doesn't exist, is disabled, or is not an {kind} function. Additional info: "
    )
    if table:
        known = "', '".join(sorted(table))
        message += f"The following are the known {kind} functions: '{known}'."
    else:
        message += f"No {kind} functions are currently registered!"
    raise UnknownFunctionError(message)
