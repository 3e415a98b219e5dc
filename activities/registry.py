"""The blueprint every activity registers on (function_app registers it once).

`activity` wraps the SDK's untyped decorator so mypy keeps checking the functions' own types.
Activities are always called by name from orchestrators, never directly.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

import azure.durable_functions as df

from imagefactory.gateway.quota import ORCHESTRATION_TIME, orchestration_time

bp = df.Blueprint()

# The annotation of every activity's input. The Python worker's load check accepts a class or a
# `typing` generic and refuses a builtin generic such as `dict[str, Any]` ("binding payload has
# invalid non-type annotation"), so this one stays `typing.Dict`.
ActivityInput = typing.Dict[str, Any]  # noqa: UP006


def activity[F: Callable[..., Any]](function: F) -> F:
    """Register `function` as an activity named after it, taking its JSON input as `payload`.

    The orchestrator puts its own time in the payload (ORCHESTRATION_TIME); the ARM requests the
    activity sends are paced against it (imagefactory.gateway.quota), so pacing follows the clock
    the builds run on. The wrapper keeps the function's name, signature and annotations, which
    the worker reads when it indexes and loads the function.
    """

    @functools.wraps(function)
    def run(payload: Any) -> Any:
        moment = payload.pop(ORCHESTRATION_TIME, None) if isinstance(payload, dict) else None
        with orchestration_time(datetime.fromisoformat(moment) if isinstance(moment, str) else None):
            return function(payload)

    return cast(F, bp.activity_trigger(input_name="payload")(run))
