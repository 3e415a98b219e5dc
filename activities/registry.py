"""The blueprint every activity registers on (function_app registers it once).

`activity` wraps the SDK's untyped decorator so mypy keeps checking the functions' own types.
Activities are always called by name from orchestrators, never directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import azure.durable_functions as df

bp = df.Blueprint()

def activity[F: Callable[..., Any]](function: F) -> F:
    """Register `function` as an activity named after it, taking its JSON input as `payload`."""
    return cast(F, bp.activity_trigger(input_name="payload")(function))
