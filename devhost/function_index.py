"""The app's functions as the host sees them: the worker's metadata, checked against what devhost serves.

The worker indexes the app (the host never imports it) and answers FunctionsMetadataRequest with
each function's id, name and raw bindings. The host then refuses bindings it has no extension for,
as the Functions host does: a function that could never run is a start-up error naming it, not a
silent gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devhost.errors import BindingError
from devhost.worker.language_worker import FunctionMetadata

HOST_TRIGGERS = frozenset({"queueTrigger", "timerTrigger", "httpTrigger"})
DURABLE_TRIGGERS = frozenset({"orchestrationTrigger", "activityTrigger"})
# Non-trigger bindings devhost honours, by the trigger kinds they may accompany.
EXTRA_BINDINGS = {
    ("IN", "durableClient"): HOST_TRIGGERS,
    ("OUT", "queue"): HOST_TRIGGERS,
    ("OUT", "http"): frozenset({"httpTrigger"}),
}


@dataclass(frozen=True)
class IndexedFunction:
    """One function: its metadata from the worker, its trigger binding and its other bindings."""

    metadata: FunctionMetadata
    trigger: dict[str, Any]

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def function_id(self) -> str:
        return self.metadata.function_id

    @property
    def bindings(self) -> tuple[dict[str, Any], ...]:
        return self.metadata.bindings

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])

    def bindings_of(self, direction: str, binding_type: str) -> list[dict[str, Any]]:
        return [
            b for b in self.bindings
            if str(b.get("direction", "")).upper() == direction and b.get("type") == binding_type
        ]


def index_function(metadata: FunctionMetadata) -> IndexedFunction:
    """Classify one function's bindings; any binding devhost cannot honour is a BindingError."""
    name = metadata.name
    triggers = [b for b in metadata.bindings if str(b.get("type", "")).endswith("Trigger")]
    if len(triggers) != 1:
        raise BindingError(f"function {name!r}: expected exactly one trigger binding, found {len(triggers)}")
    trigger = triggers[0]
    trigger_type = str(trigger["type"])
    if trigger_type not in HOST_TRIGGERS | DURABLE_TRIGGERS:
        raise BindingError(
            f"function {name!r}: trigger binding {trigger.get('name')!r} of type {trigger_type!r} is not "
            f"supported by devhost (supported: {', '.join(sorted(HOST_TRIGGERS | DURABLE_TRIGGERS))})"
        )
    for binding in metadata.bindings:
        if binding is trigger:
            continue
        key = (str(binding.get("direction", "")).upper(), str(binding.get("type")))
        allowed_with = EXTRA_BINDINGS.get(key)
        if allowed_with is None or trigger_type not in allowed_with:
            raise BindingError(
                f"function {name!r}: binding {binding.get('name')!r} of type {binding.get('type')!r} "
                f"(direction {binding.get('direction')}) is not supported by devhost with a {trigger_type}"
            )
    return IndexedFunction(metadata=metadata, trigger=trigger)


def index_functions(functions: Sequence[FunctionMetadata]) -> tuple[IndexedFunction, ...]:
    indexed = tuple(index_function(f) for f in functions)
    seen: set[str] = set()
    for function in indexed:
        key = function.name.lower()
        if key in seen:
            raise BindingError(f"two functions are named {function.name!r}")
        seen.add(key)
    return indexed
