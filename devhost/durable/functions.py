"""The app's orchestrator and activity functions, and how the engine runs them.

The engine never calls app code itself: it asks an invoker, which hands the invocation to the
language worker as the Durable extension does (the orchestration context as the trigger's string,
the activity input as its JSON text) and reads the result back. Names follow the extension: the
binding's ``orchestration``/``activity`` property when set, otherwise the function name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from devhost.durable.errors import UnknownFunctionError

ORCHESTRATION_TRIGGER = "orchestrationTrigger"
ACTIVITY_TRIGGER = "activityTrigger"


@dataclass(frozen=True)
class DurableFunction:
    """An orchestrator or activity: the name it is called by, its trigger parameter, its handle."""

    name: str
    kind: str
    parameter: str
    handle: Any  # what the invoker needs to reach it (the worker's function metadata)


@dataclass(frozen=True)
class ActivityResult:
    """An activity's answer: its JSON result, or the failure as the extension records it."""

    result_json: str | None = None
    failure: tuple[str, str] | None = None  # (Reason, Details) of TaskFailed


class OrchestratorFunctionError(Exception):
    """The orchestrator invocation failed; `str()` is the worker's message, `stack_trace` its stack."""

    def __init__(self, message: str, stack_trace: str = "") -> None:
        super().__init__(message)
        self.stack_trace = stack_trace


class EpisodeAbortedError(Exception):
    """The episode did not complete for a host-side reason (a timeout); the engine runs it again."""


class DurableInvoker(Protocol):
    async def run_orchestrator(self, function: DurableFunction, context_json: str) -> str:
        """The orchestrator state JSON the SDK's handler returned; OrchestratorFunctionError otherwise."""
        ...

    async def run_activity(self, function: DurableFunction, input_json: str | None) -> ActivityResult: ...


class FunctionRegistry:
    """Lookup of the app's durable functions by the name orchestrations use to call them."""

    def __init__(self) -> None:
        self.orchestrators: dict[str, DurableFunction] = {}
        self.activities: dict[str, DurableFunction] = {}

    def register(self, functions: Iterable[DurableFunction]) -> None:
        for function in functions:
            table = self.orchestrators if function.kind == ORCHESTRATION_TRIGGER else self.activities
            table[function.name] = function

    def orchestrator(self, name: str) -> DurableFunction:
        return _lookup(self.orchestrators, name, "orchestrator")

    def activity(self, name: str) -> DurableFunction:
        return _lookup(self.activities, name, "activity")


def durable_functions(functions: Iterable[Any]) -> list[DurableFunction]:
    """The durable functions among the worker's (its FunctionMetadata, or indexed functions holding it)."""
    found: list[DurableFunction] = []
    for function in functions:
        for binding in function.bindings:
            kind = binding.get("type")
            if kind == ORCHESTRATION_TRIGGER:
                name = str(binding.get("orchestration") or function.name)
            elif kind == ACTIVITY_TRIGGER:
                name = str(binding.get("activity") or function.name)
            else:
                continue
            handle = getattr(function, "metadata", function)
            found.append(DurableFunction(name, str(kind), str(binding["name"]), handle))
    return found


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
