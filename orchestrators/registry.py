"""The blueprint the orchestrators register on, with a typed decorator over the SDK's untyped one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import azure.durable_functions as df

bp = df.Blueprint()

def orchestrator[F: Callable[..., Any]](function: F) -> F:
    """Register the generator `function` as an orchestrator named after it."""
    return cast(F, bp.orchestration_trigger(context_name="context")(function))
