"""The blueprint the orchestrators register on, with a typed decorator over the SDK's untyped one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import azure.durable_functions as df

bp = df.Blueprint()

_F = TypeVar("_F", bound=Callable[..., Any])


def orchestrator(function: _F) -> _F:
    """Register the generator `function` as an orchestrator named after it."""
    return cast(_F, bp.orchestration_trigger(context_name="context")(function))
