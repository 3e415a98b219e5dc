"""The blueprint every activity registers on (function_app registers it once).

`activity` wraps the SDK's untyped decorator so mypy keeps checking the functions' own types.
Activities are always called by name from orchestrators, never directly.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, cast

import azure.durable_functions as df

bp = df.Blueprint()

# The annotation of every activity's input. The Python worker's load check accepts a class or a
# `typing` generic and refuses a builtin generic such as `dict[str, Any]` ("binding payload has
# invalid non-type annotation"), so this one stays `typing.Dict`.
ActivityInput = typing.Dict[str, Any]  # noqa: UP006


def activity[F: Callable[..., Any]](function: F) -> F:
    """Register `function` as an activity named after it, taking its JSON input as `payload`."""
    return cast(F, bp.activity_trigger(input_name="payload")(function))
