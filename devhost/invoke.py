"""Call a user function with the arguments the Python worker would build, and collect its outputs.

Async functions run on the host's single long-lived event loop (the durable client SDK keeps a
module-global aiohttp session bound to the loop that first used it); sync functions run on a thread
pool, as the worker does, so a blocking function never stalls the host.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from devhost.app_loader import IndexedFunction
from devhost.errors import BindingError

RETURN = "$return"


class OutputValue[T](func.Out[T]):
    """The object a `func.Out[...]` parameter receives; the host reads it after the call."""

    def __init__(self) -> None:
        self._value: T | None = None
        self.was_set = False

    def set(self, val: T) -> None:
        self._value = val
        self.was_set = True

    def get(self) -> T:
        return self._value  # type: ignore[return-value]


@dataclass(frozen=True)
class InvocationResult:
    """What one call produced: the return value and every output binding that received a value."""

    return_value: Any
    outputs: Mapping[str, Any]


def check_parameters(function: IndexedFunction) -> None:
    """Every parameter must be fed by a binding, or the worker refuses the function at indexing."""
    bound = {str(b.get("name")) for b in function.bindings}
    for parameter in inspect.signature(function.user_function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name not in bound and parameter.default is parameter.empty:
            raise BindingError(
                f"function {function.name!r}: parameter {parameter.name!r} is not declared by any binding"
            )


async def call_function(
    function: IndexedFunction, arguments: Mapping[str, Any], *, executor: Executor
) -> InvocationResult:
    """Invoke with `arguments` (trigger and input bindings by name) plus fresh output-binding objects."""
    outputs: dict[str, OutputValue[Any]] = {
        str(b["name"]): OutputValue()
        for b in function.bindings
        if str(b.get("direction", "")).upper() == "OUT" and b.get("name") != RETURN
    }
    kwargs = {**arguments, **outputs}
    user = function.user_function
    if inspect.iscoroutinefunction(user):
        result = await user(**kwargs)
    else:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(executor, functools.partial(user, **kwargs))
        if inspect.isawaitable(result):
            result = await result
    return InvocationResult(
        return_value=result,
        outputs={name: out.get() for name, out in outputs.items() if out.was_set},
    )


async def close_durable_client_session() -> None:
    """Close the durable SDK's module-global aiohttp session and give it a fresh lock.

    The session and its lock bind to the event loop that first used them; a host that stops must
    release them so the next host (a new loop, e.g. the next test) starts clean instead of failing
    with "Event loop is closed".
    """
    from azure.durable_functions.models.utils import http_utils

    session = http_utils._client_session
    http_utils._client_session = None
    http_utils._session_lock = asyncio.Lock()
    if session is not None and not session.closed:
        await session.close()
