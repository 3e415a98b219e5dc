"""The blueprint every activity registers on (function_app registers it once).

`activity` wraps the SDK's untyped decorator so mypy keeps checking the functions' own types.
Activities are always called by name from orchestrators, never directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import azure.durable_functions as df

bp = df.Blueprint()

_F = TypeVar("_F", bound=Callable[..., Any])


def activity(function: _F) -> _F:
    """Register `function` as an activity named after it, taking its JSON input as `payload`."""
    return cast(_F, bp.activity_trigger(input_name="payload")(function))
